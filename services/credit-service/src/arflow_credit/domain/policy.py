"""Credit policies per risk class: limit, terms, review tolerance, hold threshold, exposure parts."""

import calendar
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_DOWN, Decimal
from enum import StrEnum

from arflow_credit.domain.errors import CreditNotFound, CreditValidationError
from arflow_credit.domain.ledger import OverdueState
from arflow_credit.domain.money import (
    CENT,
    ZERO,
    require_currency,
    require_decimal,
    require_non_negative,
    require_positive,
)

DEFAULT_RISK_CLASSES: tuple[str, ...] = ("A", "B", "C", "D")


class ExposurePart(StrEnum):
    """A component of credit exposure that a policy may or may not count."""

    NOT_YET_DUE = "not_yet_due"
    OVERDUE = "overdue"
    RESERVED = "reserved"
    UNAPPLIED_CREDIT = "unapplied_credit"


ALL_EXPOSURE_PARTS = frozenset(ExposurePart)


@dataclass(frozen=True)
class FixedLimit:
    """A credit limit set as an amount."""

    amount: Decimal
    currency: str

    def __post_init__(self) -> None:
        require_non_negative(self.amount, "limit amount")
        require_currency(self.currency)


@dataclass(frozen=True)
class CreditSale:
    """One invoice issued on credit, as input for a derived limit."""

    issue_date: date
    amount: Decimal

    def __post_init__(self) -> None:
        require_positive(self.amount, "sale amount")


@dataclass(frozen=True)
class DerivedLimit:
    """A limit of ``multiple`` x average monthly credit sales over the trailing months."""

    multiple: Decimal
    trailing_months: int
    currency: str
    minimum: Decimal = ZERO

    def __post_init__(self) -> None:
        require_positive(self.multiple, "multiple")
        require_non_negative(self.minimum, "minimum")
        require_currency(self.currency)
        if self.trailing_months < 1:
            raise CreditValidationError("trailing_months must be at least 1")

    def amount_for(self, sales: Iterable[CreditSale], as_of: date) -> Decimal:
        """The limit on ``as_of``: sales in (as_of - N months, as_of], averaged, times multiple."""
        start = months_before(as_of, self.trailing_months)
        total = sum((s.amount for s in sales if start < s.issue_date <= as_of), ZERO)
        derived = (total / self.trailing_months * self.multiple).quantize(CENT, ROUND_DOWN)
        return max(derived, self.minimum)


def months_before(day: date, months: int) -> date:
    """The same day ``months`` calendar months earlier, clamped to the month's end."""
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


@dataclass(frozen=True)
class OverdueThreshold:
    """Overdue money at or above ``amount`` for at least ``days`` days past due."""

    amount: Decimal
    days: int

    def __post_init__(self) -> None:
        require_positive(self.amount, "threshold amount")
        if self.days < 0:
            raise CreditValidationError("threshold days must not be negative")

    def is_reached(self, state: OverdueState) -> bool:
        """True when both the overdue amount and the oldest days overdue reach the threshold."""
        return state.overdue_amount >= self.amount and state.max_days_overdue >= self.days


@dataclass(frozen=True)
class CreditPolicy:
    """How a risk class is treated: limit, terms, tolerance, hold threshold, counted exposure."""

    risk_class: str
    limit: FixedLimit | DerivedLimit
    terms_days: int
    review_tolerance_percent: Decimal = ZERO
    overdue_threshold: OverdueThreshold | None = None
    prepayment_required: bool = False
    counted_parts: frozenset[ExposurePart] = field(default=ALL_EXPOSURE_PARTS)

    def __post_init__(self) -> None:
        if not self.risk_class:
            raise CreditValidationError("risk_class must not be empty")
        if self.terms_days < 0:
            raise CreditValidationError("terms_days must not be negative")
        require_non_negative(self.review_tolerance_percent, "review_tolerance_percent")
        if not isinstance(self.counted_parts, frozenset) or not self.counted_parts <= set(ExposurePart):
            raise CreditValidationError("counted_parts must be a frozenset of ExposurePart")

    @property
    def currency(self) -> str:
        """The currency the limit is expressed in."""
        return self.limit.currency

    def review_ceiling(self, limit: Decimal) -> Decimal:
        """The highest exposure that still goes to review rather than rejection."""
        require_decimal(limit, "limit")
        return limit + limit * self.review_tolerance_percent / 100


def resolve_limit(policy: CreditPolicy, as_of: date, sales: Iterable[CreditSale] = ()) -> Decimal:
    """The policy's limit amount on ``as_of`` (derived limits read the credit sales)."""
    if isinstance(policy.limit, FixedLimit):
        return policy.limit.amount
    return policy.limit.amount_for(sales, as_of)


def policy_for(policies: Mapping[str, CreditPolicy], risk_class: str) -> CreditPolicy:
    """The policy of ``risk_class``, or CreditNotFound."""
    try:
        return policies[risk_class]
    except KeyError:
        raise CreditNotFound(f"no credit policy for risk class {risk_class!r}") from None


def default_credit_policies(currency: str) -> dict[str, CreditPolicy]:
    """Starting policies for A-D: A generous, B standard, C tight, D prepayment only.

    | class | limit   | terms | review tolerance | automatic hold when overdue |
    | A     | 100 000 | 60 d  | 10 %             | >= 10 000 for >= 60 days    |
    | B     |  50 000 | 45 d  |  5 %             | >=  5 000 for >= 30 days    |
    | C     |  10 000 | 30 d  |  0 %             | >=  1 000 for >= 15 days    |
    | D     |       0 |  0 d  |  0 %, prepayment | >=   0.01 for >=  1 day     |
    """
    require_currency(currency)

    def policy(cls: str, limit: str, terms: int, tol: str, hold: tuple[str, int]) -> CreditPolicy:
        return CreditPolicy(
            risk_class=cls,
            limit=FixedLimit(Decimal(limit), currency),
            terms_days=terms,
            review_tolerance_percent=Decimal(tol),
            overdue_threshold=OverdueThreshold(Decimal(hold[0]), hold[1]),
            prepayment_required=cls == "D",
        )

    return {
        "A": policy("A", "100000", 60, "10", ("10000", 60)),
        "B": policy("B", "50000", 45, "5", ("5000", 30)),
        "C": policy("C", "10000", 30, "0", ("1000", 15)),
        "D": policy("D", "0", 0, "0", ("0.01", 1)),
    }
