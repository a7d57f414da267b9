"""Payment terms: codes become due dates, discounts and instalments; bad codes say how to write them."""

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from arflow_invoice.domain import (
    DiscountTerms,
    EndOfMonthTerms,
    Instalment,
    InvalidAmount,
    InvalidDate,
    InvalidPaymentTerms,
    NetTerms,
    due_schedule,
    end_of_month,
    parse_terms,
    split_instalments,
    validate_due_date,
    validate_instalments,
)


@pytest.mark.parametrize(
    ("code", "terms"),
    [
        ("NET30", NetTerms(30)),
        ("net 30", NetTerms(30)),
        ("  Net  45 ", NetTerms(45)),
        ("NET0", NetTerms(0)),
        ("EOM", EndOfMonthTerms(0)),
        ("EOM+15", EndOfMonthTerms(15)),
        ("eom + 30", EndOfMonthTerms(30)),
        ("2/10 NET 30", DiscountTerms(Decimal("2"), 10, 30)),
        ("2/10 net30", DiscountTerms(Decimal("2"), 10, 30)),
        ("2/10, N 30", DiscountTerms(Decimal("2"), 10, 30)),
        ("1.5%/15 NET 45", DiscountTerms(Decimal("1.5"), 15, 45)),
    ],
)
def test_terms_codes_parse_whatever_their_case_and_spacing(code: str, terms: object) -> None:
    assert parse_terms(code) == terms


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("", "payment terms code is empty; use NET<days> (NET30)"),
        ("   ", "payment terms code is empty"),
        ("NET-30", "unknown payment terms code 'NET-30'; use NET<days> (NET30), EOM+<days>"),
        ("30 days", "unknown payment terms code '30 days'"),
        ("EOM-5", "unknown payment terms code 'EOM-5'"),
        ("NET999", "net days must be between 0 and 730, got 999"),
        ("EOM+1000", "days after end of month must be between 0 and 730, got 1000"),
        ("2/40 NET 30", "the discount period (40 days) must not end after the net due date (30 days)"),
        ("0/10 NET 30", "discount percent must be a Decimal above 0 and below 100"),
        ("100/10 NET 30", "discount percent must be a Decimal above 0 and below 100"),
    ],
)
def test_a_bad_terms_code_is_refused_saying_how_to_write_one(code: str, message: str) -> None:
    with pytest.raises(InvalidPaymentTerms) as caught:
        parse_terms(code)
    assert message in caught.value.detail
    assert caught.value.status == 422


def test_a_terms_code_that_is_not_text_is_refused() -> None:
    with pytest.raises(InvalidPaymentTerms, match="empty"):
        parse_terms(None)


def test_terms_built_in_code_with_fractional_days_are_refused() -> None:
    with pytest.raises(InvalidPaymentTerms, match="whole number of days"):
        NetTerms(30.5)  # type: ignore[arg-type]


def test_net_terms_fall_due_the_given_days_after_issue() -> None:
    assert parse_terms("NET30").due_date(date(2024, 1, 31)) == date(2024, 3, 1)
    assert parse_terms("NET30").due_date(date(2023, 1, 31)) == date(2023, 3, 2)
    assert parse_terms("NET0").due_date(date(2024, 5, 5)) == date(2024, 5, 5)


@pytest.mark.parametrize(
    ("issued", "code", "due"),
    [
        (date(2024, 2, 10), "EOM", date(2024, 2, 29)),
        (date(2023, 2, 10), "EOM", date(2023, 2, 28)),
        (date(2024, 2, 29), "EOM+1", date(2024, 3, 1)),
        (date(2023, 2, 28), "EOM+1", date(2023, 3, 1)),
        (date(2100, 2, 1), "EOM", date(2100, 2, 28)),
        (date(2000, 2, 1), "EOM", date(2000, 2, 29)),
        (date(2024, 1, 31), "EOM+30", date(2024, 3, 1)),
        (date(2023, 12, 5), "EOM+15", date(2024, 1, 15)),
        (date(2024, 4, 30), "EOM+0", date(2024, 4, 30)),
    ],
)
def test_end_of_month_terms_count_from_the_last_day_of_the_issue_month(
    issued: date, code: str, due: date
) -> None:
    assert parse_terms(code).due_date(issued) == due


def test_end_of_month_knows_leap_years() -> None:
    assert end_of_month(date(2024, 2, 1)) == date(2024, 2, 29)
    assert end_of_month(date(1900, 2, 1)) == date(1900, 2, 28)


def test_a_discount_schedule_has_a_discount_date_and_amount() -> None:
    schedule = due_schedule("2/10 NET 30", date(2024, 2, 20), Decimal("1234.56"), "EUR")
    assert schedule.due_date == date(2024, 3, 21)
    assert schedule.discount_date == date(2024, 3, 1)
    assert schedule.discount_amount == Decimal("24.69")


def test_a_discount_is_rounded_to_the_currency() -> None:
    assert due_schedule("3/10 NET 30", date(2024, 1, 1), Decimal("1999"), "JPY").discount_amount == 60
    assert str(due_schedule("1.5/10 NET 30", date(2024, 1, 1), Decimal("10.001"), "KWD").discount_amount) == (
        "0.150"
    )


def test_net_terms_have_no_discount() -> None:
    schedule = due_schedule(NetTerms(14), date(2024, 1, 1), Decimal("10"), "EUR")
    assert schedule.discount_date is None and schedule.discount_amount is None


