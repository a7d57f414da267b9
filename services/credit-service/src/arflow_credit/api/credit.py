"""A customer's credit at a glance: score, class, limit, exposure by part, holds; and exposure by currency."""

import json
from collections import defaultdict
from datetime import date
from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel

from arflow_credit.api.common import CustomerId, RulesDep, money
from arflow_credit.assessment import score_of
from arflow_credit.domain import CreditNotFound
from arflow_credit.position import credit_position
from arflow_credit.store.clock import business_today
from arflow_credit.store.customers import credit_account
from arflow_credit.store.ledger import open_items
from arflow_runtime.auth import Principal
from arflow_runtime.http import UnitOfWorkDep, require

router = APIRouter(prefix="/v1", tags=["credit"])
AsOf = Annotated[date | None, Query(description="business date; default the last one the ledger closed")]


class ExposureParts(BaseModel):
    """Exposure by part; `total` counts the parts the class's policy counts."""

    not_yet_due: str
    overdue: str
    reserved: str
    unapplied_credit: str
    total: str
    counted_parts: list[str]


class HoldOut(BaseModel):
    """An active hold."""

    hold_id: str
    reason: str
    since: date
    source: str
    placed_by: str | None


class FactorOut(BaseModel):
    """One scorecard factor: its raw value and the points it gave out of its maximum."""

    name: str
    raw: str | None
    max_points: str
    points: str


class CreditOut(BaseModel):
    """What credit knows and decides about a customer."""

    customer_id: str
    as_of: date
    score: int | None
    risk_class: str
    limit: str
    limit_source: str
    currency: str
    terms_days: int
    prepayment_required: bool
    review_tolerance_percent: str
    exposure: ExposureParts
    available: str
    on_hold: bool
    holds: list[HoldOut]
    factors: list[FactorOut]


@router.get("/customers/{customer_id}/credit", response_model=CreditOut)
async def get_credit(
    customer_id: CustomerId,
    uow: UnitOfWorkDep,
    rules: RulesDep,
    _: Annotated[Principal, require("credit:read")],
    as_of: AsOf = None,
) -> CreditOut:
    """Limit, terms, score, class and factors, exposure by part, available amount and holds.

    Without `as_of`, the stored rating (what checks and policies use); with it, a rating computed
    for that date.
    """
    account = await credit_account(uow.session, customer_id)
    if account is None:
        raise CreditNotFound(
            f"credit knows nothing of customer {customer_id} yet: PUT /v1/customers/"
            f"{customer_id}, or wait until its first invoice reaches the ledger"
        )
    day = as_of or await business_today(uow.session)
    position = await credit_position(uow.session, rules, account, day)
    score, factors = account.score, json.loads(account.factors or "[]")
    if as_of is not None:
        scored = score_of(rules, account, position)
        position = await credit_position(uow.session, rules, account, day, risk_class=scored.risk_class)
        score = scored.score
        factors = [
            {
                "name": f.name,
                "raw": None if f.raw is None else str(f.raw),
                "max_points": str(f.max_points),
                "points": str(f.points),
            }
            for f in scored.factors
        ]
    exposure, policy = position.exposure, position.policy
    return CreditOut(
        customer_id=customer_id,
        as_of=day,
        score=score,
        risk_class=position.risk_class,
        limit=money(position.limit),
        limit_source=position.limit_source,
        currency=exposure.currency,
        terms_days=policy.terms_days,
        prepayment_required=policy.prepayment_required,
        review_tolerance_percent=str(policy.review_tolerance_percent),
        exposure=ExposureParts(
            not_yet_due=money(exposure.not_yet_due),
            overdue=money(exposure.overdue),
            reserved=money(exposure.reserved),
            unapplied_credit=money(exposure.unapplied_credit),
            total=money(exposure.total),
            counted_parts=sorted(p.value for p in exposure.counted_parts),
        ),
        available=money(position.available),
        on_hold=bool(position.holds),
        holds=[
            HoldOut(hold_id=h.hold_id, reason=h.reason, since=h.since, source=h.source, placed_by=h.placed_by)
            for h in position.hold_records
        ],
        factors=[FactorOut.model_validate(f) for f in factors],
    )


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
    customer_id: CustomerId,
    uow: UnitOfWorkDep,
    _: Annotated[Principal, require("credit:read")],
    as_of: AsOf = None,
) -> ExposureOut:
    """Outstanding receivables per currency, not yet due and overdue, from the ledger's events."""
    day = as_of or await business_today(uow.session)
    totals: dict[str, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    counts: dict[str, int] = defaultdict(int)
    for item in await open_items(uow.session, customer_id):
        part = "overdue" if item.due_date is not None and item.due_date < day else "not_yet_due"
        totals[item.currency][part] += item.outstanding
        counts[item.currency] += 1
    lines = [
        ExposureLine(
            currency=currency,
            not_yet_due=money(parts["not_yet_due"]),
            overdue=money(parts["overdue"]),
            total=money(parts["not_yet_due"] + parts["overdue"]),
            open_items=counts[currency],
        )
        for currency, parts in sorted(totals.items())
    ]
    return ExposureOut(customer_id=customer_id, as_of=day, exposure=lines)
