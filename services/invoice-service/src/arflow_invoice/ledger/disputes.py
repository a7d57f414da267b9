"""Disputes: opening one pauses collection; resolving valid credits it, invalid returns it to collection."""

import json
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from arflow_contracts.ledger import DisputeResolvedV1, InvoiceDisputedV1
from arflow_invoice import domain
from arflow_invoice.domain import DisputeNotFound, DuplicateDocument, ExceedsOutstanding, InvalidState
from arflow_invoice.ledger.common import content_of, money_text, named_invoice, require_same_content
from arflow_invoice.ledger.credit_notes import note_by_number
from arflow_invoice.ledger.events import after_posting, credit_note_issued, publish
from arflow_invoice.schemas import DisputeIn, DisputeResolutionIn
from arflow_invoice.store import CreditNote, Dispute, Invoice
from arflow_invoice.store.base import key_of
from arflow_invoice.store.states import load_state, record_figures
from arflow_runtime.db import UnitOfWork


def dispute_view(dispute: Dispute, invoice: Invoice) -> dict[str, Any]:
    """A dispute and how it ended."""
    return {
        "dispute_id": dispute.dispute_id,
        "invoice_number": invoice.invoice_number,
        "customer_id": invoice.customer_id,
        "currency": invoice.currency,
        "amount": money_text(dispute.amount, invoice.currency),
        "opened_date": dispute.opened_date.isoformat(),
        "reason_code": dispute.reason_code,
        "reason": dispute.reason,
        "status": "open" if dispute.resolution is None else "resolved",
        "resolution": dispute.resolution,
        "resolved_date": dispute.resolved_date.isoformat() if dispute.resolved_date else None,
        "credit_note_number": dispute.credit_note_number,
        "note": dispute.note,
    }


async def _find(session: AsyncSession, dispute_id: str) -> tuple[Dispute, Invoice] | None:
    found = await session.execute(
        select(Dispute, Invoice)
        .join(Invoice, col(Invoice.id) == col(Dispute.invoice_id))
        .where(col(Dispute.dispute_id) == dispute_id)
    )
    row = found.first()
    return None if row is None else (row[0], row[1])


async def get_dispute(session: AsyncSession, dispute_id: str) -> dict[str, Any]:
    """One dispute; 404 if unknown."""
    found = await _find(session, dispute_id)
    if found is None:
        raise DisputeNotFound(f"the ledger has no dispute {dispute_id}", dispute_id=dispute_id)
    return dispute_view(*found)


async def open_dispute(uow: UnitOfWork, body: DisputeIn) -> tuple[int, dict[str, Any]]:
    """Record a dispute (201), or the same one again (200); different content is 409."""
    session = uow.session
    content = content_of(body, "dispute_id")
    existing = await _find(session, body.dispute_id)
    if existing is not None:
        require_same_content("dispute", body.dispute_id, existing[0].content, content)
        return 200, dispute_view(*existing)
    invoice = await named_invoice(session, body.invoice_number, f"dispute {body.dispute_id}")
    state = await load_state(session, invoice)
    day = body.opened_date
    amount = body.amount
    if amount is None:
        amount = state.outstanding(day) - state.disputed_amount(day) if state.is_issued(day) else Decimal(0)
        if amount <= 0:
            raise ExceedsOutstanding(
                f"invoice {invoice.invoice_number} has nothing undisputed outstanding on {day}",
                invoice_number=invoice.invoice_number,
            )
    state = domain.open_dispute(state, body.dispute_id, amount, day, body.reason_code)
    dispute = Dispute(
        dispute_id=body.dispute_id,
        invoice_id=key_of(invoice),
        amount=state.disputes[-1].amount,
        opened_date=day,
        reason_code=body.reason_code,
        reason=body.reason,
        content=content,
    )
    session.add(dispute)
    record_figures(invoice, state)
    await publish(
        uow,
        InvoiceDisputedV1(
            dispute_id=dispute.dispute_id,
            invoice_number=invoice.invoice_number,
            customer_id=invoice.customer_id,
            opened_on=day,
            disputed_amount=domain.quantize(dispute.amount, invoice.currency),
            currency=invoice.currency,
            reason_code=body.reason_code,
            reason=body.reason,
        ),
    )
    return 201, dispute_view(dispute, invoice)


def _same_resolution(dispute: Dispute, body: DisputeResolutionIn) -> bool:
    number = body.credit_note_number
    return (dispute.resolution, dispute.resolved_date) == (body.outcome, body.resolved_date) and (
        number is None or dispute.credit_note_number in (None, number)
    )


async def resolve_dispute(
    uow: UnitOfWork, dispute_id: str, body: DisputeResolutionIn
) -> tuple[int, dict[str, Any]]:
    """Resolve a dispute (valid issues a credit note); repeating the same resolution returns it (200)."""
    session = uow.session
    found = await _find(session, dispute_id)
    if found is None:
        raise DisputeNotFound(f"the ledger has no dispute {dispute_id}", dispute_id=dispute_id)
    dispute, invoice = found
    if dispute.resolution is not None:
        if _same_resolution(dispute, body):
            return 200, dispute_view(dispute, invoice)
        raise InvalidState(
            f"dispute {dispute_id} was already resolved ({dispute.resolution}) on {dispute.resolved_date}",
            dispute_id=dispute_id,
        )
    valid = body.outcome == "valid"
    number = body.credit_note_number or f"CN-{dispute_id}"
    if valid and await note_by_number(session, number) is not None:
        raise DuplicateDocument(
            f"credit note {number} already exists; give another credit_note_number", credit_note_number=number
        )
    before = await load_state(session, invoice)
    state = domain.resolve_dispute(before, dispute_id, body.resolved_date, valid, number)
    credited = len(state.credit_notes) > len(before.credit_notes)
    dispute.resolution, dispute.resolved_date, dispute.note = body.outcome, body.resolved_date, body.note
    status_before = invoice.status
    record_figures(invoice, state)
    note = None
    if credited:
        dispute.credit_note_number = number
        note = CreditNote(
            credit_note_number=number,
            customer_id=invoice.customer_id,
            currency=invoice.currency,
            amount=state.credit_notes[-1].amount,
            issue_date=body.resolved_date,
            invoice_id=key_of(invoice),
            reason=f"dispute {dispute_id} resolved valid",
            dispute_id=dispute_id,
            content=json.dumps({"dispute_id": dispute_id}),
        )
        session.add(note)
    await publish(
        uow,
        DisputeResolvedV1(
            dispute_id=dispute_id,
            invoice_number=invoice.invoice_number,
            customer_id=invoice.customer_id,
            outcome=body.outcome,
            resolved_on=body.resolved_date,
            credit_note_number=dispute.credit_note_number,
            note=body.note,
        ),
    )
    if note is not None:
        await publish(uow, credit_note_issued(note, invoice))
    await after_posting(uow, invoice, status_before)
    return 200, dispute_view(dispute, invoice)
