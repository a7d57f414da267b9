"""/v1/payments and a customer's unapplied credit."""

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import JSONResponse

from arflow_invoice.api.writes import SettingsDep, write
from arflow_invoice.ledger.credit import unapplied_credit_view
from arflow_invoice.ledger.payments import apply_credit, get_payment, receive_payment, receive_payments
from arflow_invoice.schemas import FIRST_DAY, LAST_DAY, CreditApplicationIn, PaymentBatchIn, PaymentIn
from arflow_runtime.auth import Principal
from arflow_runtime.http import UnitOfWorkDep, require
from arflow_runtime.idempotency import IdempotencyKey

router = APIRouter(prefix="/v1", tags=["payments"])
CustomerPath = Annotated[str, Path(min_length=1, max_length=100)]


@router.post(
    "/payments",
    status_code=201,
    summary="Record a payment (idempotent by payment_reference)",
    responses={
        200: {"description": "The same payment already exists"},
        409: {"description": "The payment reference exists with different content"},
    },
)
async def create_payment(
    body: PaymentIn,
    request: Request,
    uow: UnitOfWorkDep,
    settings: SettingsDep,
    principal: Annotated[Principal, require("payments:write")],
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """Applied to the named invoices, else oldest due first; the rest stays as unapplied credit."""
    return await write(
        request,
        uow,
        principal,
        idempotency_key,
        body,
        body.customer_id,
        lambda: receive_payment(uow, body, settings),
    )


@router.post("/payments/batch", summary="Record up to 1,000 payments at once, in order (all or none)")
async def create_payments(
    body: PaymentBatchIn,
    request: Request,
    uow: UnitOfWorkDep,
    settings: SettingsDep,
    principal: Annotated[Principal, require("payments:write")],
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """Each item as POST /v1/payments; results in order with status 201 (new) or 200 (existing)."""
    return await write(
        request,
        uow,
        principal,
        idempotency_key,
        body,
        [p.customer_id for p in body.payments],
        lambda: receive_payments(uow, body.payments, settings),
    )


@router.get("/payments/{payment_reference:path}", summary="One payment with its allocations")
async def payment(
    payment_reference: Annotated[str, Path(min_length=1, max_length=100)],
    uow: UnitOfWorkDep,
    _: Annotated[Principal, require("invoices:read")],
) -> dict[str, Any]:
    """The payment, every allocation made from it, and what is still unapplied."""
    return await get_payment(uow.session, payment_reference)


@router.get("/customers/{customer_id}/unapplied-credit", summary="A customer's unapplied credit")
async def unapplied_credit(
    customer_id: CustomerPath,
    uow: UnitOfWorkDep,
    _: Annotated[Principal, require("invoices:read")],
    as_of: Annotated[
        date | None, Query(ge=FIRST_DAY, le=LAST_DAY, description="as of this date; default: every document")
    ] = None,
) -> dict[str, Any]:
    """Per currency: the balance, and each payment or on-account credit note with something left."""
    return await unapplied_credit_view(uow.session, customer_id, as_of)


@router.post("/customers/{customer_id}/unapplied-credit/apply", summary="Apply unapplied credit to invoices")
async def apply_unapplied_credit(
    customer_id: CustomerPath,
    body: CreditApplicationIn,
    request: Request,
    uow: UnitOfWorkDep,
    settings: SettingsDep,
    principal: Annotated[Principal, require("payments:write")],
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """To the named invoices, else oldest due first; drawn from the oldest credit first."""

    async def operation() -> tuple[int, Any]:
        return 200, await apply_credit(uow, customer_id, body, settings)

    return await write(request, uow, principal, idempotency_key, body, customer_id, operation)
