"""Disputes the ledger reports: an open one pauses its invoice's escalation until it is resolved."""

from arflow_contracts import EventEnvelope
from arflow_contracts.ledger import DisputeResolvedV1, InvoiceDisputedV1
from arflow_dunning.receivables import find_watched, note_invoice
from arflow_dunning.store import OPEN, Dispute
from arflow_runtime.db import UnitOfWork


async def invoice_disputed(event: InvoiceDisputedV1, _: EventEnvelope, uow: UnitOfWork) -> None:
    """An open dispute pauses the invoice's escalation."""
    if await uow.session.get(Dispute, event.dispute_id) is not None:
        return
    uow.session.add(
        Dispute(
            dispute_id=event.dispute_id,
            invoice_number=event.invoice_number,
            customer_id=event.customer_id,
            opened_on=event.opened_on,
        )
    )
    invoice = await find_watched(uow.session, event.invoice_number, "InvoiceDisputed")
    if invoice is None:
        return
    invoice.open_disputes += 1
    note_invoice(
        uow.session,
        invoice,
        event.opened_on,
        "dispute_opened",
        dispute_id=event.dispute_id,
        reason_code=event.reason_code,
        disputed_amount=str(event.disputed_amount) if event.disputed_amount else None,
    )


async def dispute_resolved(event: DisputeResolvedV1, _: EventEnvelope, uow: UnitOfWork) -> None:
    """A resolved dispute lets escalation resume (a valid one usually comes with a credit note)."""
    dispute = await uow.session.get(Dispute, event.dispute_id)
    was_open = dispute is not None and dispute.status == OPEN
    if dispute is None:
        dispute = Dispute(
            dispute_id=event.dispute_id,
            invoice_number=event.invoice_number,
            customer_id=event.customer_id,
            opened_on=event.resolved_on,
        )
        uow.session.add(dispute)
    elif not was_open:
        return
    dispute.status, dispute.resolved_on, dispute.outcome = "resolved", event.resolved_on, event.outcome
    invoice = await find_watched(uow.session, event.invoice_number, "DisputeResolved")
    if invoice is None:
        return
    if was_open:
        invoice.open_disputes = max(0, invoice.open_disputes - 1)
    invoice.next_stage_due_on = None
    note_invoice(
        uow.session,
        invoice,
        event.resolved_on,
        "dispute_resolved",
        dispute_id=event.dispute_id,
        outcome=event.outcome,
    )
