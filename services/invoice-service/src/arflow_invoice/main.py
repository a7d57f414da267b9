"""Wires the receivables ledger together."""

from fastapi import FastAPI

from arflow_contracts import topics
from arflow_invoice.api import router
from arflow_invoice.settings import InvoiceSettings
from arflow_runtime.bus.base import Bus
from arflow_runtime.handlers import EventHandlers
from arflow_runtime.service import ServiceDefinition, create_service_app
from arflow_runtime.settings import PlatformSettings

NAME = "invoice-service"


def definition(settings: InvoiceSettings | None = None) -> ServiceDefinition:
    """The ledger's parts."""
    return ServiceDefinition(
        name=NAME,
        title="arflow invoice-service (receivables ledger)",
        description="Invoices, payments, allocations, credit notes, disputes, write-offs, reports.",
        settings=settings or InvoiceSettings(),
        migrations="arflow_invoice.migrations",
        routers=[router],
        handlers=EventHandlers(),
        produces=[topics.LEDGER],
    )


def create_app(
    settings: InvoiceSettings | None = None, platform: PlatformSettings | None = None, bus: Bus | None = None
) -> FastAPI:
    """The invoice-service ASGI app."""
    return create_service_app(definition(settings), platform, bus)
