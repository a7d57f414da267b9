"""The collector worklist: what to work first, by promise status and expected loss.

Expected loss = overdue amount × probability of default × age factor (capped so the product of
the last two never exceeds 1).

Probability of default by risk class: A 1 %, B 3 %, C 8 %, D 20 %. A score (0–100, higher is
better) when known is finer and wins over the class; it maps linearly between these anchors:
score 0 → 40 %, 25 → 20 %, 50 → 8 %, 75 → 3 %, 90 → 1 %, 100 → 0.5 %.

Age factor by days overdue (old debt is harder to collect): not overdue 0, 1–30 1.0,
31–60 1.5, 61–90 2.0, 91–180 3.0, 181–365 4.0, over 365 5.0.

Order: broken promises first, then promises due today, then the rest; within each group by
expected loss (highest first), then days overdue (oldest first), then case id, so equal entries
keep a stable order. Expected losses are compared as plain numbers: give every entry's overdue
amount in one reporting currency.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import IntEnum
from types import MappingProxyType

from arflow_dunning.domain.errors import InvalidRiskInput
from arflow_dunning.domain.promises import PromiseStatus, PromiseToPay, evaluate_promise

PROBABILITY_OF_DEFAULT: Mapping[str, Decimal] = MappingProxyType(
    {"A": Decimal("0.01"), "B": Decimal("0.03"), "C": Decimal("0.08"), "D": Decimal("0.20")}
)
SCORE_ANCHORS: tuple[tuple[int, Decimal], ...] = (
    (0, Decimal("0.40")),
    (25, Decimal("0.20")),
    (50, Decimal("0.08")),
    (75, Decimal("0.03")),
    (90, Decimal("0.01")),
    (100, Decimal("0.005")),
)
AGE_FACTORS: tuple[tuple[int, Decimal], ...] = (
    (0, Decimal(0)),
    (30, Decimal("1.0")),
    (60, Decimal("1.5")),
    (90, Decimal("2.0")),
    (180, Decimal("3.0")),
    (365, Decimal("4.0")),
)
"""(up to this many days overdue, factor); beyond the last: OLDEST_AGE_FACTOR."""
OLDEST_AGE_FACTOR = Decimal("5.0")


class Priority(IntEnum):
    """Worklist group, most urgent first."""

    BROKEN_PROMISE = 0
    PROMISE_DUE_TODAY = 1
    EXPECTED_LOSS = 2


def probability_of_default(risk_class: str | None = None, score: float | None = None) -> Decimal:
    """Probability of default from the score if given, else from the risk class."""
    if score is not None:
        return _from_score(Decimal(str(score)))
    if risk_class is None or risk_class not in PROBABILITY_OF_DEFAULT:
        raise InvalidRiskInput(f"unknown risk class {risk_class!r} and no score")
    return PROBABILITY_OF_DEFAULT[risk_class]


def _from_score(score: Decimal) -> Decimal:
    if not 0 <= score <= 100:
        raise InvalidRiskInput(f"score must be between 0 and 100, got {score}")
    for (low, low_pd), (high, high_pd) in zip(SCORE_ANCHORS, SCORE_ANCHORS[1:], strict=False):
        if score <= high:
            return low_pd + (high_pd - low_pd) * (score - low) / (high - low)
    return SCORE_ANCHORS[-1][1]


def age_factor(days_overdue: int) -> Decimal:
    """How much older debt weighs: 0 when not overdue, growing with age."""
    for limit, factor in AGE_FACTORS:
        if days_overdue <= limit:
            return factor
    return OLDEST_AGE_FACTOR


def expected_loss(overdue_amount: Decimal, pd: Decimal, days_overdue: int) -> Decimal:
    """Overdue amount × probability of default × age factor, the last two capped at 1."""
    return overdue_amount * min(Decimal(1), pd * age_factor(days_overdue))


@dataclass(frozen=True)
class WorklistEntry:
    """A case as the worklist sees it."""

    case_id: str
    customer_id: str
    overdue_amount: Decimal
    days_overdue: int
    risk_class: str | None = None
    score: float | None = None
    promise: PromiseToPay | None = None
    paid_toward_promise: Decimal = Decimal(0)


@dataclass(frozen=True)
class RankedEntry:
    """A worklist entry with its group and expected loss."""

    entry: WorklistEntry
    priority: Priority
    expected_loss: Decimal


def rank_worklist(entries: Iterable[WorklistEntry], as_of: date) -> tuple[RankedEntry, ...]:
    """Entries in working order as of a date (see the module docstring)."""
    ranked = [_rank(entry, as_of) for entry in entries]
    ranked.sort(key=_working_order)
    return tuple(ranked)


def _working_order(ranked: RankedEntry) -> tuple[Priority, Decimal, int, str]:
    entry = ranked.entry
    return (ranked.priority, -ranked.expected_loss, -entry.days_overdue, entry.case_id)


def _rank(entry: WorklistEntry, as_of: date) -> RankedEntry:
    pd = probability_of_default(entry.risk_class, entry.score)
    loss = expected_loss(entry.overdue_amount, pd, entry.days_overdue)
    return RankedEntry(entry, _priority(entry, as_of), loss)


def _priority(entry: WorklistEntry, as_of: date) -> Priority:
    if entry.promise is None:
        return Priority.EXPECTED_LOSS
    status = evaluate_promise(entry.promise, entry.paid_toward_promise, as_of)
    if status is PromiseStatus.BROKEN:
        return Priority.BROKEN_PROMISE
    if status is PromiseStatus.OPEN and entry.promise.promised_date == as_of:
        return Priority.PROMISE_DUE_TODAY
    return Priority.EXPECTED_LOSS
