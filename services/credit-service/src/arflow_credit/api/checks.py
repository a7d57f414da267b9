"""Credit checks: the ERP asks before it accepts an order; a credit manager may override a refusal."""

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Path, Response, status
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.exc import IntegrityError

from arflow_contracts.identifiers import Identifier
from arflow_contracts.money import Currency
from arflow_credit.api.common import DecisionTurnDep, Instant, MoneyIn, PolicyBookDep, RulesDep, money
from arflow_credit.checks import OrderCheck, cancel_order, check_credit, order_check, override_check
from arflow_credit.domain import CheckReason
from arflow_credit.store.checks import CreditCheckRecord, Reservation, reservation
from arflow_runtime.auth import Principal
from arflow_runtime.http import UnitOfWorkDep, require

router = APIRouter(prefix="/v1", tags=["credit checks"])
OrderId = Annotated[str, Path(min_length=1, max_length=128, description="the ERP's order id")]

REASON_TEXT = {
    CheckReason.CURRENCY_MISMATCH: "the order is not in the credit currency",
    CheckReason.ON_HOLD: "the customer is on credit hold",
    CheckReason.PREPAYMENT_REQUIRED: "the customer's risk class requires prepayment",
    CheckReason.OVERDUE_BEYOND_TOLERANCE: "overdue invoices exceed the policy's tolerance",
    CheckReason.OVER_LIMIT: "the order would take exposure beyond the limit and its tolerance",
    CheckReason.WITHIN_TOLERANCE: "the order exceeds the limit but stays within the review tolerance",
}


class CreditCheckIn(BaseModel):
    """May this customer order this much?"""

    model_config = ConfigDict(extra="forbid")

    order_id: Identifier
    customer_id: Identifier
    amount: MoneyIn
    currency: Currency


class ReservationOut(BaseModel):
    amount: str
    status: str
    reserved_on: date
    expires_on: date
    ended_on: date | None
    invoice_number: str | None


class OverrideOut(BaseModel):
    by: str
    reason: str | None
    at: Instant | None
    overridden_decision: str | None


class CreditCheckOut(BaseModel):
    """The answer: decision, machine-readable reasons and the credit left if the order goes ahead."""

    order_id: str
    customer_id: str
    amount: str
    currency: str
    decision: str = Field(description="approved, review or rejected")
    reasons: list[str]
    explanations: list[str]
    available_after: str
    risk_class: str | None
    business_date: date
    reservation: ReservationOut | None
    override: OverrideOut | None


class OverrideIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: Annotated[str, Field(min_length=3, max_length=2000, description="why the refusal is overridden")]


def check_out(record: CreditCheckRecord, held: Reservation | None) -> CreditCheckOut:
    reasons = [r for r in record.reasons.split(",") if r]
    return CreditCheckOut(
        order_id=record.order_id,
        customer_id=record.customer_id,
        amount=money(record.amount),
        currency=record.currency,
        decision=record.decision,
        reasons=reasons,
        explanations=[REASON_TEXT[CheckReason(r)] for r in reasons],
        available_after=money(record.available_after),
        risk_class=record.risk_class,
        business_date=record.business_date,
        reservation=None
        if held is None
        else ReservationOut(
            amount=money(held.amount),
            status=held.status,
            reserved_on=held.reserved_on,
            expires_on=held.expires_on,
            ended_on=held.ended_on,
            invoice_number=held.invoice_number,
        ),
        override=None
        if record.overridden_by is None
        else OverrideOut(
            by=record.overridden_by,
            reason=record.override_reason,
            at=record.overridden_at,
            overridden_decision=record.overridden_decision,
        ),
    )


@router.post(
    "/credit-checks",
    response_model=CreditCheckOut,
    status_code=status.HTTP_201_CREATED,
    responses={
        200: {"model": CreditCheckOut, "description": "This order was checked before"},
        409: {"description": "This order id was checked with another customer or amount"},
    },
)
async def post_credit_check(
    body: CreditCheckIn,
    uow: UnitOfWorkDep,
    rules: RulesDep,
    book: PolicyBookDep,
    response: Response,
    principal: Annotated[Principal, require("credit:check")],
    turn: DecisionTurnDep,
) -> CreditCheckOut:
    """Decide approved, review or rejected; an approval reserves the amount until the order's invoice."""
    order = OrderCheck(body.order_id, body.customer_id, body.amount, body.currency)
    async with turn:
        try:
            outcome = await check_credit(uow, rules, order, principal.name, book)
            await uow.commit()
        except IntegrityError:  # the same order (or a new customer) checked concurrently: try once more
            await uow.rollback()
            outcome = await check_credit(uow, rules, order, principal.name, book)
            await uow.commit()
    if not outcome.new:
        response.status_code = status.HTTP_200_OK
    return check_out(outcome.check, outcome.reservation)


@router.get("/credit-checks/{order_id}", response_model=CreditCheckOut)
async def get_credit_check(
    order_id: OrderId, uow: UnitOfWorkDep, _: Annotated[Principal, require("credit:read")]
) -> CreditCheckOut:
    """The answer given for an order, with its reservation."""
    record = await order_check(uow, order_id)
    return check_out(record, await reservation(uow.session, order_id))


@router.post("/credit-checks/{order_id}/override", response_model=CreditCheckOut)
async def post_override(
    order_id: OrderId,
    body: OverrideIn,
    uow: UnitOfWorkDep,
    rules: RulesDep,
    principal: Annotated[Principal, require("credit:approve")],
    turn: DecisionTurnDep,
) -> CreditCheckOut:
    """Approve a rejected (or review) order anyway, with a reason; the amount is reserved."""
    async with turn:
        record = await override_check(uow, rules, order_id, by=principal.name, reason=body.reason)
        await uow.commit()
    return check_out(record, await reservation(uow.session, order_id))


@router.post("/credit-checks/{order_id}/cancel", response_model=CreditCheckOut)
async def post_cancel(
    order_id: OrderId, uow: UnitOfWorkDep, _: Annotated[Principal, require("credit:check")]
) -> CreditCheckOut:
    """The order was dropped: release its reservation (the check itself stays on record)."""
    record, held = await cancel_order(uow, order_id)
    await uow.commit()
    return check_out(record, held)
