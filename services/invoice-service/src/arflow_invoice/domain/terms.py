"""Payment terms: parse terms codes and turn them into due dates, discounts and instalments.

Codes (case and spacing are free):
- ``NET30``: due 30 days after the issue date (``NET0`` is due on issue).
- ``EOM+15``: due 15 days after the last day of the issue month (``EOM`` alone: month end).
- ``2/10 NET 30``: 2 % off when paid within 10 days of issue, otherwise due after 30 days.
Instalment plans are not codes: they are explicit (due_date, amount) pairs, see
`split_instalments` and `validate_instalments`.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_DOWN, Decimal

from arflow_invoice.domain.currency import (
    format_money,
    quantize,
    smallest_unit,
    validate_amount,
)
from arflow_invoice.domain.errors import InvalidDate, InvalidPaymentTerms

MAX_TERM_DAYS = 730
"""Longest period a terms code may name; longer credit is a loan, not payment terms."""

_HOW = "use NET<days> (NET30), EOM+<days> (EOM+15) or <percent>/<days> NET <days> (2/10 NET 30)"
_NET = re.compile(r"NET ?(\d+)")
_EOM = re.compile(r"EOM(?: ?\+ ?(\d+))?")
_DISCOUNT = re.compile(r"(\d+(?:\.\d+)?) ?%? ?/ ?(\d+)(?: ?,)? ?(?:NET|N) ?(\d+)")


def _check_days(days: object, what: str) -> None:
    if isinstance(days, bool) or not isinstance(days, int):
        raise InvalidPaymentTerms(f"{what} must be a whole number of days, got {days!r}")
    if not 0 <= days <= MAX_TERM_DAYS:
        raise InvalidPaymentTerms(f"{what} must be between 0 and {MAX_TERM_DAYS}, got {days}")


def end_of_month(day: date) -> date:
    """Last day of the month `day` falls in (leap years included)."""
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


@dataclass(frozen=True)
class NetTerms:
    """Due a number of days after the issue date (code NET30)."""

    days: int

    def __post_init__(self) -> None:
        _check_days(self.days, "net days")

    @property
    def code(self) -> str:
        """Canonical code, e.g. 'NET30'."""
        return f"NET{self.days}"

    def due_date(self, issue_date: date) -> date:
        """Due date for an invoice issued on `issue_date`."""
        return issue_date + timedelta(days=self.days)


@dataclass(frozen=True)
class EndOfMonthTerms:
    """Due a number of days after the end of the issue month (code EOM+15)."""

    days: int

    def __post_init__(self) -> None:
        _check_days(self.days, "days after end of month")

    @property
    def code(self) -> str:
        """Canonical code, e.g. 'EOM+15'."""
        return f"EOM+{self.days}"

    def due_date(self, issue_date: date) -> date:
        """Due date for an invoice issued on `issue_date`."""
        return end_of_month(issue_date) + timedelta(days=self.days)


@dataclass(frozen=True)
class DiscountTerms:
    """Early-payment discount: `percent` off within `discount_days`, else due in `net_days`."""

    percent: Decimal
    discount_days: int
    net_days: int

    def __post_init__(self) -> None:
        _check_days(self.discount_days, "discount days")
        _check_days(self.net_days, "net days")
        if not isinstance(self.percent, Decimal) or not 0 < self.percent < 100:
            raise InvalidPaymentTerms(
                f"discount percent must be a Decimal above 0 and below 100, got {self.percent!r}"
            )
        if self.discount_days > self.net_days:
            raise InvalidPaymentTerms(
                f"the discount period ({self.discount_days} days) must not end after "
                f"the net due date ({self.net_days} days)"
            )

    @property
    def code(self) -> str:
        """Canonical code, e.g. '2/10 NET 30'."""
        return f"{self.percent}/{self.discount_days} NET {self.net_days}"

    def due_date(self, issue_date: date) -> date:
        """Net due date for an invoice issued on `issue_date`."""
        return issue_date + timedelta(days=self.net_days)

    def discount_date(self, issue_date: date) -> date:
        """Last day on which the discount may be taken."""
        return issue_date + timedelta(days=self.discount_days)

    def discount_amount(self, amount: Decimal, currency: str) -> Decimal:
        """Discount on `amount`, rounded half-up to the currency's minor units."""
        return quantize(amount * self.percent / 100, currency)


PaymentTerms = NetTerms | EndOfMonthTerms | DiscountTerms


