"""Holds: automatic placement and release by rule, manual and dunning holds side by side."""

from datetime import date
from decimal import Decimal

import pytest

from arflow_credit.domain import (
    AUTOMATIC_HOLD_REASON,
    AUTOMATIC_RELEASE_REASON,
    CreditHold,
    CreditNotFound,
    CreditValidationError,
    HoldSource,
    OpenInvoice,
    OverdueState,
    apply_automatic_hold_rule,
    default_credit_policies,
    is_on_hold,
    overdue_state,
    place_hold,
    release_hold,
)

DAY = date(2024, 5, 2)
CLASS_B = default_credit_policies("EUR")["B"]  # hold at >= 5000 overdue for >= 30 days
OVER = OverdueState(Decimal("5000.00"), 30)
CLEAR = OverdueState(Decimal("0"), 0)
MANUAL = CreditHold(HoldSource.MANUAL, "insolvency rumour", DAY, "m-1", placed_by="alice")


def test_overdue_state_sums_overdue_outstanding_and_finds_the_oldest() -> None:
    invoices = [
        OpenInvoice(Decimal("100.00"), date(2024, 4, 1)),
        OpenInvoice(Decimal("50.00"), date(2024, 5, 1)),
        OpenInvoice(Decimal("70.00"), DAY),
    ]
    assert overdue_state(invoices, DAY) == OverdueState(Decimal("150.00"), 31)


def test_the_rule_places_an_automatic_hold_when_amount_and_days_reach_the_threshold() -> None:
    change = apply_automatic_hold_rule((), CLASS_B, OVER, DAY)
    assert change.placed == CreditHold(HoldSource.AUTOMATIC, AUTOMATIC_HOLD_REASON, DAY)
    assert is_on_hold(change.holds)


@pytest.mark.parametrize(
    "state", [OverdueState(Decimal("4999.99"), 90), OverdueState(Decimal("90000.00"), 29)]
)
def test_the_rule_places_no_hold_when_only_one_threshold_is_reached(state: OverdueState) -> None:
    assert apply_automatic_hold_rule((), CLASS_B, state, DAY).holds == ()


def test_the_rule_does_not_place_a_second_automatic_hold() -> None:
    held = apply_automatic_hold_rule((), CLASS_B, OVER, DAY).holds
    change = apply_automatic_hold_rule(held, CLASS_B, OVER, date(2024, 5, 3))
    assert (change.holds, change.placed, change.released) == (held, None, None)


def test_the_rule_releases_its_hold_once_the_overdue_condition_clears() -> None:
    held = apply_automatic_hold_rule((MANUAL,), CLASS_B, OVER, DAY).holds
    change = apply_automatic_hold_rule(held, CLASS_B, CLEAR, date(2024, 5, 9))
    assert change.holds == (MANUAL,)
    assert change.released is not None
    assert (change.released.reason, change.released.released_on) == (
        AUTOMATIC_RELEASE_REASON,
        date(2024, 5, 9),
    )


def test_the_rule_never_releases_manual_or_dunning_holds() -> None:
    dunning = CreditHold(HoldSource.DUNNING, "stop supply", DAY, "case-1")
    change = apply_automatic_hold_rule((MANUAL, dunning), CLASS_B, CLEAR, DAY)
    assert change.holds == (MANUAL, dunning) and change.released is None


def test_a_customer_can_hold_several_holds_and_stays_on_hold_until_all_are_released() -> None:
    dunning = CreditHold(HoldSource.DUNNING, "stop supply", DAY, "case-1")
    holds = place_hold(place_hold((), MANUAL).holds, dunning).holds
    after_one = release_hold(holds, HoldSource.MANUAL, "m-1", reason="cleared", as_of=DAY, released_by="bob")
    assert is_on_hold(after_one.holds)
    after_two = release_hold(after_one.holds, HoldSource.DUNNING, "case-1", reason="paid", as_of=DAY)
    assert not is_on_hold(after_two.holds)


def test_placing_the_same_hold_twice_changes_nothing() -> None:
    once = place_hold((), MANUAL)
    twice = place_hold(once.holds, MANUAL)
    assert (twice.holds, twice.placed) == ((MANUAL,), None)


def test_releasing_a_hold_the_customer_does_not_have_is_not_found() -> None:
    with pytest.raises(CreditNotFound) as caught:
        release_hold((MANUAL,), HoldSource.DUNNING, "case-9", reason="paid", as_of=DAY)
    assert caught.value.status == 404


def test_releasing_a_hold_needs_a_reason() -> None:
    with pytest.raises(CreditValidationError):
        release_hold((MANUAL,), HoldSource.MANUAL, "m-1", reason="", as_of=DAY)
