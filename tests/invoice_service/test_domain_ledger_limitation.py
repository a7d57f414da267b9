"""Statute of limitations and the business clock."""

from datetime import date
from decimal import Decimal

import pytest

from arflow_invoice.domain import (
    LIMITATION_RULES,
    Allocation,
    DayCloseBackwards,
    InvalidParameter,
    InvoiceState,
    LimitationRestart,
    claim_expiry,
    days_to_close,
    issue_invoice,
    limitation_rule,
    limitation_warnings,
    post_allocations,
)


def claim(
    due: date = date(2021, 3, 15), jurisdiction: str | None = None, number: str = "INV-1"
) -> InvoiceState:
    issued = date(due.year, 1, 1)
    return issue_invoice(number, "C1", "EUR", Decimal("100"), issued, due_date=due, jurisdiction=jurisdiction)


def test_by_default_a_claim_expires_three_years_after_its_due_date() -> None:
    assert claim_expiry(claim(), date(2022, 1, 1), limitation_rule(None)) == date(2024, 3, 15)


def test_a_claim_due_on_a_leap_day_expires_on_the_28th() -> None:
    inv = issue_invoice("INV-1", "C1", "EUR", Decimal("1"), date(2024, 1, 30), due_date=date(2024, 2, 29))
    assert claim_expiry(inv, date(2024, 3, 1), limitation_rule(None)) == date(2027, 2, 28)


def test_in_germany_the_period_runs_from_the_end_of_the_year() -> None:
    assert claim_expiry(claim(jurisdiction="DE"), date(2022, 1, 1), LIMITATION_RULES["DE"]) == date(
        2024, 12, 31
    )


def test_new_york_contract_claims_last_six_years() -> None:
    assert claim_expiry(claim(), date(2022, 1, 1), LIMITATION_RULES["US-NY"]) == date(2027, 3, 15)


def test_an_unknown_jurisdiction_falls_back_to_the_default_rule() -> None:
    assert limitation_rule("IT").jurisdiction == "default"
    with pytest.raises(InvalidParameter, match="need a 'default' entry"):
        limitation_rule("IT", {})


def test_a_partial_payment_restarts_the_period() -> None:
    inv = post_allocations(
        claim(), "P1", "EUR", date(2023, 6, 1), [Allocation("INV-1", "principal", Decimal("10"))]
    )
    assert claim_expiry(inv, date(2023, 6, 1), limitation_rule(None)) == date(2026, 6, 1)
    assert claim_expiry(inv, date(2023, 5, 31), limitation_rule(None)) == date(2024, 3, 15)


@pytest.mark.parametrize(
    ("jurisdiction", "kind", "expires"),
    [
        (None, "delivered_demand", date(2026, 1, 10)),
        (None, "confirmed_statement", date(2026, 1, 10)),
        ("CN", "delivered_demand", date(2026, 1, 10)),
        ("DE", "confirmed_statement", date(2026, 1, 10)),
        ("DE", "delivered_demand", date(2024, 12, 31)),
        ("US-NY", "delivered_demand", date(2027, 3, 15)),
    ],
)
def test_restarts_count_where_the_jurisdiction_says_they_do(
    jurisdiction: str | None, kind: str, expires: date
) -> None:
    restart = LimitationRestart("INV-1", kind, date(2023, 1, 10))  # type: ignore[arg-type]
    inv = claim(jurisdiction=jurisdiction)
    assert claim_expiry(inv, date(2023, 2, 1), limitation_rule(jurisdiction), [restart]) == expires


def test_a_restart_after_expiry_does_not_revive_the_claim() -> None:
    late = LimitationRestart("INV-1", "confirmed_statement", date(2024, 3, 16))
    assert claim_expiry(claim(), date(2025, 1, 1), limitation_rule(None), [late]) == date(2024, 3, 15)


def test_warnings_list_open_claims_expiring_within_the_window_soonest_first() -> None:
    soon = claim(due=date(2021, 4, 1), number="INV-SOON")
    gone = claim(due=date(2020, 12, 1), number="INV-GONE")
    later = claim(due=date(2022, 12, 1), number="INV-LATER")
    paid = post_allocations(
        claim(number="INV-PAID"),
        "P1",
        "EUR",
        date(2021, 4, 1),
        [Allocation("INV-PAID", "principal", Decimal("100"))],
    )
    warnings = limitation_warnings([later, soon, paid, gone], date(2024, 2, 1), within_days=90)
    assert [(w.invoice_number, w.expires_on, w.days_left, w.expired) for w in warnings] == [
        ("INV-GONE", date(2023, 12, 1), -62, True),
        ("INV-SOON", date(2024, 4, 1), 60, False),
    ]
    assert warnings[1].jurisdiction == "default" and warnings[1].outstanding == Decimal("100.00")


def test_a_confirmed_statement_silences_the_warning() -> None:
    restart = LimitationRestart("INV-1", "confirmed_statement", date(2024, 1, 15))
    assert limitation_warnings([claim()], date(2024, 2, 1), 90, [restart]) == ()
    assert len(limitation_warnings([claim()], date(2024, 2, 1), 90)) == 1


@pytest.mark.parametrize("within", [-1, 1.5, True])
def test_a_bad_warning_window_is_refused(within: object) -> None:
    with pytest.raises(InvalidParameter, match="within_days must be a whole number"):
        limitation_warnings([claim()], date(2024, 2, 1), within)  # type: ignore[arg-type]


def test_the_first_day_close_closes_just_that_day() -> None:
    assert days_to_close(None, date(2024, 3, 1)) == (date(2024, 3, 1),)


def test_a_day_close_catches_up_every_day_since_the_last() -> None:
    assert days_to_close(date(2024, 2, 27), date(2024, 3, 1)) == (
        date(2024, 2, 28),
        date(2024, 2, 29),
        date(2024, 3, 1),
    )


def test_closing_the_same_day_again_does_nothing() -> None:
    assert days_to_close(date(2024, 3, 1), date(2024, 3, 1)) == ()


def test_a_day_close_never_goes_backwards() -> None:
    with pytest.raises(DayCloseBackwards) as caught:
        days_to_close(date(2024, 3, 1), date(2024, 2, 28))
    assert caught.value.status == 409
    assert caught.value.detail == "cannot close 2024-02-28: the ledger is already closed through 2024-03-01"
