"""notification-service's reactions to events."""

from uuid import uuid4

from arflow_contracts import EventEnvelope
from arflow_contracts.ledger import InvoiceIssuedV1
from arflow_notification.store import Notification
from arflow_runtime.db import UnitOfWork
from arflow_runtime.handlers import EventHandlers

handlers = EventHandlers()


@handlers.on(InvoiceIssuedV1)
async def invoice_issued(event: InvoiceIssuedV1, _: EventEnvelope, uow: UnitOfWork) -> None:
    """Schedule delivery of a new invoice to its customer (one per invoice number)."""
    uow.session.add(
        Notification(
            notification_id=str(uuid4()), request_key=f"invoice-delivery:{event.invoice_number}",
            customer_id=event.customer_id, channel="email", template="invoice.issued",
            status="scheduled", subject_ref=event.invoice_number,
        )
    )
