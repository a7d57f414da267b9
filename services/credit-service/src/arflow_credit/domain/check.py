"""The credit check: may this customer place this order? Approved, review or rejected, with reasons."""

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from arflow_credit.domain.exposure import Exposure, available_credit
from arflow_credit.domain.holds import CreditHold, is_on_hold
from arflow_credit.domain.ledger import OverdueState
from arflow_credit.domain.money import require_currency, require_non_negative, require_positive
from arflow_credit.domain.policy import CreditPolicy


class Decision(StrEnum):
    """The answer to a credit check."""

    APPROVED = "approved"
    REVIEW = "review"
    REJECTED = "rejected"


class CheckReason(StrEnum):
    """Why a check was not simply approved (machine-readable)."""

    CURRENCY_MISMATCH = "currency_mismatch"
    ON_HOLD = "on_hold"
    PREPAYMENT_REQUIRED = "prepayment_required"
    OVERDUE_BEYOND_TOLERANCE = "overdue_beyond_tolerance"
    OVER_LIMIT = "over_limit"
    WITHIN_TOLERANCE = "within_tolerance"


# Everything rejects except an overrun inside the policy's tolerance, which a person reviews.
REVIEW_REASONS = frozenset({CheckReason.WITHIN_TOLERANCE})


@dataclass(frozen=True)
class CreditDecision:
    """A check's decision, its reasons (worst first) and the credit left if the order goes ahead."""

    decision: Decision
    reasons: tuple[CheckReason, ...]
    available_after: Decimal
    currency: str


def decide_credit_check(
    amount: Decimal,
    currency: str,
    *,
    exposure: Exposure,
    limit: Decimal,
    policy: CreditPolicy,
    holds: Sequence[CreditHold] = (),
    overdue: OverdueState | None = None,
) -> CreditDecision:
    """Decide an order of ``amount`` in ``currency`` against limit, holds and overdue state.

    Exactly at the limit is approved; above it up to limit x (1 + tolerance %) goes to
    review; beyond that is rejected. ``available_after`` is in the exposure's currency and
    stays at the current available amount when the order's currency does not match.
    """
    require_positive(amount, "amount")
    require_currency(currency)
    require_non_negative(limit, "limit")
    reasons: list[CheckReason] = []
    mismatch = currency != exposure.currency
    if mismatch:
        reasons.append(CheckReason.CURRENCY_MISMATCH)
    if is_on_hold(holds):
        reasons.append(CheckReason.ON_HOLD)
    if policy.prepayment_required:
        reasons.append(CheckReason.PREPAYMENT_REQUIRED)
    threshold = policy.overdue_threshold
    if overdue is not None and threshold is not None and threshold.is_reached(overdue):
        reasons.append(CheckReason.OVERDUE_BEYOND_TOLERANCE)
    available = available_credit(limit, exposure)
    if mismatch:
        return CreditDecision(_decision(reasons), tuple(reasons), available, exposure.currency)
    after = exposure.total + amount
    if after > policy.review_ceiling(limit):
        reasons.append(CheckReason.OVER_LIMIT)
    elif after > limit:
        reasons.append(CheckReason.WITHIN_TOLERANCE)
    return CreditDecision(_decision(reasons), tuple(reasons), available - amount, exposure.currency)


def _decision(reasons: Sequence[CheckReason]) -> Decision:
    if any(reason not in REVIEW_REASONS for reason in reasons):
        return Decision.REJECTED
    return Decision.REVIEW if reasons else Decision.APPROVED
