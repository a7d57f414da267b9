"""Wires credit-service together."""

from fastapi import FastAPI

from arflow_contracts import topics
from arflow_credit.api import router
from arflow_credit.handlers import handlers
from arflow_credit.settings import CreditSettings
from arflow_runtime.bus.base import Bus
from arflow_runtime.service import ServiceDefinition, create_service_app
from arflow_runtime.settings import PlatformSettings

NAME = "credit-service"


def definition(settings: CreditSettings | None = None) -> ServiceDefinition:
    """credit-service's parts."""
    return ServiceDefinition(
        name=NAME,
        title="arflow credit-service",
        description="Customer credit profiles, scores, risk classes, limits, exposure, holds.",
        settings=settings or CreditSettings(),
        migrations="arflow_credit.migrations",
        routers=[router],
        handlers=handlers,
        produces=[topics.CREDIT],
    )


def create_app(
    settings: CreditSettings | None = None, platform: PlatformSettings | None = None, bus: Bus | None = None
) -> FastAPI:
    """The credit-service ASGI app."""
    return create_service_app(definition(settings), platform, bus)
