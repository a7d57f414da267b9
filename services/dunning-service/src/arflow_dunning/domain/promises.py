"""Promises-to-pay: a customer's promise of an amount by a date, kept or broken.

A promise is open until the promised date (inclusive). It is kept as soon as the payments
received toward it since it was made reach its amount on or before that date; it is broken on
the first day after the date if it was not kept. Kept and broken are final.
"""

from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from enum import StrEnum

from arflow_dunning.domain.errors import InvalidPromise
from arflow_dunning.domain.money import is_currency_code


class PromiseStatus(StrEnum):
    """Where a promise stands."""

    OPEN = "open"
    KEPT = "kept"
    BROKEN = "broken"


@dataclass(frozen=True)
class PromiseToPay:
    """A promise to pay `amount` in `currency` by `promised_date`."""

    amount: Decimal
    currency: str
    promised_date: date
    status: PromiseStatus = PromiseStatus.OPEN

    def __post_init__(self) -> None:
        if self.amount <= 0:
            raise InvalidPromise(f"promised amount must be positive, got {self.amount}")
        if not is_currency_code(self.currency):
            raise InvalidPromise(f"{self.currency!r} is not an ISO 4217 currency code")
        object.__setattr__(self, "status", PromiseStatus(self.status))

    def with_status(self, status: PromiseStatus) -> "PromiseToPay":
        """The same promise with another status."""
        return replace(self, status=status)


def evaluate_promise(promise: PromiseToPay, paid_since_promise: Decimal, as_of: date) -> PromiseStatus:
    """Status as of a date; `paid_since_promise` counts payments up to the promised date."""
    if promise.status is not PromiseStatus.OPEN:
        return promise.status
    if paid_since_promise >= promise.amount:
        return PromiseStatus.KEPT
    if as_of > promise.promised_date:
        return PromiseStatus.BROKEN
    return PromiseStatus.OPEN


def pauses_escalation(promise: PromiseToPay | None, paid_since_promise: Decimal, as_of: date) -> bool:
    """True while an open promise is not yet due (escalation waits until the promised date)."""
    if promise is None:
        return False
    return evaluate_promise(promise, paid_since_promise, as_of) is PromiseStatus.OPEN
