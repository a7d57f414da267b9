"""Promises-to-pay: open until the date, kept when paid in time, broken the day after."""

from datetime import date, timedelta
from decimal import Decimal

import pytest

from arflow_dunning.domain import (
    InvalidPromise,
    PromiseStatus,
    PromiseToPay,
    evaluate_promise,
    pauses_escalation,
)

PROMISED = date(2024, 5, 10)
PROMISE = PromiseToPay(Decimal("500.00"), "EUR", PROMISED)
DAY_AFTER = PROMISED + timedelta(days=1)


def test_a_promise_is_open_until_and_including_its_date() -> None:
    for as_of in (PROMISED - timedelta(days=3), PROMISED):
        assert evaluate_promise(PROMISE, Decimal("499.99"), as_of) is PromiseStatus.OPEN


def test_a_promise_is_kept_once_the_promised_amount_is_paid() -> None:
    early = PROMISED - timedelta(days=5)
    assert evaluate_promise(PROMISE, Decimal("500.00"), early) is PromiseStatus.KEPT
    assert evaluate_promise(PROMISE, Decimal("600"), PROMISED) is PromiseStatus.KEPT


def test_a_promise_paid_in_time_stays_kept_after_its_date() -> None:
    assert evaluate_promise(PROMISE, Decimal("500"), DAY_AFTER) is PromiseStatus.KEPT


def test_a_promise_short_by_a_cent_is_broken_the_day_after() -> None:
    assert evaluate_promise(PROMISE, Decimal("499.99"), DAY_AFTER) is PromiseStatus.BROKEN


def test_kept_and_broken_are_final() -> None:
    kept = PROMISE.with_status(PromiseStatus.KEPT)
    broken = PROMISE.with_status(PromiseStatus.BROKEN)
    assert evaluate_promise(kept, Decimal(0), DAY_AFTER) is PromiseStatus.KEPT
    assert evaluate_promise(broken, Decimal("500"), PROMISED) is PromiseStatus.BROKEN


def test_only_an_open_promise_not_yet_due_pauses_escalation() -> None:
    assert pauses_escalation(PROMISE, Decimal(0), PROMISED)
    assert not pauses_escalation(PROMISE, Decimal(0), DAY_AFTER)
    assert not pauses_escalation(PROMISE, Decimal("500"), PROMISED)
    assert not pauses_escalation(None, Decimal(0), PROMISED)


@pytest.mark.parametrize(("amount", "currency"), [("0", "EUR"), ("-5", "EUR"), ("5", "euro")])
def test_a_malformed_promise_is_rejected(amount: str, currency: str) -> None:
    with pytest.raises(InvalidPromise):
        PromiseToPay(Decimal(amount), currency, PROMISED)
