"""Late interest by day-count convention, fees, and rounding to the currency's minor unit."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from arflow_dunning.domain import (
    STANDARD_FEE,
    DayCount,
    Fee,
    InterestTerms,
    InvalidChargeInput,
    InvalidPolicy,
    LateInterest,
    accrual_days,
    fee_amount,
    interest_terms,
    late_interest,
    round_money,
)


@pytest.mark.parametrize(
    ("start", "end", "days"),
    [
        (date(2024, 1, 31), date(2024, 3, 1), 31),
        (date(2024, 1, 30), date(2024, 3, 31), 60),
        (date(2024, 1, 31), date(2024, 3, 31), 60),
        (date(2024, 1, 15), date(2024, 3, 31), 76),
        (date(2024, 2, 28), date(2024, 3, 31), 33),
        (date(2023, 12, 15), date(2024, 1, 15), 30),
    ],
)
def test_thirty_360_counts_days_by_the_bond_basis(start: date, end: date, days: int) -> None:
    assert accrual_days(start, end, DayCount.THIRTY_360) == days


def test_actual_conventions_count_calendar_days_across_a_leap_day() -> None:
    start, end = date(2024, 2, 1), date(2024, 3, 1)
    assert accrual_days(start, end, DayCount.ACT_360) == 29
    assert accrual_days(start, end, DayCount.ACT_365) == 29


@pytest.mark.parametrize(
    ("convention", "expected"),
    [(DayCount.ACT_360, "75.00"), (DayCount.ACT_365, "73.97"), (DayCount.THIRTY_360, "75.00")],
)
def test_interest_is_principal_times_rate_times_days_over_the_basis(
    convention: DayCount, expected: str
) -> None:
    terms = InterestTerms(Decimal("0.09"), convention)
    interest = late_interest(Decimal("10000"), "EUR", terms, date(2024, 4, 1), date(2024, 5, 1))
    assert interest == Decimal(expected)


def test_interest_rounds_half_up_to_the_minor_unit() -> None:
    terms = InterestTerms(Decimal("0.05"), DayCount.ACT_360)
    # 36 × 0.05 × 1 / 360 = 0.005 exactly: half-up gives a cent, half-even would not.
    assert late_interest(Decimal("36"), "EUR", terms, date(2024, 1, 1), date(2024, 1, 2)) == Decimal("0.01")


@pytest.mark.parametrize(("currency", "expected"), [("JPY", "14"), ("KWD", "13.699"), ("EUR", "13.70")])
def test_interest_respects_the_currency_minor_unit(currency: str, expected: str) -> None:
    terms = InterestTerms(Decimal("0.05"), DayCount.ACT_365)
    interest = late_interest(Decimal("100000"), currency, terms, date(2024, 1, 1), date(2024, 1, 2))
    assert interest == Decimal(expected)


def test_no_interest_on_or_before_the_due_date() -> None:
    terms = InterestTerms(Decimal("0.08"), DayCount.ACT_365)
    due = date(2024, 1, 31)
    for as_of in (due - timedelta(days=1), due):
        assert late_interest(Decimal("1000"), "EUR", terms, due, as_of) == Decimal("0.00")


def test_interest_runs_from_the_last_charge_date_when_there_is_one() -> None:
    terms = InterestTerms(Decimal("0.0365"), DayCount.ACT_365)
    due, charged, as_of = date(2024, 1, 1), date(2024, 1, 11), date(2024, 1, 21)
    assert late_interest(Decimal("1000"), "EUR", terms, due, as_of, charged) == Decimal("1.00")
    assert late_interest(Decimal("1000"), "EUR", terms, due, charged, as_of) == Decimal("0.00")


@settings(max_examples=200)
@given(
    principal=st.decimals(min_value=0, max_value=10**7, places=2),
    rate=st.decimals(min_value=0, max_value=1, places=4),
    first=st.integers(0, 400),
    second=st.integers(0, 400),
    convention=st.sampled_from([DayCount.ACT_360, DayCount.ACT_365]),
)
def test_charging_in_two_steps_matches_one_step_within_rounding(
    principal: Decimal, rate: Decimal, first: int, second: int, convention: DayCount
) -> None:
    terms = InterestTerms(rate, convention)
    due = date(2024, 1, 1)
    middle, end = due + timedelta(days=first), due + timedelta(days=first + second)
    split = late_interest(principal, "EUR", terms, due, middle) + late_interest(
        principal, "EUR", terms, due, end, middle
    )
    whole = late_interest(principal, "EUR", terms, due, end)
    assert abs(split - whole) <= Decimal("0.01")


def test_negative_inputs_are_rejected() -> None:
    terms = InterestTerms(Decimal("0.08"), DayCount.ACT_365)
    with pytest.raises(InvalidChargeInput):
        late_interest(Decimal("-1"), "EUR", terms, date(2024, 1, 1), date(2024, 2, 1))
    with pytest.raises(InvalidChargeInput):
        InterestTerms(Decimal("-0.01"), DayCount.ACT_365)
    with pytest.raises(InvalidChargeInput):
        InterestTerms(Decimal("0.01"), "ACT/ACT")  # type: ignore[arg-type]


def test_the_contract_rate_and_day_count_win_over_the_fallback() -> None:
    action = LateInterest(fallback_rate=Decimal("0.05"))
    assert interest_terms(action, Decimal("0.09"), "30/360") == InterestTerms(
        Decimal("0.09"), DayCount.THIRTY_360
    )
    assert interest_terms(action, None, None) == InterestTerms(Decimal("0.05"), DayCount.ACT_365)
    assert interest_terms(LateInterest(), None, "ACT/360") is None


def test_the_fee_is_the_contracts_else_the_policys_for_the_currency() -> None:
    assert fee_amount(STANDARD_FEE, "EUR") == Decimal("15.00")
    assert fee_amount(STANDARD_FEE, "EUR", Decimal("40")) == Decimal("40.00")
    assert fee_amount(STANDARD_FEE, "JPY") == Decimal("2000")
    assert fee_amount(STANDARD_FEE, "SEK") == Decimal("0.00")


def test_a_fee_table_is_read_only_and_positive() -> None:
    with pytest.raises(TypeError):
        STANDARD_FEE.amounts["EUR"] = Decimal("1")  # type: ignore[index]
    with pytest.raises(InvalidPolicy, match="positive"):
        Fee({"EUR": Decimal("0")})


def test_round_money_is_half_up() -> None:
    assert round_money(Decimal("2.345"), "EUR") == Decimal("2.35")
    assert round_money(Decimal("2.5"), "JPY") == Decimal("3")
