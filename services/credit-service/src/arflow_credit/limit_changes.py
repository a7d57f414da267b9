"""Maker-checker limit changes: one principal requests, another with credit:approve decides."""

import uuid
from datetime import UTC, datetime
from decimal import Decimal

from arflow_credit.amounts import money_text
from arflow_credit.assessment import reassess_customer, watch_limit
from arflow_credit.domain import (
    CreditNotFound,
    CreditValidationError,
    LimitChangeRequest,
    LimitChangeStatus,
)
from arflow_credit.position import credit_position
from arflow_credit.rules import CreditRules
from arflow_credit.store.audit import append_audit
from arflow_credit.store.clock import business_today
from arflow_credit.store.customers import open_credit_account
from arflow_credit.store.limits import LimitChangeRecord, limit_change
from arflow_runtime.db import UnitOfWork
from arflow_runtime.log import get_logger

log = get_logger(__name__)


def request_of(record: LimitChangeRecord) -> LimitChangeRequest:
    """The domain request a stored one describes."""
    return LimitChangeRequest(
        record.customer_id,
        record.requested_by,
        record.new_limit,
        record.currency,
        record.reason,
        record.previous_limit,
        LimitChangeStatus(record.status),
        record.decided_by,
        record.decision_reason,
    )


async def request_limit_change(
    uow: UnitOfWork,
    rules: CreditRules,
    *,
    customer_id: str,
    new_limit: Decimal,
    currency: str,
    reason: str,
    requested_by: str,
) -> LimitChangeRecord:
    """Record a pending limit change; it takes effect only when someone else approves it."""
    if currency != rules.currency:
        raise CreditValidationError(
            f"limits are kept in {rules.currency} (CREDIT_CURRENCY); "
            f"give new_limit in {rules.currency}, not {currency}"
        )
    session = uow.session
    today = await business_today(session)
    account, _ = await open_credit_account(session, customer_id)
    if account.risk_class is None:
        await reassess_customer(uow, rules, customer_id, today, "limit_change")
    current = await credit_position(session, rules, account, today)
    wanted = LimitChangeRequest(customer_id, requested_by, new_limit, currency, reason.strip(), current.limit)
    record = LimitChangeRecord(
        request_id=str(uuid.uuid4()),
        customer_id=customer_id,
        requested_by=requested_by,
        requested_at=datetime.now(UTC),
        new_limit=wanted.new_limit,
        currency=currency,
        reason=wanted.reason,
        previous_limit=wanted.previous_limit,
        status=wanted.status.value,
    )
    session.add(record)
    await append_audit(
        session,
        customer_id=customer_id,
        subject="limit_change",
        subject_id=record.request_id,
        action="requested",
        actor=requested_by,
        business_date=today,
        before={"limit": money_text(current.limit), "limit_source": current.limit_source},
        after={"limit": money_text(new_limit), "status": "pending"},
        reason=wanted.reason,
    )
    log.info("credit.limit_change.requested", customer_id=customer_id, request_id=record.request_id)
    return record


async def customer_limit_change(uow: UnitOfWork, customer_id: str, request_id: str) -> LimitChangeRecord:
    """A customer's limit change request; CreditNotFound otherwise."""
    record = await limit_change(uow.session, request_id)
    if record is None or record.customer_id != customer_id:
        raise CreditNotFound(f"customer {customer_id} has no limit change {request_id}")
    return record


async def decide_limit_change(
    uow: UnitOfWork,
    rules: CreditRules,
    *,
    customer_id: str,
    request_id: str,
    approve: bool,
    by: str,
    reason: str | None,
) -> LimitChangeRecord:
    """Approve (the limit applies now) or reject a pending request; the requester may do neither."""
    session = uow.session
    record = await customer_limit_change(uow, customer_id, request_id)
    pending = request_of(record)
    decided = pending.approve(by, reason) if approve else pending.reject(by, (reason or "").strip())
    today = await business_today(session)
    record.status, record.decided_by = decided.status.value, decided.decided_by
    record.decision_reason, record.decided_at = decided.decision_reason, datetime.now(UTC)
    account, _ = await open_credit_account(session, customer_id, lock=True)
    current = await credit_position(session, rules, account, today)
    before = {"limit": money_text(current.limit), "limit_source": current.limit_source, "status": "pending"}
    after = {**before, "status": decided.status.value}
    if approve:
        account.customer_limit = decided.new_limit
        after.update(limit=money_text(decided.new_limit), limit_source="customer")
    await append_audit(
        session,
        customer_id=customer_id,
        subject="limit_change",
        subject_id=request_id,
        action=decided.status.value,
        actor=by,
        business_date=today,
        before=before,
        after=after,
        reason=decided.decision_reason,
    )
    if approve:
        await watch_limit(uow, account, await credit_position(session, rules, account, today), "limit_change")
    log.info(
        "credit.limit_change.decided",
        customer_id=customer_id,
        request_id=request_id,
        status=decided.status.value,
    )
    return record
