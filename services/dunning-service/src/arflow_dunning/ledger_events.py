"""dunning-service's projection of the ledger: what each ledger event changes on a watched invoice."""

from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from arflow_contracts import EventEnvelope
from arflow_contracts.ledger import (
    CreditNoteIssuedV1,
    InvoiceIssuedV1,
    InvoiceOverdueV1,
    InvoicePaidV1,
    InvoiceWrittenOffV1,
    PaymentAllocatedV1,
)
from arflow_dunning.promises import count_payment_toward_promise
from arflow_dunning.receivables import find_watched, note_invoice, settle_invoice
from arflow_dunning.store import OPEN, Settlement, WatchedInvoice
from arflow_runtime.consumer import Poison
from arflow_runtime.db import UnitOfWork
from arflow_runtime.log import get_logger

log = get_logger(__name__)

ZERO = Decimal(0)
LATEST_DUE_DATE = date(9000, 12, 31)


async def _record_settlement(
    session: AsyncSession,
    invoice: WatchedInvoice,
    kind: str,
    reference: str,
    on: date,
    amount: Decimal,
    principal: Decimal,
) -> bool:
    """Keep the document for reports; False when it was recorded already (a re-sent document)."""
    seen = await session.scalar(
        select(Settlement.id).where(
            Settlement.kind == kind,
            Settlement.reference == reference,
            Settlement.invoice_number == invoice.invoice_number,
        )
    )
    if seen is not None:
        log.warning("dunning.settlement.repeated", kind=kind, invoice_number=invoice.invoice_number)
        return False
    session.add(
        Settlement(
            invoice_number=invoice.invoice_number,
            customer_id=invoice.customer_id,
            kind=kind,
            reference=reference,
            on_date=on,
            amount=amount,
            principal=principal,
            currency=invoice.currency,
        )
    )
    return True


async def invoice_issued(event: InvoiceIssuedV1, _: EventEnvelope, uow: UnitOfWork) -> None:
    """Start watching an invoice; stages count from its due date, its terms price fees and interest."""
    if event.due_date > LATEST_DUE_DATE:
        # Stage days are added to the due date; a date this far out is bad data, not a receivable.
        raise Poison(f"invoice {event.invoice_number}: due date {event.due_date} is not plausible")
    terms = event.terms
    values = dict(
        customer_id=event.customer_id,
        currency=event.currency,
        amount=event.amount,
        issue_date=event.issue_date,
        due_date=event.due_date,
        salesperson_id=event.salesperson_id,
        late_interest_rate=str(terms.late_interest_rate) if terms and terms.late_interest_rate else None,
        day_count=terms.day_count if terms else None,
        dunning_fee=terms.dunning_fee if terms else None,
    )
    invoice = await uow.session.get(WatchedInvoice, event.invoice_number)
    if invoice is None:
        uow.session.add(
            WatchedInvoice(
                invoice_number=event.invoice_number,
                outstanding=event.amount,
                principal_outstanding=event.amount,
                **values,
            )
        )
        return
    for name, value in values.items():  # known already from an InvoiceOverdue that came first
        setattr(invoice, name, value)
    invoice.next_stage_due_on = None


async def invoice_overdue(event: InvoiceOverdueV1, _: EventEnvelope, uow: UnitOfWork) -> bool:
    """True when dunning still chases the invoice; one it never saw issued is watched from now on.

    A known invoice keeps dunning's own projection: the customer's payments and charges reach
    dunning in the ledger's order, and a replayed old InvoiceOverdue must not undo them.
    """
    invoice = await uow.session.get(WatchedInvoice, event.invoice_number)
    if invoice is None:
        invoice = WatchedInvoice(
            invoice_number=event.invoice_number,
            customer_id=event.customer_id,
            currency=event.currency,
            amount=event.outstanding,
            outstanding=event.outstanding,
            principal_outstanding=event.outstanding,
            due_date=event.due_date,
        )
        uow.session.add(invoice)
    return invoice.status == OPEN


