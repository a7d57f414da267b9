"""Ledger errors carry what the API needs to answer with application/problem+json."""

from datetime import date
from decimal import Decimal

import pytest

from arflow_invoice.domain import (
    Conflict,
    CurrencyMismatch,
    DayCloseBackwards,
    DisputeNotFound,
    DocumentConflict,
    DuplicateDocument,
    ExceedsOutstanding,
    InvalidAmount,
    InvalidDate,
    InvalidInput,
    InvalidParameter,
    InvalidPaymentTerms,
    InvalidState,
    InvoiceNotFound,
    LedgerError,
    NotFound,
    OverAllocation,
    UnknownCurrency,
    UnknownInvoice,
)
from arflow_invoice.domain import errors as error_module


def test_an_error_renders_as_a_problem_document_with_strings_for_money_and_dates() -> None:
    error = OverAllocation("too much", invoice_number="INV-1", amount=Decimal("10.50"), on=date(2024, 1, 2))
    assert error.to_problem() == {
        "type": "https://arflow.dev/problems/over-allocation",
        "title": "Over-allocation",
        "status": 422,
        "detail": "too much",
        "invoice_number": "INV-1",
        "amount": "10.50",
        "on": "2024-01-02",
    }
    assert str(error) == "too much"


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (InvalidInput, 422),
        (UnknownCurrency, 422),
        (InvalidAmount, 422),
        (InvalidDate, 422),
        (InvalidPaymentTerms, 422),
        (CurrencyMismatch, 422),
        (UnknownInvoice, 422),
        (OverAllocation, 422),
        (ExceedsOutstanding, 422),
        (InvalidParameter, 422),
        (NotFound, 404),
        (InvoiceNotFound, 404),
        (DisputeNotFound, 404),
        (Conflict, 409),
        (DuplicateDocument, 409),
        (InvalidState, 409),
        (DayCloseBackwards, 409),
    ],
)
def test_each_error_kind_has_its_http_status(error: type[LedgerError], status: int) -> None:
    assert error.status == status


def test_every_error_class_has_its_own_problem_type_and_title() -> None:
    classes: list[type[LedgerError]] = [
        obj for obj in vars(error_module).values() if isinstance(obj, type) and issubclass(obj, LedgerError)
    ]
    assert len({c.problem_type for c in classes}) == len(classes)
    assert all(c.title and c.__doc__ for c in classes)


def test_an_idempotency_clash_names_the_differing_fields() -> None:
    error = DocumentConflict("invoice", "INV-1", ["amount", "due_date"])
    assert error.status == 409
    assert error.detail == (
        "invoice INV-1 already exists with different amount, due_date; "
        "send the same content to repeat the request, or use a new key"
    )
    assert error.to_problem()["fields"] == ["amount", "due_date"]