def test_a_schedule_refuses_a_bad_amount() -> None:
    with pytest.raises(InvalidAmount, match="greater than zero"):
        due_schedule("NET30", date(2024, 1, 1), Decimal("0"), "EUR")


def test_a_due_date_before_the_issue_date_is_refused_with_both_dates() -> None:
    with pytest.raises(InvalidDate) as caught:
        validate_due_date(date(2024, 3, 1), date(2024, 2, 28))
    assert caught.value.detail == "due date 2024-02-28 is before issue date 2024-03-01"
    assert validate_due_date(date(2024, 3, 1), date(2024, 3, 1)) == date(2024, 3, 1)


def test_instalments_split_evenly_and_the_last_absorbs_the_remainder() -> None:
    dates = [date(2024, 2, 1), date(2024, 3, 1), date(2024, 4, 1)]
    plan = split_instalments(Decimal("100.00"), "EUR", dates)
    assert [i.amount for i in plan] == [Decimal("33.33"), Decimal("33.33"), Decimal("33.34")]
    assert [i.due_date for i in plan] == dates


def test_instalments_split_by_weights_in_whole_yen() -> None:
    plan = split_instalments(Decimal("1000"), "JPY", [date(2024, 2, 1), date(2024, 3, 1)], [1, 2])
    assert [i.amount for i in plan] == [Decimal("333"), Decimal("667")]


@pytest.mark.parametrize(
    ("amount", "dates", "weights", "message"),
    [
        (Decimal("0.02"), 3, None, "0.02 EUR is too small to split into 3 instalments of at least 0.01 EUR"),
        (Decimal("10"), 0, None, "an instalment plan needs at least one due date"),
        (Decimal("10"), 2, [1], "instalment weights must be 2 positive whole numbers"),
        (Decimal("10"), 2, [1, 0], "instalment weights must be 2 positive whole numbers"),
    ],
)
def test_an_impossible_split_is_refused(
    amount: Decimal, dates: int, weights: list[int] | None, message: str
) -> None:
    days = [date(2024, 1, 1 + n) for n in range(dates)]
    with pytest.raises(InvalidPaymentTerms) as caught:
        split_instalments(amount, "EUR", days, weights)
    assert message in caught.value.detail


def test_an_instalment_plan_must_add_up_to_the_invoice() -> None:
    plan = [Instalment(date(2024, 2, 1), Decimal("50")), Instalment(date(2024, 3, 1), Decimal("49.99"))]
    with pytest.raises(InvalidPaymentTerms) as caught:
        validate_instalments(Decimal("100"), "EUR", date(2024, 1, 1), plan)
    assert caught.value.detail == "instalments sum to 99.99 EUR but the invoice amount is 100.00 EUR"


def test_an_instalment_plan_comes_back_sorted_by_due_date() -> None:
    plan = [Instalment(date(2024, 3, 1), Decimal("60")), Instalment(date(2024, 2, 1), Decimal("40"))]
    checked = validate_instalments(Decimal("100"), "EUR", date(2024, 1, 1), plan)
    assert [i.due_date for i in checked] == [date(2024, 2, 1), date(2024, 3, 1)]


@pytest.mark.parametrize(
    ("plan", "error", "message"),
    [
        ([], InvalidPaymentTerms, "needs at least one instalment"),
        ([Instalment(date(2023, 12, 31), Decimal("100"))], InvalidDate, "due date 2023-12-31 is before"),
        (
            [Instalment(date(2024, 2, 1), Decimal("50")), Instalment(date(2024, 2, 1), Decimal("50"))],
            InvalidPaymentTerms,
            "two instalments fall due on the same day: 2024-02-01",
        ),
        ([Instalment(date(2024, 2, 1), Decimal("100.001"))], InvalidAmount, "instalment due 2024-02-01"),
        ([Instalment(date(2024, 2, 1), Decimal("-1"))], InvalidAmount, "must be greater than zero"),
    ],
)
def test_a_bad_instalment_plan_says_what_is_wrong(
    plan: list[Instalment], error: type[Exception], message: str
) -> None:
    with pytest.raises(error) as caught:
        validate_instalments(Decimal("100"), "EUR", date(2024, 1, 1), plan)
    assert message in str(caught.value)


@settings(max_examples=200)
@given(
    cents=st.integers(min_value=100, max_value=10**9),
    count=st.integers(min_value=1, max_value=12),
    currency=st.sampled_from(["EUR", "JPY", "KWD"]),
)
def test_any_split_sums_to_the_invoice_and_validates(cents: int, count: int, currency: str) -> None:
    amount = Decimal(cents).scaleb(-{"EUR": 2, "JPY": 0, "KWD": 3}[currency])
    dates = [date(2024, 1 + n, 1) for n in range(count)]
    plan = split_instalments(amount, currency, dates)
    assert sum(i.amount for i in plan) == amount
    assert all(i.amount > 0 for i in plan)
    assert plan[-1].amount >= plan[0].amount
    assert validate_instalments(amount, currency, date(2024, 1, 1), plan) == plan


@settings(max_examples=200)
@given(
    issued=st.dates(min_value=date(1990, 1, 1), max_value=date(2100, 12, 31)),
    days=st.integers(min_value=0, max_value=730),
)
def test_terms_never_fall_due_before_issue(issued: date, days: int) -> None:
    assert NetTerms(days).due_date(issued) >= issued
    assert EndOfMonthTerms(days).due_date(issued) >= end_of_month(issued) >= issued
