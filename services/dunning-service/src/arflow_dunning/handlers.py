"""dunning-service's reactions to ledger events."""

from arflow_contracts import EventEnvelope
from arflow_contracts.ledger import InvoiceIssuedV1
from arflow_dunning.store import WatchedInvoice
from arflow_runtime.db import UnitOfWork
from arflow_runtime.handlers import EventHandlers

handlers = EventHandlers()


@handlers.on(InvoiceIssuedV1)
async def invoice_issued(event: InvoiceIssuedV1, _: EventEnvelope, uow: UnitOfWork) -> None:
    """Start watching a new invoice; pre-due reminders and stages count from its due date."""
    uow.session.add(
        WatchedInvoice(
            invoice_number=event.invoice_number, customer_id=event.customer_id, currency=event.currency,
            outstanding=event.amount, due_date=event.due_date,
        )
    )
