"""Wires notification-service together."""

from fastapi import FastAPI

from arflow_contracts import topics
from arflow_notification.api import routers
from arflow_notification.domain import Clock, SystemClock, UtcClock
from arflow_notification.errors import NotificationError
from arflow_notification.handlers import build_handlers
from arflow_notification.sending.channels import Channels
from arflow_notification.sending.job import NotificationSender
from arflow_notification.settings import NotificationSettings
from arflow_runtime.auth import ConfigurationError
from arflow_runtime.bus.base import Bus
from arflow_runtime.log import get_logger
from arflow_runtime.service import ServiceDefinition, create_service_app
from arflow_runtime.settings import PlatformSettings

NAME = "notification-service"
log = get_logger(__name__)


def definition(
    settings: NotificationSettings | None = None,
    clock: Clock | None = None,
    sender: NotificationSender | None = None,
) -> ServiceDefinition:
    """notification-service's parts."""
    settings = settings or NotificationSettings()
    clock = clock or SystemClock()
    sender = sender or NotificationSender(settings, clock)
    return ServiceDefinition(
        name=NAME,
        title="arflow notification-service",
        description="Templates (zh-CN, en, …), channels (email over SMTP, SMS and webhooks over HTTP, PDF "
        "letters), business hours, exactly-once sending and the delivery log.",
        settings=settings,
        migrations="arflow_notification.migrations",
        routers=routers,
        handlers=build_handlers(settings, clock),
        produces=[topics.NOTIFICATION],
        background=[sender],
        domain_errors=(NotificationError,),
    )


def create_app(
    settings: NotificationSettings | None = None,
    platform: PlatformSettings | None = None,
    bus: Bus | None = None,
    *,
    clock: Clock | None = None, channels: Channels | None = None,
) -> FastAPI:
    """The notification-service ASGI app; tests may inject a clock and channel ports."""
    settings = settings or NotificationSettings()
    platform = platform or PlatformSettings()
    _refuse_unsigned_providers(settings, platform)
    clock = UtcClock(clock or SystemClock())
    sender = NotificationSender(settings, clock, channels)
    app = create_service_app(definition(settings, clock, sender), platform, bus)
    app.state.clock = clock
    app.state.sender = sender
    return app


def _refuse_unsigned_providers(settings: NotificationSettings, platform: PlatformSettings) -> None:
    if settings.provider_secret is not None or not (settings.sms_url or settings.webhook_url):
        return
    if platform.mode == "distributed":
        raise ConfigurationError("NOTIFICATION_PROVIDER_SECRET is needed to sign SMS/webhook requests")
    log.warning("notification.dev_provider_secret",
                detail="NOTIFICATION_PROVIDER_SECRET is unset: provider requests are signed with the dev key")
