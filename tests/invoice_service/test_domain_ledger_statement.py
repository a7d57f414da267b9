"""Customer statements: opening balance, each document with a running balance, closing balance."""

from datetime import date
from decimal import Decimal

import pytest

from arflow_invoice.domain import (
    CreditSource,
    InvalidAmount,
    InvalidInput,
    InvalidParameter,
    InvoiceState,
    allocate_payment,
    apply_unapplied_credit,
    customer_balance,
    customer_statement,
    issue_invoice,
    post_allocations,
    post_charge,
    post_credit_note,
    receive_credit,
    unapplied_credit,
)


def history() -> tuple[list[InvoiceState], list[CreditSource]]:
    inv1 = issue_invoice("INV-1", "C1", "EUR", Decimal("100"), date(2024, 1, 10), payment_terms="NET30")
    payment = receive_credit("P1", "C1", "EUR", Decimal("150"), date(2024, 2, 1))
    first = allocate_payment(payment.amount, "EUR", [inv1.open_item(date(2024, 2, 1))])
    inv1 = post_allocations(inv1, "P1", "EUR", date(2024, 2, 1), first.for_invoice("INV-1"))
    inv2 = issue_invoice("INV-2", "C1", "EUR", Decimal("80"), date(2024, 2, 15), payment_terms="NET30")
    later = apply_unapplied_credit(first.unapplied, "EUR", [inv2.open_item(date(2024, 3, 1))])
    inv2 = post_allocations(inv2, "P1", "EUR", date(2024, 3, 1), later.for_invoice("INV-2"))
    inv2 = post_charge(inv2, "F1", "fees", Decimal("5"), date(2024, 3, 10))
    other = issue_invoice("INV-9", "C2", "EUR", Decimal("999"), date(2024, 2, 1), payment_terms="NET30")
    return [inv1, inv2, other], [payment]


def test_a_statement_lists_each_document_with_its_running_balance() -> None:
    invoices, credits = history()
    statement = customer_statement(invoices, credits, "C1", "EUR", date(2024, 2, 1), date(2024, 3, 31))
    assert statement.opening_balance == Decimal("100.00")
    assert [(line.line_date, line.kind, line.reference, line.balance) for line in statement.lines] == [
        (date(2024, 2, 1), "payment", "P1", Decimal("-50.00")),
        (date(2024, 2, 15), "invoice", "INV-2", Decimal("30.00")),
        (date(2024, 3, 10), "charge", "F1", Decimal("35.00")),
    ]
    assert statement.closing_balance == Decimal("35.00")
    assert [(i.invoice_number, i.outstanding) for i in statement.open_items] == [("INV-2", Decimal("35.00"))]
    assert statement.unapplied_credit == 0


def test_the_closing_balance_is_open_items_minus_unapplied_credit() -> None:
    invoices, credits = history()
    statement = customer_statement(invoices, credits, "C1", "EUR", date(2024, 1, 1), date(2024, 2, 10))
    assert statement.unapplied_credit == Decimal("50.00")
    assert statement.closing_balance == Decimal("-50.00")
    assert (
        statement.closing_balance
        == sum((i.outstanding for i in statement.open_items), Decimal(0)) - statement.unapplied_credit
    )
    assert statement.open_items == ()


def test_unapplied_credit_and_balance_are_point_in_time() -> None:
    invoices, credits = history()
    assert unapplied_credit(invoices, credits, "C1", "EUR", date(2024, 1, 31)) == 0
    assert unapplied_credit(invoices, credits, "C1", "EUR", date(2024, 2, 29)) == Decimal("50.00")
    assert unapplied_credit(invoices, credits, "C1", "EUR", date(2024, 3, 1)) == 0
    assert customer_balance(invoices, credits, "C1", "EUR", date(2024, 2, 29)) == Decimal("30.00")


def test_credit_notes_on_invoices_and_on_account_are_statement_lines() -> None:
    inv = issue_invoice("INV-1", "C1", "EUR", Decimal("100"), date(2024, 1, 10), payment_terms="NET30")
    inv = post_credit_note(inv, "CN-1", Decimal("10"), date(2024, 1, 20))
    on_account = receive_credit("CN-2", "C1", "EUR", Decimal("5"), date(2024, 1, 21), kind="credit_note")
    statement = customer_statement([inv], [on_account], "C1", "EUR", date(2024, 1, 1), date(2024, 1, 31))
    assert [(line.kind, line.credit) for line in statement.lines][1:] == [
        ("credit_note", Decimal("10.00")),
        ("credit_note", Decimal("5.00")),
    ]
    assert statement.closing_balance == Decimal("85.00")


def test_a_statement_that_ends_before_it_starts_is_refused() -> None:
    invoices, credits = history()
    with pytest.raises(
        InvalidParameter, match="the statement ends on 2024-01-01, before it starts on 2024-02-01"
    ):
        customer_statement(invoices, credits, "C1", "EUR", date(2024, 2, 1), date(2024, 1, 1))


def test_an_allocation_from_an_unknown_payment_is_reported_not_hidden() -> None:
    invoices, _ = history()
    with pytest.raises(
        InvalidInput, match="invoice INV-1 has an allocation from P1, which is not among customer C1's EUR"
    ):
        customer_statement(invoices, [], "C1", "EUR", date(2024, 1, 1), date(2024, 3, 31))


@pytest.mark.parametrize(
    ("args", "error", "message"),
    [
        (
            ("P1", "C1", "EUR", Decimal("0"), date(2024, 1, 1)),
            InvalidAmount,
            "payment P1 must be greater than zero",
        ),
        (
            ("", "C1", "EUR", Decimal("1"), date(2024, 1, 1)),
            InvalidInput,
            "payment reference must be a non-empty text",
        ),
        (("P1", "C1", "EUR", Decimal("1"), date(2024, 1, 1), "gift"), InvalidInput, "credit kind must be"),
    ],
)
def test_a_bad_payment_receipt_is_refused(
    args: tuple[object, ...], error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message):
        receive_credit(*args)  # type: ignore[arg-type]
