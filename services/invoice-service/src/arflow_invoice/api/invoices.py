"""/v1/invoices: enter invoices, read one, list with filters and a cursor."""

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import JSONResponse

from arflow_invoice.api.writes import SettingsDep, write
from arflow_invoice.domain import InvoiceStatus
from arflow_invoice.ledger.invoice_queries import InvoiceFilter, get_invoice, list_invoices
from arflow_invoice.ledger.invoicing import post_invoice, post_invoices
from arflow_invoice.schemas import FIRST_DAY, LAST_DAY, CurrencyCode, InvoiceBatchIn, InvoiceIn
from arflow_runtime.auth import Principal
from arflow_runtime.http import UnitOfWorkDep, require
from arflow_runtime.idempotency import IdempotencyKey

router = APIRouter(prefix="/v1", tags=["invoices"])
AsOf = Annotated[
    date | None,
    Query(
        ge=FIRST_DAY, le=LAST_DAY, description="figures as of this date (documents dated later do not count)"
    ),
]


@router.post(
    "/invoices",
    status_code=201,
    summary="Enter an invoice (idempotent by invoice_number)",
    responses={
        200: {"description": "The same invoice already exists"},
        409: {"description": "The invoice number exists with different content"},
    },
)
async def create_invoice(
    body: InvoiceIn,
    request: Request,
    uow: UnitOfWorkDep,
    principal: Annotated[Principal, require("invoices:write")],
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """Amount (or lines), issue date and a due date, payment-terms code or instalments."""
    return await write(
        request, uow, principal, idempotency_key, body, body.customer_id, lambda: post_invoice(uow, body)
    )


@router.post(
    "/invoices/batch",
    summary="Enter up to 1,000 invoices at once (all or none)",
    responses={409: {"description": "An invoice number exists with different content"}},
)
async def create_invoices(
    body: InvoiceBatchIn,
    request: Request,
    uow: UnitOfWorkDep,
    principal: Annotated[Principal, require("invoices:write")],
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """Each item as POST /v1/invoices; results in order with status 201 (new) or 200 (existing)."""
    return await write(
        request,
        uow,
        principal,
        idempotency_key,
        body,
        [i.customer_id for i in body.invoices],
        lambda: post_invoices(uow, body.invoices),
    )


@router.get("/invoices", summary="List invoices (filters, cursor pagination)")
async def invoices(
    uow: UnitOfWorkDep,
    settings: SettingsDep,
    _: Annotated[Principal, require("invoices:read")],
    customer_id: Annotated[str | None, Query(max_length=100)] = None,
    salesperson_id: Annotated[str | None, Query(max_length=100)] = None,
    currency: Annotated[CurrencyCode | None, Query()] = None,
    status: Annotated[InvoiceStatus | None, Query(description="as of as_of when given, else now")] = None,
    overdue: Annotated[
        bool | None, Query(description="only invoices overdue (true) or not (false) as of as_of")
    ] = None,
    as_of: AsOf = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    cursor: Annotated[
        str | None, Query(max_length=200, description="next_cursor of the previous page")
    ] = None,
) -> dict[str, Any]:
    """Invoices in entry order; `next_cursor` is null on the last page."""
    wanted = InvoiceFilter(
        customer_id,
        salesperson_id,
        currency,
        status,
        overdue,
        as_of,
        min(limit, settings.page_size_limit),
        cursor,
    )
    return await list_invoices(uow.session, wanted)


@router.get("/invoices/{invoice_number:path}", summary="One invoice with outstanding, status, days late")
async def invoice(
    invoice_number: Annotated[str, Path(min_length=1, max_length=100)],
    uow: UnitOfWorkDep,
    _: Annotated[Principal, require("invoices:read")],
    as_of: AsOf = None,
) -> dict[str, Any]:
    """Without as_of every document counts; with it, the invoice as it stood that day."""
    return await get_invoice(uow.session, invoice_number, as_of)
