"""/v1/credit-notes, /v1/disputes, /v1/write-offs and /v1/charges."""

from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from fastapi.responses import JSONResponse
from sqlmodel import col, select

from arflow_invoice.api.writes import SettingsDep, write
from arflow_invoice.ledger import charges, credit_notes, disputes, write_offs
from arflow_invoice.ledger.common import customer_of
from arflow_invoice.schemas import (
    ChargeIn,
    CreditNoteIn,
    DecisionIn,
    DisputeIn,
    DisputeResolutionIn,
    WriteOffIn,
)
from arflow_invoice.store import Dispute, Invoice, WriteOff
from arflow_runtime.auth import Principal
from arflow_runtime.db import UnitOfWork
from arflow_runtime.http import UnitOfWorkDep, require
from arflow_runtime.idempotency import IdempotencyKey

router = APIRouter(prefix="/v1", tags=["documents"])
Reference = Annotated[str, Path(min_length=1, max_length=100)]
Read = Annotated[Principal, require("invoices:read")]
Write = Annotated[Principal, require("invoices:write")]
ISSUED: dict[int | str, dict[str, Any]] = {
    200: {"description": "The same document already exists"},
    409: {"description": "The number exists with different content"},
}


async def _customer_via(uow: UnitOfWork, table: Any, column: Any, key: str) -> str:
    """The customer whose ledger a write on a dispute or write-off touches (the lock key)."""
    found = await uow.session.execute(
        select(col(Invoice.customer_id)).join(table, table.invoice_id == col(Invoice.id)).where(column == key)
    )
    return found.scalar_one_or_none() or "ledger"


@router.post("/credit-notes", status_code=201, summary="Issue a credit note", responses=ISSUED)
async def create_credit_note(
    body: CreditNoteIn,
    request: Request,
    uow: UnitOfWorkDep,
    principal: Write,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """Against an invoice it reduces the principal; without one it is unapplied credit."""
    return await write(
        request,
        uow,
        principal,
        idempotency_key,
        body,
        body.customer_id,
        lambda: credit_notes.issue_credit_note(uow, body),
    )


@router.get("/credit-notes/{credit_note_number:path}", summary="One credit note")
async def credit_note(credit_note_number: Reference, uow: UnitOfWorkDep, _: Read) -> dict[str, Any]:
    """The credit note (and, on account, what is left of it)."""
    return await credit_notes.get_credit_note(uow.session, credit_note_number)


@router.post("/disputes", status_code=201, summary="Open a dispute on an invoice", responses=ISSUED)
async def create_dispute(
    body: DisputeIn,
    request: Request,
    uow: UnitOfWorkDep,
    principal: Write,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """Whole undisputed outstanding, or a part amount, with a reason code."""
    lock = await customer_of(uow.session, body.invoice_number) or "ledger"
    return await write(
        request, uow, principal, idempotency_key, body, lock, lambda: disputes.open_dispute(uow, body)
    )


@router.get("/disputes/{dispute_id}", summary="One dispute")
async def dispute(dispute_id: Reference, uow: UnitOfWorkDep, _: Read) -> dict[str, Any]:
    """The dispute and how it ended."""
    return await disputes.get_dispute(uow.session, dispute_id)


@router.post("/disputes/{dispute_id}/resolve", summary="Resolve a dispute (valid → credit note)")
async def resolve_dispute(
    dispute_id: Reference,
    body: DisputeResolutionIn,
    request: Request,
    uow: UnitOfWorkDep,
    principal: Write,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """valid: a credit note for what is still owed of it; invalid: back to collection."""
    lock = await _customer_via(uow, Dispute, col(Dispute.dispute_id), dispute_id)
    return await write(
        request,
        uow,
        principal,
        idempotency_key,
        body,
        lock,
        lambda: disputes.resolve_dispute(uow, dispute_id, body),
    )


@router.post(
    "/write-offs",
    status_code=201,
    summary="Write off an invoice's outstanding",
    responses={**ISSUED, 202: {"description": "Above the limit: waits for a second principal"}},
)
async def create_write_off(
    body: WriteOffIn,
    request: Request,
    uow: UnitOfWorkDep,
    settings: SettingsDep,
    principal: Write,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """Up to the approval limit it is posted at once; above it, another principal approves."""
    lock = await customer_of(uow.session, body.invoice_number) or "ledger"
    return await write(
        request,
        uow,
        principal,
        idempotency_key,
        body,
        lock,
        lambda: write_offs.request_write_off(uow, body, principal.name, settings),
    )


@router.get("/write-offs", summary="Write-offs waiting for approval")
async def pending_write_offs(uow: UnitOfWorkDep, _: Read) -> list[dict[str, Any]]:
    """Every write-off in status pending_approval, oldest first."""
    return await write_offs.pending_write_offs(uow.session)


@router.get("/write-offs/{write_off_id}", summary="One write-off")
async def write_off(write_off_id: Reference, uow: UnitOfWorkDep, _: Read) -> dict[str, Any]:
    """The write-off and its approval."""
    return await write_offs.get_write_off(uow.session, write_off_id)


async def _decide(
    write_off_id: str,
    body: DecisionIn | None,
    request: Request,
    uow: UnitOfWork,
    idempotency_key: str | None,
    principal: Principal,
    approve: bool,
) -> JSONResponse:
    lock = await _customer_via(uow, WriteOff, col(WriteOff.write_off_id), write_off_id)

    async def operation() -> tuple[int, Any]:
        note = body.note if body else None
        return 200, await write_offs.decide_write_off(uow, write_off_id, principal.name, approve, note)

    return await write(request, uow, principal, idempotency_key, body, lock, operation)


@router.post("/write-offs/{write_off_id}/approve", summary="Approve a write-off (a second principal)")
async def approve_write_off(
    write_off_id: Reference,
    request: Request,
    uow: UnitOfWorkDep,
    principal: Annotated[Principal, require("invoices:approve")],
    body: DecisionIn | None = None,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """Posts the write-off; the principal who requested it cannot approve it."""
    return await _decide(write_off_id, body, request, uow, idempotency_key, principal, True)


@router.post("/write-offs/{write_off_id}/reject", summary="Reject a pending write-off")
async def reject_write_off(
    write_off_id: Reference,
    request: Request,
    uow: UnitOfWorkDep,
    principal: Annotated[Principal, require("invoices:approve")],
    body: DecisionIn | None = None,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """The invoice stays as it is."""
    return await _decide(write_off_id, body, request, uow, idempotency_key, principal, False)


@router.post("/charges", status_code=201, summary="Post a fee or late interest", responses=ISSUED)
async def create_charge(
    body: ChargeIn,
    request: Request,
    uow: UnitOfWorkDep,
    principal: Write,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """The same document dunning's ChargeRequested posts, for charges decided outside arflow."""
    lock = await customer_of(uow.session, body.invoice_number) or "ledger"
    return await write(
        request, uow, principal, idempotency_key, body, lock, lambda: charges.post_charge(uow, body)
    )


@router.get("/charges/{charge_id:path}", summary="One charge")
async def charge(charge_id: Reference, uow: UnitOfWorkDep, _: Read) -> dict[str, Any]:
    """The fee or interest document."""
    return await charges.get_charge(uow.session, charge_id)
