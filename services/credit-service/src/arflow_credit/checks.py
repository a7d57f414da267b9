"""Credit checks: may this customer place this order? Idempotent per order, reserving approvals."""

from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from arflow_credit.assessment import reassess_customer, watch_limit
from arflow_credit.domain import (
    CreditConflict,
    CreditNotFound,
    CreditValidationError,
    Decision,
    Exposure,
    OverdueState,
    decide_credit_check,
    policy_for,
)
from arflow_credit.policy_book import PolicyBook
from arflow_credit.position import UNRATED_CLASS, credit_limit, credit_position, hold_of
from arflow_credit.reservations import cancel_reservation, reservation_for, reserve_order
from arflow_credit.rules import CreditRules
from arflow_credit.store.audit import append_audit
from arflow_credit.store.checks import CreditCheckRecord, Reservation, credit_check, reservation
from arflow_credit.store.clock import business_today
from arflow_credit.store.customers import CreditAccount, open_credit_account
from arflow_credit.store.decision import exposure_facts, lock_account_for_check, record_check
from arflow_credit.store.holds import active_holds
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
    uow: UnitOfWork,
    rules: CreditRules,
    order: OrderCheck,
    checked_by: str,
    book: PolicyBook | None = None,
) -> CheckOutcome:
    """Decide (or repeat the decision on) an order; approvals reserve the amount.

    A check of a rated customer costs three statements: lock the account (with today and whether
    the order was checked), sum its exposure, insert the answer (and reservation). `book` keeps
    the policies between checks; without it they are read for this check.
    """
    session = uow.session
    locked = await lock_account_for_check(session, order.customer_id, order.order_id)
    if locked is not None and locked.order_checked:
        return await repeated_check(session, order)
    if locked is None or locked.risk_class is None:
        today = locked.today if locked is not None else await business_today(session)
        account = await rate_new_customer(uow, rules, order, today)
        if account is None:  # the order was checked after all (by a concurrent request)
            return await repeated_check(session, order)
        risk_class, customer_limit = account.risk_class or UNRATED_CLASS, account.customer_limit
    else:
        today, risk_class, customer_limit = locked.today, locked.risk_class, locked.customer_limit
    facts = await exposure_facts(session, order.customer_id, rules.currency, today, order.order_id)
    policies = await (book or PolicyBook(rules)).policies(session, facts.policies_version)
    policy = policy_for(policies, risk_class)
    limit, _ = await credit_limit(session, rules, order.customer_id, customer_limit, policy, today)
    holds = tuple(hold_of(r) for r in await active_holds(session, order.customer_id)) if facts.on_hold else ()
    overdue_days = (today - facts.oldest_overdue_due_date).days if facts.oldest_overdue_due_date else 0
    decided = decide_credit_check(
        order.amount,
        order.currency,
        exposure=Exposure(
            policy.currency,
            facts.not_yet_due,
            facts.overdue,
            facts.reserved,
            max(facts.unapplied_credit, Decimal(0)),
            policy.counted_parts,
        ),
        limit=limit,
        policy=policy,
        holds=holds,
        overdue=OverdueState(facts.overdue, overdue_days),
    )
    record = CreditCheckRecord(
        order_id=order.order_id,
        customer_id=order.customer_id,
        amount=order.amount,
        currency=order.currency,
        decision=decided.decision.value,
        reasons=",".join(r.value for r in decided.reasons),
        available_after=decided.available_after,
        risk_class=risk_class,
        business_date=today,
        checked_by=checked_by,
        checked_at=datetime.now(UTC),
    )
    held = None
    # Not invoiced yet: reserve. (No limit watch: an approval keeps exposure within the limit.)
    if decided.decision is Decision.APPROVED and not facts.order_invoiced:
        held = reservation_for(
            order_id=order.order_id,
            customer_id=order.customer_id,
            amount=order.amount,
            currency=order.currency,
            on=today,
            days=rules.reservation_days,
        )
    await record_check(session, record, held)
    log.info(
        "credit.check.decided",
        customer_id=order.customer_id,
        order_id=order.order_id,
        decision=record.decision,
        reasons=record.reasons,
    )
    return CheckOutcome(record, held, True)


async def repeated_check(session: AsyncSession, order: OrderCheck) -> CheckOutcome:
    """The answer already given for this order (it must ask the same), with its reservation."""
    existing = await credit_check(session, order.order_id)
    assert existing is not None, "only called once the order's check is known to exist"
    return CheckOutcome(same_order(existing, order), await reservation(session, order.order_id), False)


async def rate_new_customer(
    uow: UnitOfWork, rules: CreditRules, order: OrderCheck, today: date
) -> CreditAccount | None:
    """Open (and lock) an unrated customer's account and rate it; None if the order was checked.

    Rare: customers are rated when the ERP sends their profile or their first invoice.
    """
    session = uow.session
    if await credit_check(session, order.order_id) is not None:
        return None
    account, _ = await open_credit_account(session, order.customer_id, lock=True)
    if account.risk_class is None:
        await reassess_customer(uow, rules, order.customer_id, today, "credit_check")
    return account


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
