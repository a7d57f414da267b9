"""Wires notification-service together."""

from fastapi import FastAPI

from arflow_contracts import topics
from arflow_notification.api import router
from arflow_notification.handlers import handlers
from arflow_notification.settings import NotificationSettings
from arflow_runtime.bus.base import Bus
from arflow_runtime.service import ServiceDefinition, create_service_app
from arflow_runtime.settings import PlatformSettings

NAME = "notification-service"


def definition(settings: NotificationSettings | None = None) -> ServiceDefinition:
    """notification-service's parts."""
    return ServiceDefinition(
        name=NAME,
        title="arflow notification-service",
        description="Templates, channels (email, SMS, webhook, letters) and the delivery log.",
        settings=settings or NotificationSettings(),
        migrations="arflow_notification.migrations",
        routers=[router],
        handlers=handlers,
        produces=[topics.NOTIFICATION],
    )


def create_app(
    settings: NotificationSettings | None = None, platform: PlatformSettings | None = None, bus: Bus | None = None
) -> FastAPI:
    """The notification-service ASGI app."""
    return create_service_app(definition(settings), platform, bus)
