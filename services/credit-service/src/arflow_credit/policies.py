"""Credit policies per risk class: stored ones over the documented defaults."""

from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from arflow_credit.concurrency import Precondition, require_if_match, require_revision
from arflow_credit.domain import (
    CreditNotFound,
    CreditPolicy,
    CreditValidationError,
    DerivedLimit,
    ExposurePart,
    FixedLimit,
    OverdueThreshold,
    default_credit_policies,
    policy_for,
)
from arflow_credit.rules import CreditRules
from arflow_credit.store.audit import append_audit
from arflow_credit.store.policies import CreditPolicyRecord, policy_record, policy_records


@dataclass(frozen=True)
class StoredPolicy:
    """A policy and where it comes from (revision 0: the default, never set)."""

    policy: CreditPolicy
    revision: int
    updated_by: str | None = None
    updated_at: datetime | None = None


def policy_of(record: CreditPolicyRecord) -> CreditPolicy:
    """The domain policy a stored row describes."""
    limit: FixedLimit | DerivedLimit
    if record.limit_kind == "derived":
        assert record.limit_multiple is not None and record.limit_trailing_months is not None
        limit = DerivedLimit(
            record.limit_multiple,
            record.limit_trailing_months,
            record.currency,
            record.limit_minimum or Decimal(0),
        )
    else:
        limit = FixedLimit(record.limit_amount or Decimal(0), record.currency)
    threshold = None
    if record.hold_overdue_amount is not None and record.hold_overdue_days is not None:
        threshold = OverdueThreshold(record.hold_overdue_amount, record.hold_overdue_days)
    parts = frozenset(ExposurePart(part) for part in record.counted_parts.split(",") if part)
    return CreditPolicy(
        record.risk_class,
        limit,
        record.terms_days,
        record.review_tolerance_percent,
        threshold,
        record.prepayment_required,
        parts,
    )


def policy_fields(policy: CreditPolicy) -> dict[str, Any]:
    """A policy as the columns of its row (also its audit document)."""
    limit = policy.limit
    threshold = policy.overdue_threshold
    derived = isinstance(limit, DerivedLimit)
    return {
        "limit_kind": "derived" if derived else "fixed",
        "limit_amount": None if derived else limit.amount,  # type: ignore[union-attr]
        "currency": limit.currency,
        "limit_multiple": limit.multiple if derived else None,  # type: ignore[union-attr]
        "limit_trailing_months": limit.trailing_months if derived else None,  # type: ignore[union-attr]
        "limit_minimum": limit.minimum if derived else None,  # type: ignore[union-attr]
        "terms_days": policy.terms_days,
        "review_tolerance_percent": policy.review_tolerance_percent,
        "hold_overdue_amount": threshold.amount if threshold else None,
        "hold_overdue_days": threshold.days if threshold else None,
        "prepayment_required": policy.prepayment_required,
        "counted_parts": ",".join(sorted(part.value for part in policy.counted_parts)),
    }


async def credit_policies(session: AsyncSession, rules: CreditRules) -> dict[str, CreditPolicy]:
    """Every class's policy: the stored one, else the default."""
    policies = default_credit_policies(rules.currency)
    for record in await policy_records(session):
        policies[record.risk_class] = policy_of(record)
    return policies


async def stored_policy(session: AsyncSession, rules: CreditRules, risk_class: str) -> StoredPolicy:
    """One class's policy with its revision; CreditNotFound for a class the scorecard lacks."""
    known_class(rules, risk_class)
    record = await policy_record(session, risk_class)
    if record is None:
        return StoredPolicy(policy_for(default_credit_policies(rules.currency), risk_class), 0)
    return StoredPolicy(policy_of(record), record.revision, record.updated_by, record.updated_at)


def known_class(rules: CreditRules, risk_class: str) -> None:
    """Refuse a risk class the scorecard cannot give."""
    classes = rules.scorecard.thresholds.classes
    if risk_class not in classes:
        raise CreditNotFound(f"no risk class {risk_class!r}; the classes are {', '.join(classes)}")


async def set_credit_policy(
    session: AsyncSession,
    rules: CreditRules,
    policy: CreditPolicy,
    *,
    actor: str,
    business_date: date,
    precondition: Precondition,
) -> StoredPolicy:
    """Store a class's policy (a stored one only under If-Match) and audit the change."""
    # Lock the stored row to the commit (PostgreSQL): check and write see one revision.
    await session.get(CreditPolicyRecord, policy.risk_class, with_for_update=True, populate_existing=True)
    current = await stored_policy(session, rules, policy.risk_class)
    require_revision(f"policy {policy.risk_class}", current.revision, precondition.revision)
    if policy.currency != rules.currency:
        raise CreditValidationError(
            f"limits are kept in {rules.currency} (CREDIT_CURRENCY); "
            f"give the policy's limit in {rules.currency}"
        )
    if current.revision and current.policy == policy:
        return current
    require_if_match(f"policy {policy.risk_class}", current.revision, precondition)
    record = await policy_record(session, policy.risk_class)
    now = datetime.now(UTC)
    fields = policy_fields(policy)
    if record is None:
        record = CreditPolicyRecord(
            risk_class=policy.risk_class, revision=1, updated_by=actor, updated_at=now, **fields
        )
        session.add(record)
    else:
        for name, value in fields.items():
            setattr(record, name, value)
        record.revision += 1
        record.updated_by = actor
        record.updated_at = now
    await append_audit(
        session,
        customer_id=None,
        subject="credit_policy",
        subject_id=policy.risk_class,
        action="changed",
        actor=actor,
        business_date=business_date,
        before=policy_fields(current.policy),
        after=fields,
    )
    return StoredPolicy(policy, record.revision, actor, now)
