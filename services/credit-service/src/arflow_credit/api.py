"""credit-service REST API."""

from collections import defaultdict
from datetime import date
from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel

from arflow_credit.store import ledger_items
from arflow_runtime.auth import Principal
from arflow_runtime.http import UnitOfWorkDep, require

router = APIRouter(prefix="/v1", tags=["credit"])


class ExposureLine(BaseModel):
    """A customer's receivables in one currency, split by due state."""

    currency: str
    not_yet_due: str
    overdue: str
    total: str
    open_items: int


class ExposureOut(BaseModel):
    customer_id: str
    as_of: date
    exposure: list[ExposureLine]


@router.get("/customers/{customer_id}/exposure", response_model=ExposureOut)
async def get_exposure(
    customer_id: Annotated[str, Path(max_length=100)],
    uow: UnitOfWorkDep,
    _: Annotated[Principal, require("credit:read")],
    as_of: Annotated[date | None, Query(description="business date; default today")] = None,
) -> ExposureOut:
    """Outstanding receivables per currency, not yet due and overdue, from the ledger's events."""
    as_of = as_of or date.today()
    totals: dict[str, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    counts: dict[str, int] = defaultdict(int)
    for item in await ledger_items(uow.session, customer_id):
        part = "overdue" if item.due_date < as_of else "not_yet_due"
        totals[item.currency][part] += item.outstanding
        counts[item.currency] += item.outstanding > 0
    lines = [
        ExposureLine(
            currency=currency, not_yet_due=str(parts["not_yet_due"]), overdue=str(parts["overdue"]),
            total=str(parts["not_yet_due"] + parts["overdue"]), open_items=counts[currency],
        )
        for currency, parts in sorted(totals.items())
    ]
    return ExposureOut(customer_id=customer_id, as_of=as_of, exposure=lines)
