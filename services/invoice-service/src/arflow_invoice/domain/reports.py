"""Finance figures: DSO, collection effectiveness (CEI) and the bad-debt allowance, per currency.

Amounts in different currencies are never added up; every figure is per currency.

DSO method (the simple period method, not countback):
    DSO = ending AR / credit sales in the period × days in the period
where ending AR is the total outstanding (principal and posted charges) as of the period's last
day, credit sales are the amounts of invoices issued within the period (both ends included) and
days in the period = last day − first day + 1. With no credit sales DSO is undefined (None).

CEI = (opening AR + credit sales − closing AR) / (opening AR + credit sales − closing current AR)
× 100, where opening AR is the outstanding at the end of the day before the period, closing AR
the outstanding at its last day, and closing current AR the part of it not yet past due.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from types import MappingProxyType

from arflow_invoice.domain.aging import DEFAULT_BUCKETS, AgingBucket, aging_buckets
from arflow_invoice.domain.currency import quantize
from arflow_invoice.domain.documents import ZERO
from arflow_invoice.domain.errors import InvalidParameter
from arflow_invoice.domain.invoice import InvoiceState

RATIO = Decimal("0.01")


def _check_period(period_start: date, period_end: date) -> None:
    if period_end < period_start:
        raise InvalidParameter(f"the period ends on {period_end}, before it starts on {period_start}")


def credit_sales(invoices: Sequence[InvoiceState], currency: str, start: date, end: date) -> Decimal:
    """Amounts of invoices in `currency` issued from `start` to `end` inclusive."""
    sales = (i.amount for i in invoices if i.currency == currency and start <= i.issue_date <= end)
    return quantize(sum(sales, ZERO), currency)


def receivables(invoices: Sequence[InvoiceState], currency: str, as_of: date) -> Decimal:
    """Total outstanding in `currency` as of `as_of`."""
    owed = (i.outstanding(as_of) for i in invoices if i.currency == currency)
    return quantize(sum(owed, ZERO), currency)


def current_receivables(invoices: Sequence[InvoiceState], currency: str, as_of: date) -> Decimal:
    """Outstanding in `currency` as of `as_of` that is not yet past due."""
    entries = (e for i in invoices if i.currency == currency for e in i.open_entries(as_of))
    return quantize(sum((e.amount for e in entries if e.due_date >= as_of), ZERO), currency)


def _currencies(invoices: Sequence[InvoiceState], end: date) -> list[str]:
    return sorted({i.currency for i in invoices if i.issue_date <= end})


@dataclass(frozen=True)
class DsoFigure:
    """Days sales outstanding for one currency over a period."""

    currency: str
    period_start: date
    period_end: date
    days: int
    ending_ar: Decimal
    credit_sales: Decimal
    dso: Decimal | None


def days_sales_outstanding(
    invoices: Iterable[InvoiceState], period_start: date, period_end: date
) -> tuple[DsoFigure, ...]:
    """DSO per currency = ending AR / credit sales × days in the period (None without sales)."""
    _check_period(period_start, period_end)
    items = list(invoices)
    days = (period_end - period_start).days + 1
    figures = []
    for currency in _currencies(items, period_end):
        ending = receivables(items, currency, period_end)
        sales = credit_sales(items, currency, period_start, period_end)
        dso = (ending / sales * days).quantize(RATIO) if sales else None
        figures.append(DsoFigure(currency, period_start, period_end, days, ending, sales, dso))
    return tuple(figures)


@dataclass(frozen=True)
class CeiFigure:
    """Collection effectiveness index for one currency over a period."""

    currency: str
    period_start: date
    period_end: date
    opening_ar: Decimal
    credit_sales: Decimal
    closing_ar: Decimal
    closing_current_ar: Decimal
    cei: Decimal | None


def collection_effectiveness(
    invoices: Iterable[InvoiceState], period_start: date, period_end: date
) -> tuple[CeiFigure, ...]:
    """CEI per currency in percent (None when nothing was collectable in the period)."""
    _check_period(period_start, period_end)
    items = list(invoices)
    figures = []
    for currency in _currencies(items, period_end):
        opening = receivables(items, currency, period_start - timedelta(days=1))
        sales = credit_sales(items, currency, period_start, period_end)
        closing = receivables(items, currency, period_end)
        current = current_receivables(items, currency, period_end)
        collectable = opening + sales - current
        cei = ((opening + sales - closing) / collectable * 100).quantize(RATIO) if collectable else None
        figures.append(CeiFigure(currency, period_start, period_end, opening, sales, closing, current, cei))
    return tuple(figures)


DEFAULT_ALLOWANCE_RATES: Mapping[str, Decimal] = MappingProxyType(
    {
        "current": Decimal("0.01"),
        "1-30": Decimal("0.02"),
        "31-60": Decimal("0.05"),
        "61-90": Decimal("0.10"),
        "91-180": Decimal("0.25"),
        "181-365": Decimal("0.50"),
        "over-365": Decimal("1.00"),
    }
)
"""An example rate per default aging bucket (fraction of the bucket's amount); configure your own."""


@dataclass(frozen=True)
class AllowanceRow:
    """Allowance for one currency and aging bucket."""

    currency: str
    bucket: str
    amount: Decimal
    rate: Decimal
    allowance: Decimal


@dataclass(frozen=True)
class AllowanceReport:
    """Bad-debt allowance as of a date."""

    as_of: date
    rows: tuple[AllowanceRow, ...]

    def total(self, currency: str) -> Decimal:
        """Allowance summed over buckets for one currency."""
        return sum((r.allowance for r in self.rows if r.currency == currency), ZERO)


def _check_rates(rates: Mapping[str, Decimal], buckets: Sequence[AgingBucket]) -> None:
    labels = [b.label for b in buckets]
    missing = [label for label in labels if label not in rates]
    unknown = [label for label in rates if label not in labels]
    if missing or unknown:
        raise InvalidParameter(
            f"allowance rates must name exactly the buckets {labels}; missing {missing}, unknown {unknown}"
        )
    for label, rate in rates.items():
        if not isinstance(rate, Decimal) or not ZERO <= rate <= 1:
            raise InvalidParameter(f"allowance rate for {label} must be a Decimal from 0 to 1, got {rate!r}")


def bad_debt_allowance(
    invoices: Iterable[InvoiceState],
    as_of: date,
    rates: Mapping[str, Decimal] = DEFAULT_ALLOWANCE_RATES,
    buckets: Sequence[AgingBucket] = DEFAULT_BUCKETS,
) -> AllowanceReport:
    """Allowance = aging amount × the bucket's rate, rounded to the currency, per bucket."""
    _check_rates(rates, buckets)
    aging = aging_buckets(invoices, as_of, buckets)
    rows = tuple(
        AllowanceRow(
            r.currency, r.bucket, r.amount, rates[r.bucket], quantize(r.amount * rates[r.bucket], r.currency)
        )
        for r in aging.rows
    )
    return AllowanceReport(as_of, rows)
