"""Wires dunning-service together."""

from fastapi import FastAPI

from arflow_contracts import topics
from arflow_dunning.api import router
from arflow_dunning.handlers import handlers
from arflow_dunning.settings import DunningSettings
from arflow_runtime.bus.base import Bus
from arflow_runtime.service import ServiceDefinition, create_service_app
from arflow_runtime.settings import PlatformSettings

NAME = "dunning-service"


def definition(settings: DunningSettings | None = None) -> ServiceDefinition:
    """dunning-service's parts."""
    return ServiceDefinition(
        name=NAME,
        title="arflow dunning-service",
        description="Dunning policies and stages, collection cases, actions, tasks, promises-to-pay.",
        settings=settings or DunningSettings(),
        migrations="arflow_dunning.migrations",
        routers=[router],
        handlers=handlers,
        produces=[topics.DUNNING],
    )


def create_app(
    settings: DunningSettings | None = None, platform: PlatformSettings | None = None, bus: Bus | None = None
) -> FastAPI:
    """The dunning-service ASGI app."""
    return create_service_app(definition(settings), platform, bus)
