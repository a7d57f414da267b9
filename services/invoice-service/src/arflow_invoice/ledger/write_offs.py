"""Write-offs of an invoice's whole outstanding; above the configured limit a second principal approves."""

from decimal import Decimal
from typing import Any, ClassVar

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from arflow_contracts.ledger import InvoiceWrittenOffV1
from arflow_invoice import domain
from arflow_invoice.domain import InvalidAmount, InvalidState, LedgerError, NotFound
from arflow_invoice.ledger.common import content_of, money_text, named_invoice, require_same_content
from arflow_invoice.ledger.events import publish
from arflow_invoice.schemas import WriteOffIn
from arflow_invoice.settings import InvoiceSettings
from arflow_invoice.store import Invoice, WriteOff
from arflow_invoice.store.base import key_of, now
from arflow_invoice.store.states import load_state, record_figures
from arflow_runtime.db import UnitOfWork

PENDING, APPROVED, REJECTED = "pending_approval", "approved", "rejected"


class SameApprover(LedgerError):
    """Maker-checker: who asked for a write-off cannot approve it."""

    status: ClassVar[int] = 403
    problem_type: ClassVar[str] = "four-eyes"
    title: ClassVar[str] = "A second person must approve"


def write_off_view(write_off: WriteOff, invoice: Invoice) -> dict[str, Any]:
    """A write-off and where its approval stands."""
    currency = invoice.currency
    return {
        "write_off_id": write_off.write_off_id,
        "invoice_number": invoice.invoice_number,
        "customer_id": invoice.customer_id,
        "currency": currency,
        "amount": money_text(write_off.amount, currency),
        "fees": money_text(write_off.fees, currency),
        "interest": money_text(write_off.interest, currency),
        "principal": money_text(write_off.principal, currency),
        "written_off_date": write_off.written_off_date.isoformat(),
        "reason": write_off.reason,
        "status": write_off.status,
        "requested_by": write_off.requested_by,
        "decided_by": write_off.decided_by,
        "decided_at": write_off.decided_at.isoformat() if write_off.decided_at else None,
        "decision_note": write_off.decision_note,
    }


async def _find(session: AsyncSession, write_off_id: str) -> tuple[WriteOff, Invoice]:
    found = (
        await session.execute(
            select(WriteOff, Invoice)
            .join(Invoice, col(Invoice.id) == col(WriteOff.invoice_id))
            .where(col(WriteOff.write_off_id) == write_off_id)
        )
    ).first()
    if found is None:
        raise NotFound(f"the ledger has no write-off {write_off_id}", write_off_id=write_off_id)
    return found[0], found[1]


async def get_write_off(session: AsyncSession, write_off_id: str) -> dict[str, Any]:
    """One write-off; 404 if unknown."""
    return write_off_view(*await _find(session, write_off_id))


async def pending_write_offs(session: AsyncSession) -> list[dict[str, Any]]:
    """Write-offs waiting for a second principal, oldest first."""
    rows = await session.execute(
        select(WriteOff, Invoice)
        .join(Invoice, col(Invoice.id) == col(WriteOff.invoice_id))
        .where(col(WriteOff.status) == PENDING)
        .order_by(col(WriteOff.id))
    )
    return [write_off_view(w, i) for w, i in rows.all()]


def _balance(
    invoice: Invoice, state: domain.InvoiceState, write_off: WriteOff | WriteOffIn
) -> tuple[domain.InvoiceState, dict[domain.Part, Decimal]]:
    """The state after writing off everything outstanding on the date, and the amount per part."""
    day = write_off.written_off_date
    if not state.is_issued(day):
        raise domain.InvalidDate(
            f"invoice {invoice.invoice_number} was issued on {invoice.issue_date}, after "
            f"the write-off date {day}",
            invoice_number=invoice.invoice_number,
        )
    after = domain.write_off_balance(state, write_off.write_off_id, day, write_off.reason)
    parts = {
        part: sum((w.amount for w in after.write_offs[len(state.write_offs) :] if w.part == part), Decimal(0))
        for part in domain.PARTS
    }
    return after, parts


