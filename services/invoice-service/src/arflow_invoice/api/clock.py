"""/v1/day-close: the business clock."""

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from arflow_invoice.api.writes import write
from arflow_invoice.ledger.day_close import clock_view, close_days, get_close
from arflow_invoice.schemas import DayCloseIn
from arflow_invoice.store.locks import DAY_CLOSE_LOCK
from arflow_runtime.auth import Principal
from arflow_runtime.http import UnitOfWorkDep, require, runtime_of
from arflow_runtime.idempotency import IdempotencyKey

router = APIRouter(prefix="/v1", tags=["business clock"])


@router.post(
    "/day-close",
    status_code=201,
    summary="Close business days through as_of",
    responses={
        200: {"description": "That day was already closed"},
        409: {"description": "as_of is before the first closed day"},
    },
)
async def day_close(
    body: DayCloseIn,
    request: Request,
    uow: UnitOfWorkDep,
    principal: Annotated[Principal, require("ledger:close")],
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """Each missing day: one InvoiceOverdue per newly overdue invoice, then one BusinessDayClosed."""
    return await write(
        request,
        uow,
        principal,
        idempotency_key,
        body,
        DAY_CLOSE_LOCK,
        lambda: close_days(
            uow, body.as_of, replay=True, closed_by=principal.name, outbox=runtime_of(request).database.outbox
        ),
    )


@router.get("/day-close", summary="Where the business clock stands")
async def clock(uow: UnitOfWorkDep, _: Annotated[Principal, require("invoices:read")]) -> dict[str, Any]:
    """The first and last closed business day."""
    return await clock_view(uow.session)


@router.get("/day-close/{business_date}", summary="One closed business day")
async def closed_day(
    business_date: date, uow: UnitOfWorkDep, _: Annotated[Principal, require("invoices:read")]
) -> dict[str, Any]:
    """When it was closed, by whom, and how many invoices became overdue."""
    return await get_close(uow.session, business_date)
