"""Looking up contracts, rejecting what does not match them, and wrapping payloads."""

from datetime import date
from decimal import Decimal

import pytest

from arflow_contracts import (
    PLATFORM_CUSTOMER_ID,
    EventEnvelope,
    InvalidEvent,
    UnknownEvent,
    contract_for,
    parse_data,
    personal_fields,
    register,
    wrap,
)
from arflow_contracts.credit import CustomerProfileChangedV1
from arflow_contracts.ledger import BusinessDayClosedV1, InvoiceIssuedV1, InvoicePaidV1

PAID = {
    "invoice_number": "INV-1",
    "customer_id": "C-1",
    "amount": "100.00",
    "currency": "EUR",
    "issue_date": "2024-01-01",
    "due_date": "2024-01-31",
    "paid_date": "2024-02-10",
    "days_late": 10,
    "days_to_settle": 40,
}


def _envelope(event_type: str, version: int, data: dict[str, object]) -> EventEnvelope:
    return EventEnvelope(
        event_type=event_type,
        event_version=version,
        producer="test",
        customer_id="C-1",
        correlation_id="corr-1",
        data=data,
    )


def test_contract_for_finds_a_registered_version() -> None:
    assert contract_for("InvoicePaid", 1) is InvoicePaidV1


@pytest.mark.parametrize(("event_type", "version"), [("InvoiceLost", 1), ("InvoicePaid", 99)])
def test_unknown_type_or_version_is_an_unknown_event(event_type: str, version: int) -> None:
    with pytest.raises(UnknownEvent):
        parse_data(_envelope(event_type, version, PAID))


def test_valid_data_parses_into_its_model() -> None:
    paid = parse_data(_envelope("InvoicePaid", 1, PAID))

    assert isinstance(paid, InvoicePaidV1)
    assert paid.amount == Decimal("100.00")


@pytest.mark.parametrize(
    "change",
    [
        {"amount": None},
        {"currency": "euro"},
        {"amount": "-5"},
        {"paid_date": "not a date"},
        {"days_late": 3},  # contradicts max(0, paid_date - due_date)
        {"days_to_settle": 0},  # contradicts paid_date - issue_date
    ],
    ids=["missing", "bad-currency", "negative", "bad-date", "wrong-days-late", "wrong-settle"],
)
def test_data_that_breaks_its_contract_is_an_invalid_event(change: dict[str, object]) -> None:
    data = {key: value for key, value in {**PAID, **change}.items() if value is not None}

    with pytest.raises(InvalidEvent):
        parse_data(_envelope("InvoicePaid", 1, data))


def test_unknown_fields_are_ignored_so_adding_a_field_stays_compatible() -> None:
    paid = parse_data(_envelope("InvoicePaid", 1, {**PAID, "added_later": "x"}))

    assert isinstance(paid, InvoicePaidV1)


def test_wrap_takes_the_envelope_customer_id_from_the_payload() -> None:
    invoice = InvoiceIssuedV1.model_validate(
        {
            "invoice_number": "INV-1",
            "customer_id": "C-1",
            "currency": "EUR",
            "amount": "10",
            "issue_date": "2024-01-01",
            "due_date": "2024-01-31",
        }
    )

    assert wrap(invoice, producer="invoice-service").customer_id == "C-1"
    with pytest.raises(ValueError, match="belongs under"):
        wrap(invoice, customer_id="C-2", producer="invoice-service")


def test_platform_wide_events_travel_under_the_reserved_customer_id() -> None:
    closed = BusinessDayClosedV1(business_date=date(2024, 3, 31))

    assert wrap(closed, producer="invoice-service").customer_id == PLATFORM_CUSTOMER_ID == "_platform"


def test_registering_another_model_under_a_taken_name_fails() -> None:
    class Impostor(InvoicePaidV1):
        """Same type and version as InvoicePaidV1."""

    with pytest.raises(ValueError, match="registered twice"):
        register(Impostor)


def test_contact_details_are_marked_as_personal_data() -> None:
    assert {"email", "phone"} <= personal_fields(CustomerProfileChangedV1)
    assert "name" not in personal_fields(CustomerProfileChangedV1)
    schema = CustomerProfileChangedV1.model_json_schema()
    assert schema["properties"]["email"]["x-personal-data"] is True