async def _approve(
    uow: UnitOfWork,
    write_off: WriteOff,
    invoice: Invoice,
    state: domain.InvoiceState,
    approved_by: str | None,
) -> None:
    write_off.status = APPROVED
    record_figures(invoice, state)
    await publish(
        uow,
        InvoiceWrittenOffV1(
            invoice_number=invoice.invoice_number,
            customer_id=invoice.customer_id,
            amount=domain.quantize(write_off.amount, invoice.currency),
            currency=invoice.currency,
            written_off_on=write_off.written_off_date,
            reason=write_off.reason,
            approved_by=approved_by,
        ),
    )


async def request_write_off(
    uow: UnitOfWork, body: WriteOffIn, principal: str, settings: InvoiceSettings
) -> tuple[int, dict[str, Any]]:
    """Write off now (201), or wait for a second principal above the limit (202)."""
    session = uow.session
    content = content_of(body, "write_off_id")
    existing = (
        await session.execute(select(WriteOff).where(col(WriteOff.write_off_id) == body.write_off_id))
    ).scalar()
    if existing is not None:
        require_same_content("write-off", body.write_off_id, existing.content, content)
        return 200, await get_write_off(session, body.write_off_id)
    invoice = await named_invoice(session, body.invoice_number, f"write-off {body.write_off_id}")
    after, parts = _balance(invoice, await load_state(session, invoice), body)
    total = sum(parts.values(), Decimal(0))
    if body.amount is not None and body.amount != total:
        raise InvalidAmount(
            f"write-off amount {body.amount} does not match the outstanding "
            f"{domain.format_money(total, invoice.currency)} of invoice {invoice.invoice_number} "
            f"on {body.written_off_date}; a write-off takes the whole balance "
            "(use a credit note to reduce part of it)",
            amount=body.amount,
            outstanding=total,
        )
    needs_approval = total > settings.approval_limit(invoice.currency)
    write_off = WriteOff(
        write_off_id=body.write_off_id,
        invoice_id=key_of(invoice),
        amount=total,
        fees=parts["fees"],
        interest=parts["interest"],
        principal=parts["principal"],
        written_off_date=body.written_off_date,
        reason=body.reason,
        status=PENDING,
        requested_by=principal,
        content=content,
    )
    session.add(write_off)
    if needs_approval:
        return 202, write_off_view(write_off, invoice)
    write_off.decided_by, write_off.decided_at = principal, now()
    await _approve(uow, write_off, invoice, after, None)
    return 201, write_off_view(write_off, invoice)


async def decide_write_off(
    uow: UnitOfWork, write_off_id: str, principal: str, approve: bool, note: str | None
) -> dict[str, Any]:
    """Approve (a second principal; posts the write-off) or reject a pending write-off."""
    write_off, invoice = await _find(uow.session, write_off_id)
    wanted = APPROVED if approve else REJECTED
    if write_off.status == wanted:
        return write_off_view(write_off, invoice)
    if write_off.status != PENDING:
        raise InvalidState(
            f"write-off {write_off_id} is already {write_off.status}", write_off_id=write_off_id
        )
    write_off.decided_by, write_off.decided_at, write_off.decision_note = principal, now(), note
    if not approve:
        write_off.status = REJECTED
        return write_off_view(write_off, invoice)
    if principal == write_off.requested_by:
        raise SameApprover(
            f"{principal} requested write-off {write_off_id} and cannot also approve it; "
            "another principal with the scope invoices:approve must",
            write_off_id=write_off_id,
        )
    after, parts = _balance(invoice, await load_state(uow.session, invoice), write_off)
    if (parts["fees"], parts["interest"], parts["principal"]) != (
        write_off.fees,
        write_off.interest,
        write_off.principal,
    ):
        raise InvalidState(
            f"the outstanding of invoice {invoice.invoice_number} changed since write-off {write_off_id} was "
            f"requested ({domain.format_money(write_off.amount, invoice.currency)}, now "
            f"{domain.format_money(sum(parts.values(), Decimal(0)), invoice.currency)}); "
            "reject it and request a new one",
            write_off_id=write_off_id,
        )
    await _approve(uow, write_off, invoice, after, principal)
    return write_off_view(write_off, invoice)