async def payment_allocated(event: PaymentAllocatedV1, envelope: EventEnvelope, uow: UnitOfWork) -> None:
    """A payment reduced the invoice: charges, interest, principal; it may keep a promise."""
    invoice = await find_watched(uow.session, event.invoice_number, "PaymentAllocated")
    if invoice is None:
        return
    on = event.allocated_on or envelope.occurred_at.date()
    if not await _record_settlement(
        uow.session, invoice, "payment", event.payment_reference, on, event.amount, event.principal
    ):
        return
    invoice.principal_outstanding = max(ZERO, invoice.principal_outstanding - event.principal)
    invoice.charges_outstanding = max(ZERO, invoice.charges_outstanding - event.charges - event.interest)
    invoice.outstanding = (
        event.outstanding_after
        if event.outstanding_after is not None
        else max(ZERO, invoice.outstanding - event.amount)
    )
    note_invoice(
        uow.session,
        invoice,
        on,
        "payment_allocated",
        amount=str(event.amount),
        currency=event.currency,
        payment_reference=event.payment_reference,
    )
    await count_payment_toward_promise(uow.session, invoice, event.amount, on)
    if invoice.outstanding == 0:
        await settle_invoice(uow.session, invoice, "paid", on)


async def invoice_paid(event: InvoicePaidV1, _: EventEnvelope, uow: UnitOfWork) -> None:
    """The invoice is settled in full."""
    invoice = await find_watched(uow.session, event.invoice_number, "InvoicePaid")
    if invoice is None:
        return
    invoice.paid_date = event.paid_date
    invoice.outstanding = invoice.principal_outstanding = invoice.charges_outstanding = ZERO
    note_invoice(uow.session, invoice, event.paid_date, "invoice_paid", days_late=event.days_late)
    await settle_invoice(uow.session, invoice, "paid", event.paid_date)


async def credit_note_issued(event: CreditNoteIssuedV1, _: EventEnvelope, uow: UnitOfWork) -> None:
    """A credit note on an invoice reduces it (one without an invoice is unapplied credit: not ours)."""
    if event.invoice_number is None:
        return
    invoice = await find_watched(uow.session, event.invoice_number, "CreditNoteIssued")
    if invoice is None:
        return
    principal = min(event.amount, invoice.principal_outstanding)
    if not await _record_settlement(
        uow.session,
        invoice,
        "credit_note",
        event.credit_note_number,
        event.issue_date,
        event.amount,
        principal,
    ):
        return
    invoice.principal_outstanding -= principal
    invoice.outstanding = (
        event.outstanding_after
        if event.outstanding_after is not None
        else max(ZERO, invoice.outstanding - event.amount)
    )
    note_invoice(
        uow.session,
        invoice,
        event.issue_date,
        "credit_note_issued",
        amount=str(event.amount),
        currency=event.currency,
        credit_note_number=event.credit_note_number,
    )
    if invoice.outstanding == 0:
        await settle_invoice(uow.session, invoice, "credited", event.issue_date)


async def invoice_written_off(event: InvoiceWrittenOffV1, _: EventEnvelope, uow: UnitOfWork) -> None:
    """The rest is bad debt: dunning stops and the case may close."""
    invoice = await find_watched(uow.session, event.invoice_number, "InvoiceWrittenOff")
    if invoice is None:
        return
    await _record_settlement(
        uow.session,
        invoice,
        "write_off",
        event.invoice_number,
        event.written_off_on,
        event.amount,
        invoice.principal_outstanding,
    )
    invoice.outstanding = invoice.principal_outstanding = invoice.charges_outstanding = ZERO
    note_invoice(
        uow.session,
        invoice,
        event.written_off_on,
        "invoice_written_off",
        amount=str(event.amount),
        currency=event.currency,
    )
    await settle_invoice(uow.session, invoice, "written_off", event.written_off_on)
