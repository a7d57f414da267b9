"""dunning-service REST API."""

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel

from arflow_dunning.store import watched_invoices
from arflow_runtime.auth import Principal
from arflow_runtime.http import UnitOfWorkDep, require

router = APIRouter(prefix="/v1", tags=["dunning"])


class WatchedInvoiceOut(BaseModel):
    invoice_number: str
    customer_id: str
    currency: str
    outstanding: str
    due_date: date
    stage: str | None


@router.get("/watched-invoices", response_model=list[WatchedInvoiceOut])
async def list_watched_invoices(
    customer_id: Annotated[str, Query(min_length=1, max_length=100)],
    uow: UnitOfWorkDep,
    _: Annotated[Principal, require("dunning:read")],
) -> list[WatchedInvoiceOut]:
    """The customer's invoices dunning watches, with the stage each has reached."""
    return [
        WatchedInvoiceOut(
            invoice_number=i.invoice_number, customer_id=i.customer_id, currency=i.currency,
            outstanding=str(i.outstanding), due_date=i.due_date, stage=i.stage,
        )
        for i in await watched_invoices(uow.session, customer_id)
    ]
