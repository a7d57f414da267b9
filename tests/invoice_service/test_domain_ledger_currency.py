"""Currencies and amounts: ISO 4217 minor units, and amounts that say what is wrong with them."""

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from arflow_invoice.domain import (
    MINOR_UNITS,
    InvalidAmount,
    UnknownCurrency,
    minor_units,
    quantize,
    validate_amount,
    validate_currency,
)


def test_the_table_holds_at_least_forty_active_currencies() -> None:
    assert len(MINOR_UNITS) >= 40
    assert all(len(code) == 3 and code.isupper() for code in MINOR_UNITS)


@pytest.mark.parametrize(
    ("currency", "places"),
    [
        ("JPY", 0),
        ("KRW", 0),
        ("CLP", 0),
        ("EUR", 2),
        ("USD", 2),
        ("CNY", 2),
        ("GBP", 2),
        ("KWD", 3),
        ("BHD", 3),
        ("TND", 3),
        ("CLF", 4),
    ],
)
def test_each_currency_knows_its_minor_units(currency: str, places: int) -> None:
    assert minor_units(currency) == places


def test_a_valid_amount_comes_back_at_the_currency_precision() -> None:
    assert validate_amount(Decimal("10.5"), "EUR") == Decimal("10.50")
    assert str(validate_amount(Decimal("10.5"), "EUR")) == "10.50"
    assert validate_amount(Decimal("1500"), "JPY") == Decimal("1500")
    assert str(validate_amount(Decimal("1.250"), "KWD")) == "1.250"


def test_trailing_zeros_beyond_the_precision_are_not_extra_decimals() -> None:
    assert str(validate_amount(Decimal("10.5000"), "USD")) == "10.50"
    assert str(validate_amount(Decimal("100.0"), "JPY")) == "100"


def test_amounts_may_arrive_as_strings_or_whole_numbers() -> None:
    assert validate_amount("12.34", "USD") == Decimal("12.34")
    assert validate_amount(7, "USD") == Decimal("7.00")


@pytest.mark.parametrize(
    ("amount", "currency", "message"),
    [
        (Decimal("0"), "EUR", "amount must be greater than zero, got 0 EUR"),
        (Decimal("-5.00"), "EUR", "amount must be greater than zero, got -5.00 EUR"),
        (Decimal("10.005"), "USD", "amount (10.005) has 3 decimal places but USD allows at most 2"),
        (Decimal("100.5"), "JPY", "amount (100.5) has 1 decimal place but JPY allows none"),
        (Decimal("1.2345"), "KWD", "amount (1.2345) has 4 decimal places but KWD allows at most 3"),
        (1.5, "EUR", "not float 1.5"),
        (True, "EUR", "not bool"),
        ("ten", "EUR", "amount 'ten' is not a number"),
        (Decimal("NaN"), "EUR", "must be a finite number"),
        (Decimal("Infinity"), "EUR", "must be a finite number"),
        (None, "EUR", "must be a decimal number"),
        (Decimal("1E+30"), "EUR", "too large"),
    ],
)
def test_a_bad_amount_is_refused_with_what_is_wrong(amount: object, currency: str, message: str) -> None:
    with pytest.raises(InvalidAmount) as caught:
        validate_amount(amount, currency)
    assert message in caught.value.detail
    assert caught.value.status == 422
    assert caught.value.problem_type == "invalid-amount"


def test_the_message_names_what_the_amount_is_for() -> None:
    with pytest.raises(InvalidAmount) as caught:
        validate_amount(Decimal("-1"), "EUR", what="allocation to invoice INV-9")
    assert caught.value.detail.startswith("allocation to invoice INV-9 must be greater than zero")


@pytest.mark.parametrize(
    ("currency", "message"),
    [
        ("XYZ", "unknown currency 'XYZ': not an active ISO 4217 code"),
        ("usd", "did you mean 'USD'? Codes are upper-case"),
        ("", "currency must be a three-letter ISO 4217 code"),
        (None, "currency must be a three-letter ISO 4217 code"),
        ("DEM", "unknown currency 'DEM'"),
        ("XAU", "unknown currency 'XAU'"),
    ],
)
def test_an_unknown_currency_is_refused_by_name(currency: object, message: str) -> None:
    with pytest.raises(UnknownCurrency) as caught:
        validate_currency(currency)
    assert message in caught.value.detail
    assert caught.value.problem_type == "unknown-currency"


def test_an_amount_in_an_unknown_currency_is_refused_for_the_currency() -> None:
    with pytest.raises(UnknownCurrency, match="'ABC'"):
        validate_amount(Decimal("1"), "ABC")


def test_quantize_rounds_half_up_to_the_minor_unit() -> None:
    assert quantize(Decimal("0.125"), "EUR") == Decimal("0.13")
    assert quantize(Decimal("2.5"), "JPY") == Decimal("3")
    assert quantize(Decimal("0.0005"), "KWD") == Decimal("0.001")


@settings(max_examples=200)
@given(
    currency=st.sampled_from(sorted(MINOR_UNITS)),
    units=st.integers(min_value=1, max_value=10**12),
)
def test_any_positive_amount_in_minor_units_is_accepted_unchanged(currency: str, units: int) -> None:
    amount = Decimal(units).scaleb(-MINOR_UNITS[currency])
    assert validate_amount(amount, currency) == amount
