"""Aging: what is outstanding as of a date, by days past due, per currency and optional group.

Days past due = as_of − due date of each open entry (an instalment or a charge has its own due
date), so an invoice can sit in more than one bucket; `count` counts invoices per bucket. The
total of every bucket equals the total outstanding as of the same date.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Literal

from arflow_invoice.domain.currency import quantize
from arflow_invoice.domain.documents import ZERO
from arflow_invoice.domain.errors import InvalidParameter
from arflow_invoice.domain.invoice import InvoiceState

GroupBy = Literal["customer", "salesperson"] | Callable[[InvoiceState], str] | None
UNASSIGNED = "unassigned"
"""Group name for invoices without a salesperson."""


@dataclass(frozen=True)
class AgingBucket:
    """A range of days past due; `max_days` None means no upper end."""

    label: str
    min_days: int | None
    max_days: int | None

    def holds(self, days_past_due: int) -> bool:
        """True if an amount this many days past due belongs here."""
        above = self.min_days is None or days_past_due >= self.min_days
        below = self.max_days is None or days_past_due <= self.max_days
        return above and below


def aging_bucket_set(boundaries: Sequence[int] = (30, 60, 90, 180, 365)) -> tuple[AgingBucket, ...]:
    """Buckets 'current' (not past due), then '1-30', '31-60', … up to 'over-<last>'."""
    if not boundaries or any(isinstance(b, bool) or not isinstance(b, int) for b in boundaries):
        raise InvalidParameter(f"aging boundaries must be whole days, got {list(boundaries)}")
    bounds = list(boundaries)
    if bounds[0] < 1 or any(b <= a for a, b in zip(bounds, bounds[1:], strict=False)):
        raise InvalidParameter(f"aging boundaries must be positive and strictly increasing, got {bounds}")
    buckets = [AgingBucket("current", None, 0)]
    lower = 1
    for upper in bounds:
        buckets.append(AgingBucket(f"{lower}-{upper}", lower, upper))
        lower = upper + 1
    buckets.append(AgingBucket(f"over-{bounds[-1]}", lower, None))
    return tuple(buckets)


DEFAULT_BUCKETS = aging_bucket_set()
"""current, 1-30, 31-60, 61-90, 91-180, 181-365, over-365."""


def bucket_for(days_past_due: int, buckets: Sequence[AgingBucket] = DEFAULT_BUCKETS) -> AgingBucket:
    """The bucket an amount this many days past due falls in."""
    for bucket in buckets:
        if bucket.holds(days_past_due):
            return bucket
    raise InvalidParameter(f"no aging bucket holds {days_past_due} days past due")


@dataclass(frozen=True)
class AgingRow:
    """Outstanding amount and invoice count in one bucket for one currency (and group)."""

    currency: str
    bucket: str
    amount: Decimal
    count: int
    group: str | None = None


@dataclass(frozen=True)
class AgingReport:
    """Aging as of a date; every bucket appears for each currency (and group) with open items."""

    as_of: date
    rows: tuple[AgingRow, ...]

    def total(self, currency: str, group: str | None = None) -> Decimal:
        """Sum over buckets for a currency (and group, if given)."""
        return sum(
            (r.amount for r in self.rows if r.currency == currency and group in (None, r.group)),
            ZERO,
        )


def _grouper(group_by: GroupBy) -> Callable[[InvoiceState], str | None]:
    if group_by is None:
        return lambda invoice: None
    if group_by == "customer":
        return lambda invoice: invoice.customer_id
    if group_by == "salesperson":
        return lambda invoice: invoice.salesperson_id or UNASSIGNED
    if callable(group_by):
        return group_by
    raise InvalidParameter(f"unknown aging group {group_by!r}; group by 'customer' or 'salesperson'")


def aging_buckets(
    invoices: Iterable[InvoiceState],
    as_of: date,
    buckets: Sequence[AgingBucket] = DEFAULT_BUCKETS,
    group_by: GroupBy = None,
) -> AgingReport:
    """Age everything outstanding as of `as_of` into buckets per currency (and group)."""
    group_of = _grouper(group_by)
    amounts: dict[tuple[str, str | None, str], Decimal] = {}
    counts: dict[tuple[str, str | None, str], set[str]] = {}
    keys: set[tuple[str, str | None]] = set()
    for invoice in invoices:
        entries = invoice.open_entries(as_of)
        if not entries:
            continue
        group = group_of(invoice)
        keys.add((invoice.currency, group))
        for entry in entries:
            label = bucket_for((as_of - entry.due_date).days, buckets).label
            key = (invoice.currency, group, label)
            amounts[key] = amounts.get(key, ZERO) + entry.amount
            counts.setdefault(key, set()).add(invoice.invoice_number)
    rows = tuple(
        AgingRow(
            currency,
            bucket.label,
            quantize(amounts.get((currency, group, bucket.label), ZERO), currency),
            len(counts.get((currency, group, bucket.label), ())),
            group,
        )
        for currency, group in sorted(keys, key=lambda k: (k[0], k[1] or ""))
        for bucket in buckets
    )
    return AgingReport(as_of, rows)
