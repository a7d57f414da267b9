"""Money is Decimal, carried as a string; a float never gets in."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import TypeAdapter, ValidationError

from arflow_contracts import EventEnvelope, InvalidEvent, parse_data, wrap
from arflow_contracts.ledger import PaymentReceivedV1
from arflow_contracts.money import Amount, NonNegativeAmount, Rate, SignedAmount

amount = TypeAdapter(Amount)


def _payment(value: object) -> PaymentReceivedV1:
    return PaymentReceivedV1.model_validate(
        {
            "payment_reference": "PAY-1",
            "customer_id": "C-1",
            "amount": value,
            "currency": "EUR",
            "received_on": "2024-03-31",
        }
    )


@pytest.mark.parametrize(("value", "expected"), [("12.50", "12.50"), (12, "12"), (Decimal("12.50"), "12.50")])
def test_amount_accepts_decimal_strings_integers_and_decimals(value: object, expected: str) -> None:
    payment = _payment(value)

    assert payment.amount == Decimal(expected)
    assert payment.model_dump(mode="json")["amount"] == expected


@pytest.mark.parametrize("value", [12.5, 0.1, 1e3, True])
def test_amount_rejects_floats_and_bools(value: object) -> None:
    with pytest.raises(ValidationError, match="never a float"):
        _payment(value)


@pytest.mark.parametrize("value", ["1e3", " 12", "12,50", "+1", "NaN", "Infinity", ""])
def test_amount_rejects_strings_that_are_not_plain_decimals(value: str) -> None:
    with pytest.raises(ValidationError):
        amount.validate_python(value)


@pytest.mark.parametrize("value", ["0", "-1", "0.00"])
def test_amount_is_positive(value: str) -> None:
    with pytest.raises(ValidationError):
        amount.validate_python(value)


def test_zero_is_a_non_negative_amount_and_negative_a_signed_one() -> None:
    assert TypeAdapter(NonNegativeAmount).validate_python("0") == 0
    assert TypeAdapter(SignedAmount).validate_python("-3.10") == Decimal("-3.10")
    with pytest.raises(ValidationError):
        TypeAdapter(Rate).validate_python(0.05)


def test_amount_in_exponent_form_is_written_in_fixed_point() -> None:
    assert amount.dump_json(Decimal("1E+3")) == b'"1000"'


@given(st.decimals(min_value=Decimal("0.01"), max_value=Decimal("1e12"), places=4))
def test_any_positive_amount_round_trips_exactly(value: Decimal) -> None:
    wire = amount.dump_json(value)

    assert amount.validate_json(wire) == value
    assert amount.validate_json(wire).as_tuple().exponent == value.as_tuple().exponent


def test_a_float_on_the_wire_is_an_invalid_event() -> None:
    envelope = wrap(_payment("10.00"), producer="test")
    raw = envelope.to_bytes().replace(b'"amount":"10.00"', b'"amount":10.0')

    with pytest.raises(InvalidEvent):
        parse_data(EventEnvelope.from_bytes(raw))