def parse_terms(code: object) -> PaymentTerms:
    """Parse a payment-terms code such as 'NET30', 'EOM+15' or '2/10 NET 30'."""
    if not isinstance(code, str) or not code.strip():
        raise InvalidPaymentTerms(f"payment terms code is empty; {_HOW}", code=repr(code))
    text = re.sub(r"\s+", " ", code.strip().upper())
    if match := _NET.fullmatch(text):
        return NetTerms(int(match[1]))
    if match := _EOM.fullmatch(text):
        return EndOfMonthTerms(int(match[1] or 0))
    if match := _DISCOUNT.fullmatch(text):
        return DiscountTerms(Decimal(match[1]), int(match[2]), int(match[3]))
    raise InvalidPaymentTerms(f"unknown payment terms code {code!r}; {_HOW}", code=code)


@dataclass(frozen=True)
class Instalment:
    """One part of an invoice with its own due date."""

    due_date: date
    amount: Decimal


@dataclass(frozen=True)
class DueSchedule:
    """What terms make of an invoice: its due date, an optional discount, optional instalments."""

    due_date: date
    discount_date: date | None = None
    discount_amount: Decimal | None = None
    instalments: tuple[Instalment, ...] = ()


def due_schedule(terms: PaymentTerms | str, issue_date: date, amount: Decimal, currency: str) -> DueSchedule:
    """Apply payment terms (parsed or as a code) to an invoice's issue date and amount."""
    parsed = parse_terms(terms) if isinstance(terms, str) else terms
    amount = validate_amount(amount, currency)
    if isinstance(parsed, DiscountTerms):
        return DueSchedule(
            due_date=parsed.due_date(issue_date),
            discount_date=parsed.discount_date(issue_date),
            discount_amount=parsed.discount_amount(amount, currency),
        )
    return DueSchedule(due_date=parsed.due_date(issue_date))


def validate_due_date(issue_date: date, due_date: date) -> date:
    """Return the due date if it is not before the issue date."""
    if due_date < issue_date:
        raise InvalidDate(
            f"due date {due_date} is before issue date {issue_date}",
            issue_date=issue_date,
            due_date=due_date,
        )
    return due_date


def split_instalments(
    amount: Decimal, currency: str, due_dates: Sequence[date], weights: Sequence[int] | None = None
) -> tuple[Instalment, ...]:
    """Split an amount over due dates (evenly or by integer weights); the last absorbs rounding."""
    amount = validate_amount(amount, currency)
    if not due_dates:
        raise InvalidPaymentTerms("an instalment plan needs at least one due date")
    shares = [1] * len(due_dates) if weights is None else list(weights)
    if len(shares) != len(due_dates) or any(
        isinstance(w, bool) or not isinstance(w, int) or w <= 0 for w in shares
    ):
        raise InvalidPaymentTerms(
            f"instalment weights must be {len(due_dates)} positive whole numbers, got {weights!r}"
        )
    unit = smallest_unit(currency)
    amounts = [(amount * w / sum(shares)).quantize(unit, ROUND_DOWN) for w in shares[:-1]]
    amounts.append(amount - sum(amounts, Decimal(0)))
    if any(part <= 0 for part in amounts):
        raise InvalidPaymentTerms(
            f"{format_money(amount, currency)} is too small to split into {len(due_dates)} "
            f"instalments of at least {format_money(unit, currency)}"
        )
    return tuple(Instalment(day, part) for day, part in zip(due_dates, amounts, strict=True))


def validate_instalments(
    amount: Decimal, currency: str, issue_date: date, instalments: Sequence[Instalment]
) -> tuple[Instalment, ...]:
    """Check an instalment plan: valid amounts summing to the invoice, distinct dates on or after issue."""
    amount = validate_amount(amount, currency)
    if not instalments:
        raise InvalidPaymentTerms("an instalment plan needs at least one instalment")
    checked = tuple(
        sorted(
            (
                Instalment(
                    validate_due_date(issue_date, item.due_date),
                    validate_amount(item.amount, currency, what=f"instalment due {item.due_date}"),
                )
                for item in instalments
            ),
            key=lambda item: item.due_date,
        )
    )
    dates = [item.due_date for item in checked]
    if len(set(dates)) != len(dates):
        twice = sorted({day for day in dates if dates.count(day) > 1})
        raise InvalidPaymentTerms(f"two instalments fall due on the same day: {', '.join(map(str, twice))}")
    total = sum((item.amount for item in checked), Decimal(0))
    if total != amount:
        raise InvalidPaymentTerms(
            f"instalments sum to {format_money(total, currency)} but the invoice amount is "
            f"{format_money(amount, currency)}",
            instalments_total=total,
            amount=amount,
        )
    return checked
