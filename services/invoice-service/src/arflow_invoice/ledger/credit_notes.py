"""Credit notes: against an invoice (reduce its principal) or on account (unapplied credit)."""

from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from arflow_invoice import domain
from arflow_invoice.domain import CurrencyMismatch, CustomerMismatch, NotFound
from arflow_invoice.ledger.common import content_of, money_text, named_invoice, require_same_content
from arflow_invoice.ledger.credit import unapplied_balance
from arflow_invoice.ledger.events import after_posting, credit_note_issued, publish, unapplied_changed
from arflow_invoice.schemas import CreditNoteIn
from arflow_invoice.store import Allocation, CreditNote, Invoice
from arflow_invoice.store.base import key_of
from arflow_invoice.store.states import load_state, record_figures
from arflow_runtime.db import UnitOfWork


async def credit_note_view(session: AsyncSession, note: CreditNote) -> dict[str, Any]:
    """A credit note; on account, with what is still unapplied of it."""
    number = None
    unapplied = None
    if note.invoice_id is not None:
        number = (
            await session.execute(
                select(col(Invoice.invoice_number)).where(col(Invoice.id) == note.invoice_id)
            )
        ).scalar_one()
    else:
        used = (
            await session.execute(
                select(col(Allocation.amount)).where(
                    col(Allocation.source_kind) == "credit_note",
                    col(Allocation.source_reference) == note.credit_note_number,
                )
            )
        ).scalars()
        unapplied = money_text(note.amount - sum(used, Decimal(0)), note.currency)
    return {
        "credit_note_number": note.credit_note_number,
        "customer_id": note.customer_id,
        "currency": note.currency,
        "amount": money_text(note.amount, note.currency),
        "issue_date": note.issue_date.isoformat(),
        "invoice_number": number,
        "reason": note.reason,
        "dispute_id": note.dispute_id,
        "unapplied": unapplied,
    }


async def note_by_number(session: AsyncSession, number: str) -> CreditNote | None:
    """The credit note with this number, if any."""
    return (
        await session.execute(select(CreditNote).where(col(CreditNote.credit_note_number) == number))
    ).scalar_one_or_none()


async def get_credit_note(session: AsyncSession, number: str) -> dict[str, Any]:
    """One credit note; 404 if unknown."""
    note = await note_by_number(session, number)
    if note is None:
        raise NotFound(f"the ledger has no credit note {number}", credit_note_number=number)
    return await credit_note_view(session, note)


async def credit_invoice(
    uow: UnitOfWork,
    invoice: Invoice,
    number: str,
    amount: Decimal,
    on: date,
    reason: str | None,
    dispute_id: str | None,
    content: str,
) -> CreditNote:
    """Post a credit note on an invoice (the domain checks it fits what is outstanding)."""
    state = domain.post_credit_note(await load_state(uow.session, invoice), number, amount, on, reason or "")
    note = CreditNote(
        credit_note_number=number,
        customer_id=invoice.customer_id,
        currency=invoice.currency,
        amount=state.credit_notes[-1].amount,
        issue_date=on,
        invoice_id=key_of(invoice),
        reason=reason,
        dispute_id=dispute_id,
        content=content,
    )
    uow.session.add(note)
    status_before = invoice.status
    record_figures(invoice, state)
    await publish(uow, credit_note_issued(note, invoice))
    await after_posting(uow, invoice, status_before)
    return note


async def issue_credit_note(uow: UnitOfWork, body: CreditNoteIn) -> tuple[int, dict[str, Any]]:
    """A new credit note (201), or the same one again (200); different content is 409."""
    session = uow.session
    content = content_of(body, "credit_note_number")
    existing = await note_by_number(session, body.credit_note_number)
    if existing is not None:
        require_same_content("credit note", body.credit_note_number, existing.content, content)
        return 200, await credit_note_view(session, existing)
    currency = domain.validate_currency(body.currency)
    amount = domain.validate_amount(body.amount, currency, what=f"credit note {body.credit_note_number}")
    if body.invoice_number is None:
        note = CreditNote(
            credit_note_number=body.credit_note_number,
            customer_id=body.customer_id,
            currency=currency,
            amount=amount,
            issue_date=body.issue_date,
            reason=body.reason,
            content=content,
        )
        session.add(note)
        await publish(uow, credit_note_issued(note, None))
        balance = await unapplied_balance(session, body.customer_id, currency)
        await publish(
            uow,
            unapplied_changed(
                body.customer_id,
                currency,
                balance,
                amount,
                "credit_note_issued",
                note.credit_note_number,
                note.issue_date,
            ),
        )
        return 201, await credit_note_view(session, note)
    invoice = await named_invoice(session, body.invoice_number, f"credit note {body.credit_note_number}")
    if invoice.customer_id != body.customer_id:
        raise CustomerMismatch(
            f"invoice {invoice.invoice_number} belongs to customer {invoice.customer_id}, "
            f"not {body.customer_id}",
            invoice_number=invoice.invoice_number,
        )
    if invoice.currency != currency:
        raise CurrencyMismatch(
            f"invoice {invoice.invoice_number} is in {invoice.currency} but the credit note is "
            f"in {currency}; amounts are not converted",
            invoice_number=invoice.invoice_number,
        )
    note = await credit_invoice(
        uow, invoice, body.credit_note_number, amount, body.issue_date, body.reason, None, content
    )
    return 201, await credit_note_view(session, note)
