"""Credit checks: may this customer place this order? Idempotent per order, reserving approvals."""

from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

from arflow_credit.assessment import reassess_customer, watch_limit
from arflow_credit.domain import (
    CreditConflict,
    CreditNotFound,
    CreditValidationError,
    Decision,
    decide_credit_check,
)
from arflow_credit.position import credit_position
from arflow_credit.reservations import cancel_reservation, new_reservation, reserve_order
from arflow_credit.rules import CreditRules
from arflow_credit.store.audit import append_audit
from arflow_credit.store.checks import CreditCheckRecord, Reservation, credit_check, reservation
from arflow_credit.store.clock import business_today
from arflow_credit.store.customers import open_credit_account
from arflow_runtime.db import UnitOfWork
from arflow_runtime.log import get_logger

log = get_logger(__name__)


@dataclass(frozen=True)
class OrderCheck:
    """What the ERP asks: may `customer_id` order `amount` `currency` as `order_id`?"""

    order_id: str
    customer_id: str
    amount: Decimal
    currency: str


@dataclass(frozen=True)
class CheckOutcome:
    """A check, its reservation if any, and whether it was decided just now."""

    check: CreditCheckRecord
    reservation: Reservation | None
    new: bool


async def check_credit(
    uow: UnitOfWork, rules: CreditRules, order: OrderCheck, checked_by: str
) -> CheckOutcome:
    """Decide (or repeat the decision on) an order; approvals reserve the amount."""
    session = uow.session
    existing = await credit_check(session, order.order_id)
    if existing is not None:
        return CheckOutcome(same_order(existing, order), await reservation(session, order.order_id), False)
    today = await business_today(session)
    account, opened = await open_credit_account(session, order.customer_id, lock=True)
    if account.risk_class is None:
        await reassess_customer(uow, rules, order.customer_id, today, "credit_check")
    position = await credit_position(session, rules, account, today, order_id=order.order_id)
    decided = decide_credit_check(
        order.amount,
        order.currency,
        exposure=position.exposure,
        limit=position.limit,
        policy=position.policy,
        holds=position.holds,
        overdue=position.overdue,
    )
    record = CreditCheckRecord(
        order_id=order.order_id,
        customer_id=order.customer_id,
        amount=order.amount,
        currency=order.currency,
        decision=decided.decision.value,
        reasons=",".join(r.value for r in decided.reasons),
        available_after=decided.available_after,
        risk_class=position.risk_class,
        business_date=today,
        checked_by=checked_by,
        checked_at=datetime.now(UTC),
    )
    session.add(record)
    held = None
    # Not invoiced yet: reserve. (No limit watch: an approval keeps exposure within the limit.)
    if decided.decision is Decision.APPROVED and not position.order_invoiced:
        held = new_reservation(
            session,
            order_id=order.order_id,
            customer_id=order.customer_id,
            amount=order.amount,
            currency=order.currency,
            on=today,
            days=rules.reservation_days,
        )
    log.info(
        "credit.check.decided",
        customer_id=order.customer_id,
        order_id=order.order_id,
        decision=record.decision,
        reasons=record.reasons,
    )
    return CheckOutcome(record, held, True)


def same_order(existing: CreditCheckRecord, order: OrderCheck) -> CreditCheckRecord:
    """A repeated check must ask the same thing; a different question needs a new order id."""
    asked = (existing.customer_id, existing.amount, existing.currency)
    if asked != (order.customer_id, order.amount, order.currency):
        raise CreditConflict(
            f"order {order.order_id} was checked for {existing.amount} {existing.currency} of customer "
            f"{existing.customer_id}; checks are idempotent per order_id, so a changed order needs a new "
            "order_id (or cancel this one first)",
            order_id=order.order_id,
        )
    return existing


async def order_check(uow: UnitOfWork, order_id: str) -> CreditCheckRecord:
    """The check recorded for an order; CreditNotFound otherwise."""
    record = await credit_check(uow.session, order_id)
    if record is None:
        raise CreditNotFound(f"no credit check for order {order_id}; POST /v1/credit-checks first")
    return record


async def override_check(
    uow: UnitOfWork, rules: CreditRules, order_id: str, *, by: str, reason: str
) -> CreditCheckRecord:
    """A credit manager approves a rejected (or review) order anyway, with a reason; it reserves."""
    session = uow.session
    record = await order_check(uow, order_id)
    if not reason.strip():
        raise CreditValidationError("an override needs a reason")
    if record.overridden_by is not None:
        raise CreditConflict(f"order {order_id} was already overridden by {record.overridden_by}")
    if record.decision == Decision.APPROVED.value:
        raise CreditConflict(f"order {order_id} is approved; only rejected or review checks are overridden")
    if record.currency != rules.currency:
        raise CreditConflict(
            f"order {order_id} is in {record.currency}; credit is kept in {rules.currency}, "
            "so there is no credit to reserve for it"
        )
    today = await business_today(session)
    before = {"decision": record.decision, "reasons": record.reasons}
    record.overridden_decision, record.decision = record.decision, Decision.APPROVED.value
    record.overridden_by, record.override_reason, record.overridden_at = by, reason, datetime.now(UTC)
    await reserve_order(
        session,
        order_id=order_id,
        customer_id=record.customer_id,
        amount=record.amount,
        currency=record.currency,
        on=today,
        days=rules.reservation_days,
    )
    await append_audit(
        session,
        customer_id=record.customer_id,
        subject="credit_check",
        subject_id=order_id,
        action="overridden",
        actor=by,
        business_date=today,
        before=before,
        after={"decision": record.decision, "amount": str(record.amount)},
        reason=reason,
    )
    account, _ = await open_credit_account(session, record.customer_id, lock=True)
    await session.flush()
    await watch_limit(
        uow, account, await credit_position(session, rules, account, today), "credit_check_override"
    )
    log.info("credit.check.overridden", customer_id=record.customer_id, order_id=order_id)
    return record


async def cancel_order(uow: UnitOfWork, order_id: str) -> tuple[CreditCheckRecord, Reservation | None]:
    """The ERP dropped the order: its reservation, if still active, is released."""
    record = await order_check(uow, order_id)
    held = await reservation(uow.session, order_id)
    if held is not None:
        await cancel_reservation(held, await business_today(uow.session))
    return record, held
