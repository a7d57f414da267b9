"""Wires the receivables ledger together."""

from fastapi import FastAPI

from arflow_contracts import topics
from arflow_invoice.api import routers
from arflow_invoice.domain import LedgerError
from arflow_invoice.handlers import handlers
from arflow_invoice.scheduler import day_close_schedule
from arflow_invoice.settings import InvoiceSettings
from arflow_runtime.bus.base import Bus
from arflow_runtime.service import ServiceDefinition, create_service_app
from arflow_runtime.settings import PlatformSettings

NAME = "invoice-service"


def definition(settings: InvoiceSettings | None = None) -> ServiceDefinition:
    """The ledger's parts."""
    return ServiceDefinition(
        name=NAME,
        title="arflow invoice-service (receivables ledger)",
        description="Invoices, payments, allocations, credit notes, disputes, write-offs, charges, "
        "day close, aging, DSO, allowance, statements and limitation. See docs/ledger.md.",
        settings=settings or InvoiceSettings(),
        migrations="arflow_invoice.migrations",
        routers=routers,
        handlers=handlers,
        produces=[topics.LEDGER],
        background=[day_close_schedule],
        domain_errors=(LedgerError,),
    )


def create_app(
    settings: InvoiceSettings | None = None, platform: PlatformSettings | None = None, bus: Bus | None = None
) -> FastAPI:
    """The invoice-service ASGI app."""
    return create_service_app(definition(settings), platform, bus)
