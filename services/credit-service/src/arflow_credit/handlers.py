"""credit-service's reactions to ledger events."""

from arflow_contracts import EventEnvelope
from arflow_contracts.ledger import InvoiceIssuedV1
from arflow_credit.store import LedgerItem
from arflow_runtime.db import UnitOfWork
from arflow_runtime.handlers import EventHandlers

handlers = EventHandlers()


@handlers.on(InvoiceIssuedV1)
async def invoice_issued(event: InvoiceIssuedV1, _: EventEnvelope, uow: UnitOfWork) -> None:
    """A new invoice adds its amount to the customer's exposure."""
    uow.session.add(
        LedgerItem(
            invoice_number=event.invoice_number, customer_id=event.customer_id, currency=event.currency,
            amount=event.amount, outstanding=event.amount, due_date=event.due_date,
        )
    )
