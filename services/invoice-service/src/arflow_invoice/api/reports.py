"""/v1/reports and customer statements: every figure as of a date."""

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import JSONResponse

from arflow_invoice.api.writes import SettingsDep, write
from arflow_invoice.domain import AgingBucket, InvalidParameter, aging_bucket_set
from arflow_invoice.ledger import reports, statements
from arflow_invoice.schemas import FIRST_DAY, LAST_DAY, CurrencyCode, StatementConfirmationIn
from arflow_invoice.settings import InvoiceSettings
from arflow_runtime.auth import Principal
from arflow_runtime.http import UnitOfWorkDep, require
from arflow_runtime.idempotency import IdempotencyKey

router = APIRouter(prefix="/v1", tags=["reports"])
Reader = Annotated[Principal, require("reports:read")]
AsOf = Annotated[
    date, Query(ge=FIRST_DAY, le=LAST_DAY, description="the report date: documents dated later do not count")
]
From = Annotated[date, Query(alias="from", ge=FIRST_DAY, le=LAST_DAY, description="first day of the period")]
To = Annotated[
    date, Query(alias="to", ge=FIRST_DAY, le=LAST_DAY, description="last day of the period (included)")
]
CustomerPath = Annotated[str, Path(min_length=1, max_length=100)]


def _buckets(text: str | None, settings: InvoiceSettings) -> tuple[AgingBucket, ...]:
    if text is None:
        return settings.buckets
    try:
        return aging_bucket_set([int(part) for part in text.split(",")])
    except ValueError:
        raise InvalidParameter(
            f"buckets must be whole days separated by commas, e.g. 30,60,90; got {text!r}"
        ) from None


@router.get("/reports/aging", summary="Aging as of a date")
async def aging(
    as_of: AsOf,
    uow: UnitOfWorkDep,
    settings: SettingsDep,
    _: Reader,
    group_by: Annotated[Literal["customer", "salesperson", "currency"] | None, Query()] = None,
    buckets: Annotated[
        str | None, Query(max_length=200, description="upper days of the buckets, e.g. 30,60,90")
    ] = None,
) -> dict[str, Any]:
    """Outstanding by days past due per currency (and group): amounts and invoice counts per bucket."""
    return await reports.aging_report(uow.session, as_of, _buckets(buckets, settings), group_by)


@router.get("/reports/dso", summary="Days sales outstanding over a period")
async def dso(start: From, end: To, uow: UnitOfWorkDep, _: Reader) -> dict[str, Any]:
    """Per currency: ending AR / credit sales in the period × days in the period."""
    return await reports.dso_report(uow.session, start, end)


@router.get("/reports/cei", summary="Collection effectiveness index over a period")
async def cei(start: From, end: To, uow: UnitOfWorkDep, _: Reader) -> dict[str, Any]:
    """Per currency, in percent."""
    return await reports.cei_report(uow.session, start, end)


@router.get("/reports/allowance", summary="Bad-debt allowance as of a date")
async def allowance(as_of: AsOf, uow: UnitOfWorkDep, settings: SettingsDep, _: Reader) -> dict[str, Any]:
    """Aging amount × the configured rate of each bucket."""
    return await reports.allowance_report(uow.session, as_of, settings.buckets, settings.allowance_rates)


@router.get("/reports/limitation", summary="Claims whose statute of limitations ends soon")
async def limitation(
    as_of: AsOf,
    uow: UnitOfWorkDep,
    _: Reader,
    within_days: Annotated[int, Query(ge=0, le=36500, description="horizon in days")] = 180,
) -> dict[str, Any]:
    """Open invoices whose claim expires within the horizon (or has expired), soonest first."""
    return await statements.limitation_report(uow.session, as_of, within_days)


@router.get("/customers/{customer_id}/statement", summary="Customer statement for a period")
async def statement(
    customer_id: CustomerPath,
    start: From,
    end: To,
    uow: UnitOfWorkDep,
    _: Reader,
    currency: Annotated[CurrencyCode | None, Query()] = None,
) -> dict[str, Any]:
    """Opening balance, each document, closing balance and open items, per currency."""
    return await statements.customer_statement(uow.session, customer_id, start, end, currency)


@router.post("/customers/{customer_id}/statement-confirmations", summary="Record a confirmed statement")
async def confirm_statement(
    customer_id: CustomerPath,
    body: StatementConfirmationIn,
    request: Request,
    uow: UnitOfWorkDep,
    principal: Annotated[Principal, require("invoices:write")],
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """The customer acknowledged its balance: the limitation period of its open invoices restarts."""

    async def operation() -> tuple[int, Any]:
        return 200, await statements.confirm_statement(uow.session, customer_id, body)

    return await write(request, uow, principal, idempotency_key, body, customer_id, operation)
