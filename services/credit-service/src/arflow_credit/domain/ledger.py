"""The credit service's projection of a customer's ledger: what scoring, exposure and holds read.

All amounts of one projection are in one currency (the customer's credit currency); the
projection does not convert.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from arflow_credit.domain.errors import CreditValidationError
from arflow_credit.domain.money import ZERO, require_non_negative, require_positive


@dataclass(frozen=True)
class SettledInvoice:
    """An invoice paid in full: its amount, due date, the date it was settled, and dispute flag."""

    amount: Decimal
    due_date: date
    paid_date: date
    disputed: bool = False

    def __post_init__(self) -> None:
        require_positive(self.amount, "amount")

    def days_late(self) -> int:
        """Days paid after the due date, never negative."""
        return max(0, (self.paid_date - self.due_date).days)


@dataclass(frozen=True)
class OpenInvoice:
    """An invoice with money still outstanding."""

    outstanding: Decimal
    due_date: date
    disputed: bool = False

    def __post_init__(self) -> None:
        require_positive(self.outstanding, "outstanding")

    def days_overdue(self, as_of: date) -> int:
        """Days past due on ``as_of``; 0 while not yet due (overdue from the day after due date)."""
        return max(0, (as_of - self.due_date).days)

    def is_overdue(self, as_of: date) -> bool:
        """True from the day after the due date."""
        return as_of > self.due_date


@dataclass(frozen=True)
class PaymentHistory:
    """A customer's ledger projection: settled and open invoices and the first invoice date."""

    settled: tuple[SettledInvoice, ...] = ()
    open: tuple[OpenInvoice, ...] = ()
    first_invoice_date: date | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.settled, tuple) or not isinstance(self.open, tuple):
            raise CreditValidationError("settled and open must be tuples")

    def as_of(self, as_of: date) -> "PaymentHistory":
        """The history as it stood on ``as_of``: invoices settled later count as still open."""
        settled = tuple(inv for inv in self.settled if inv.paid_date <= as_of)
        reopened = tuple(
            OpenInvoice(inv.amount, inv.due_date, inv.disputed)
            for inv in self.settled
            if inv.paid_date > as_of
        )
        return PaymentHistory(settled, self.open + reopened, self.first_invoice_date)


@dataclass(frozen=True)
class OverdueState:
    """How much is overdue and for how long (the oldest overdue invoice), on a date."""

    overdue_amount: Decimal = ZERO
    max_days_overdue: int = 0

    def __post_init__(self) -> None:
        require_non_negative(self.overdue_amount, "overdue_amount")
        if self.max_days_overdue < 0:
            raise CreditValidationError("max_days_overdue must not be negative")


def overdue_state(open_invoices: Iterable[OpenInvoice], as_of: date) -> OverdueState:
    """Sum the overdue outstanding and find the oldest days overdue on ``as_of``."""
    overdue = [inv for inv in open_invoices if inv.is_overdue(as_of)]
    return OverdueState(
        overdue_amount=sum((inv.outstanding for inv in overdue), ZERO),
        max_days_overdue=max((inv.days_overdue(as_of) for inv in overdue), default=0),
    )
