"""Credit policies per risk class: limit, terms, review tolerance, automatic hold, prepayment."""

from decimal import Decimal
from typing import Annotated, Self

from fastapi import APIRouter, Path, Response, status
from pydantic import BaseModel, ConfigDict, Field, model_validator

from arflow_contracts.money import Currency, NonNegativeAmount
from arflow_credit.api.common import IfMatchDep, Instant, LimitIn, MoneyIn, RulesDep, money, optional_money
from arflow_credit.assessment import reassess_customer
from arflow_credit.concurrency import etag
from arflow_credit.domain import (
    ALL_EXPOSURE_PARTS,
    CreditPolicy,
    DerivedLimit,
    ExposurePart,
    FixedLimit,
    OverdueThreshold,
)
from arflow_credit.policies import StoredPolicy, credit_policies, set_credit_policy, stored_policy
from arflow_credit.store.clock import business_today
from arflow_credit.store.customers import customers_in_class
from arflow_runtime.auth import Principal
from arflow_runtime.etags import PRECONDITION_RESPONSES
from arflow_runtime.http import UnitOfWorkDep, require

router = APIRouter(prefix="/v1", tags=["credit policies"])
RiskClass = Annotated[str, Path(pattern=r"^[A-Z]$", description="risk class, A (best) to D")]


class DerivedLimitIn(BaseModel):
    """A limit of `multiple` x average monthly credit sales over `trailing_months`, at least `minimum`."""

    model_config = ConfigDict(extra="forbid")

    multiple: Annotated[MoneyIn, Field(description="e.g. 2 = two months of average sales")]
    trailing_months: Annotated[int, Field(ge=1, le=60)]
    minimum: LimitIn = Decimal(0)


class CreditPolicyIn(BaseModel):
    """A risk class's policy; give either `limit` or `limit_derived`."""

    model_config = ConfigDict(extra="forbid")

    limit: LimitIn | None = Field(None, description="fixed credit limit")
    limit_derived: DerivedLimitIn | None = None
    currency: Currency
    terms_days: Annotated[int, Field(ge=0, le=3650)]
    review_tolerance_percent: Annotated[NonNegativeAmount, Field(max_digits=7, decimal_places=2)] = Decimal(0)
    hold_overdue_amount: MoneyIn | None = Field(None, description="automatic hold from this much overdue...")
    hold_overdue_days: Annotated[
        int | None, Field(ge=0, le=36500, description="...for at least this many days")
    ] = None
    prepayment_required: bool = False
    counted_parts: list[ExposurePart] = Field(default_factory=lambda: sorted(ALL_EXPOSURE_PARTS))

    @model_validator(mode="after")
    def _one_limit_and_whole_threshold(self) -> Self:
        if (self.limit is None) == (self.limit_derived is None):
            raise ValueError("give exactly one of limit (fixed) and limit_derived")
        if (self.hold_overdue_amount is None) != (self.hold_overdue_days is None):
            raise ValueError("give hold_overdue_amount and hold_overdue_days together, or neither")
        return self

    def policy(self, risk_class: str) -> CreditPolicy:
        limit: FixedLimit | DerivedLimit
        if self.limit_derived is not None:
            d = self.limit_derived
            limit = DerivedLimit(d.multiple, d.trailing_months, self.currency, d.minimum)
        else:
            limit = FixedLimit(self.limit or Decimal(0), self.currency)
        threshold = None
        if self.hold_overdue_amount is not None and self.hold_overdue_days is not None:
            threshold = OverdueThreshold(self.hold_overdue_amount, self.hold_overdue_days)
        return CreditPolicy(
            risk_class,
            limit,
            self.terms_days,
            self.review_tolerance_percent,
            threshold,
            self.prepayment_required,
            frozenset(self.counted_parts),
        )


class CreditPolicyOut(BaseModel):
    """A risk class's policy; revision 0 is the built-in default nobody has changed."""

    risk_class: str
    limit: str | None
    limit_derived: dict[str, str | int] | None
    currency: str
    terms_days: int
    review_tolerance_percent: str
    hold_overdue_amount: str | None
    hold_overdue_days: int | None
    prepayment_required: bool
    counted_parts: list[str]
    revision: int
    updated_by: str | None
    updated_at: Instant | None


def policy_out(stored: StoredPolicy) -> CreditPolicyOut:
    policy, limit, threshold = stored.policy, stored.policy.limit, stored.policy.overdue_threshold
    derived: dict[str, str | int] | None = None
    if isinstance(limit, DerivedLimit):
        derived = {
            "multiple": str(limit.multiple),
            "trailing_months": limit.trailing_months,
            "minimum": money(limit.minimum),
        }
    return CreditPolicyOut(
        risk_class=policy.risk_class,
        limit=money(limit.amount) if isinstance(limit, FixedLimit) else None,
        limit_derived=derived,
        currency=policy.currency,
        terms_days=policy.terms_days,
        review_tolerance_percent=str(policy.review_tolerance_percent),
        hold_overdue_amount=optional_money(threshold.amount if threshold else None),
        hold_overdue_days=threshold.days if threshold else None,
        prepayment_required=policy.prepayment_required,
        counted_parts=sorted(p.value for p in policy.counted_parts),
        revision=stored.revision,
        updated_by=stored.updated_by,
        updated_at=stored.updated_at,
    )


@router.get("/credit-policies", response_model=list[CreditPolicyOut])
async def list_policies(
    uow: UnitOfWorkDep, rules: RulesDep, _: Annotated[Principal, require("credit:read")]
) -> list[CreditPolicyOut]:
    """Every risk class's policy, best class first."""
    policies = await credit_policies(uow.session, rules)
    return [policy_out(await stored_policy(uow.session, rules, name)) for name in sorted(policies)]


@router.get("/credit-policies/{risk_class}", response_model=CreditPolicyOut)
async def get_policy(
    risk_class: RiskClass,
    uow: UnitOfWorkDep,
    rules: RulesDep,
    response: Response,
    _: Annotated[Principal, require("credit:read")],
) -> CreditPolicyOut:
    """One risk class's policy."""
    stored = await stored_policy(uow.session, rules, risk_class)
    response.headers["ETag"] = etag(stored.revision)
    return policy_out(stored)


@router.put(
    "/credit-policies/{risk_class}",
    response_model=CreditPolicyOut,
    responses=PRECONDITION_RESPONSES,
)
async def put_policy(
    risk_class: RiskClass,
    body: CreditPolicyIn,
    uow: UnitOfWorkDep,
    rules: RulesDep,
    response: Response,
    principal: Annotated[Principal, require("credit:write")],
    expected: IfMatchDep,
) -> CreditPolicyOut:
    """Set a risk class's policy; its customers are re-assessed against it at once."""
    today = await business_today(uow.session)
    before = await stored_policy(uow.session, rules, risk_class)
    stored = await set_credit_policy(
        uow.session,
        rules,
        body.policy(risk_class),
        actor=principal.name,
        business_date=today,
        precondition=expected,
    )
    if stored.revision != before.revision:
        for customer_id in await customers_in_class(uow.session, risk_class):
            await reassess_customer(uow, rules, customer_id, today, "credit_policy_changed")
    await uow.commit()
    response.status_code = status.HTTP_200_OK
    response.headers["ETag"] = etag(stored.revision)
    return policy_out(stored)
