"""Log lines are JSON with ids, and carry no email addresses or phone numbers."""

import pytest
import structlog

from arflow_runtime.log import mask_personal_data, mask_processor


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("reminder to jane.doe@example.com sent", "reminder to <email> sent"),
        ("call +86 138 0013 8000 today", "call <phone> today"),
        ("call (555) 123-4567", "call <phone>"),
        ("fax 030 1234567", "fax <phone>"),
        ("sms to +4915112345678", "sms to <phone>"),
        ("tel:+49 30 1234567.", "tel:<phone>."),
        ("call 030 1234567.", "call <phone>."),
    ],
)
def test_emails_and_phone_numbers_are_masked(text: str, masked: str) -> None:
    assert mask_personal_data(text) == masked


@pytest.mark.parametrize(
    "text",
    [
        "invoice 0000611365",
        "due 2024-01-31",
        "amount 1234.56",
        "total 1,234,567.89",
        "12 34",
        "at 2026-11-22T08:13:15.192708+00:00",
        "at 2026-11-22T08:13:15.192708Z",
        "took 08:13:15.1927",
    ],
)
def test_ids_dates_and_amounts_are_left_alone(text: str) -> None:
    assert mask_personal_data(text) == text


def test_fields_named_like_contact_data_are_redacted_whatever_they_hold() -> None:
    event = mask_processor(
        None,
        "info",
        {
            "event": "x",
            "customer_email": "no-at-sign",
            "phone": "1",
            "nested": {"postal_address": "Main St 1"},
            "invoice": "A-1",
        },
    )
    assert event == {
        "event": "x",
        "customer_email": "<redacted>",
        "phone": "<redacted>",
        "nested": {"postal_address": "<redacted>"},
        "invoice": "A-1",
    }


def test_the_masking_processor_runs_in_the_configured_pipeline() -> None:
    from arflow_runtime.log import configure_logging

    configure_logging()
    processors = structlog.get_config()["processors"]
    assert mask_processor in processors
    assert processors.index(mask_processor) < len(processors) - 1  # before the JSON renderer
