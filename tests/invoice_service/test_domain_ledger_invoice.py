"""An invoice's figures as of a date, and the posting rules that keep them right."""

from datetime import date, timedelta
from decimal import Decimal

import pytest

from arflow_invoice.domain import (
    Allocation,
    CurrencyMismatch,
    DisputeNotFound,
    DuplicateDocument,
    ExceedsOutstanding,
    Instalment,
    InvalidDate,
    InvalidInput,
    InvalidState,
    InvoiceState,
    InvoiceStatus,
    OverAllocation,
    UnknownInvoice,
    issue_invoice,
    open_dispute,
    post_allocations,
    post_charge,
    post_credit_note,
    post_write_off,
    resolve_dispute,
    write_off_balance,
)

ISSUED = date(2024, 1, 10)
DUE = date(2024, 2, 9)


def invoice(amount: str = "100.00", **kwargs: object) -> InvoiceState:
    return issue_invoice("INV-1", "C1", "EUR", Decimal(amount), ISSUED, due_date=DUE, **kwargs)  # type: ignore[arg-type]


def pay(inv: InvoiceState, amount: str, on: date, part: str = "principal", ref: str = "P1") -> InvoiceState:
    return post_allocations(inv, ref, "EUR", on, [Allocation("INV-1", part, Decimal(amount))])  # type: ignore[arg-type]


def test_a_new_invoice_is_open_for_its_full_amount() -> None:
    inv = invoice()
    assert inv.outstanding(ISSUED) == Decimal("100.00")
    assert inv.status(ISSUED) is InvoiceStatus.OPEN
    assert inv.paid_date(ISSUED) is None and inv.days_late(ISSUED) is None


def test_an_invoice_owes_nothing_before_it_was_issued() -> None:
    inv = invoice()
    assert inv.outstanding(ISSUED - timedelta(days=1)) == 0
    assert inv.open_entries(ISSUED - timedelta(days=1)) == ()


def test_status_before_issue_says_the_invoice_did_not_exist_yet() -> None:
    with pytest.raises(InvalidDate, match="invoice INV-1 was issued on 2024-01-10, after 2024-01-09"):
        invoice().status(date(2024, 1, 9))


def test_outstanding_is_amount_plus_charges_minus_allocations_credit_notes_and_write_offs() -> None:
    inv = invoice()
    inv = post_charge(inv, "FEE-1", "fees", Decimal("5"), date(2024, 2, 20))
    inv = post_charge(inv, "INT-1", "interest", Decimal("1.25"), date(2024, 2, 25))
    inv = pay(inv, "20", date(2024, 3, 1))
    inv = pay(inv, "5", date(2024, 3, 1), part="fees")
    inv = post_credit_note(inv, "CN-1", Decimal("10"), date(2024, 3, 2))
    inv = post_write_off(inv, "WO-1", Decimal("1.25"), date(2024, 3, 3), part="interest")
    assert inv.outstanding(date(2024, 3, 3)) == Decimal("100") + 5 + Decimal("1.25") - 25 - 10 - Decimal(
        "1.25"
    )
    by_part = inv.outstanding_by_part(date(2024, 3, 3))
    assert (by_part.fees, by_part.interest, by_part.principal) == (0, 0, Decimal("70.00"))


def test_outstanding_as_of_a_past_date_counts_only_documents_dated_by_then() -> None:
    inv = pay(pay(invoice(), "30", date(2024, 2, 1)), "70", date(2024, 3, 1), ref="P2")
    assert inv.outstanding(date(2024, 1, 31)) == Decimal("100.00")
    assert inv.outstanding(date(2024, 2, 1)) == Decimal("70.00")
    assert inv.outstanding(date(2024, 2, 29)) == Decimal("70.00")
    assert inv.outstanding(date(2024, 3, 1)) == 0


def test_status_follows_payments_disputes_and_write_offs() -> None:
    inv = pay(invoice(), "30", date(2024, 2, 1))
    assert inv.status(date(2024, 2, 1)) is InvoiceStatus.PARTIALLY_PAID
    inv = open_dispute(inv, "D1", Decimal("20"), date(2024, 2, 5), "quality")
    assert inv.status(date(2024, 2, 5)) is InvoiceStatus.DISPUTED
    assert inv.status(date(2024, 2, 4)) is InvoiceStatus.PARTIALLY_PAID
    inv = write_off_balance(inv, "WO-1", date(2024, 6, 1), "insolvency")
    assert inv.status(date(2024, 6, 1)) is InvoiceStatus.WRITTEN_OFF
    assert inv.paid_date(date(2024, 6, 1)) is None


def test_a_credit_note_alone_makes_an_invoice_partially_settled() -> None:
    inv = post_credit_note(invoice(), "CN-1", Decimal("10"), date(2024, 1, 20))
    assert inv.status(date(2024, 1, 20)) is InvoiceStatus.PARTIALLY_PAID


def test_paid_date_days_late_and_days_to_settle_follow_the_settling_payment() -> None:
    inv = pay(pay(invoice(), "40", date(2024, 2, 1)), "60", date(2024, 2, 14), ref="P2")
    assert inv.status(date(2024, 2, 14)) is InvoiceStatus.PAID
    assert inv.paid_date(date(2024, 2, 14)) == date(2024, 2, 14)
    assert inv.days_late(date(2024, 2, 14)) == 5
    assert inv.days_to_settle(date(2024, 2, 14)) == 35
    assert inv.paid_date(date(2024, 2, 13)) is None


def test_an_invoice_paid_early_is_zero_days_late() -> None:
    inv = pay(invoice(), "100", date(2024, 1, 15))
    assert inv.days_late(date(2024, 12, 31)) == 0
    assert inv.days_to_settle(date(2024, 12, 31)) == 5


@pytest.mark.parametrize(
    ("as_of", "days"),
    [(DUE - timedelta(days=1), 0), (DUE, 0), (DUE + timedelta(days=1), 1), (DUE + timedelta(days=45), 45)],
)
def test_an_invoice_is_overdue_from_the_day_after_its_due_date(as_of: date, days: int) -> None:
    inv = invoice()
    assert inv.days_overdue(as_of) == days
    assert inv.is_overdue(as_of) is (days > 0)


def test_a_paid_invoice_is_not_overdue() -> None:
    inv = pay(invoice(), "100", date(2024, 3, 1))
    assert inv.days_overdue(date(2024, 2, 29)) == 20
    assert inv.days_overdue(date(2024, 3, 1)) == 0


def test_an_instalment_invoice_is_overdue_from_its_earliest_unpaid_instalment() -> None:
    plan = [Instalment(date(2024, 2, 1), Decimal("40")), Instalment(date(2024, 3, 1), Decimal("60"))]
    inv = issue_invoice("INV-1", "C1", "EUR", Decimal("100"), ISSUED, instalments=plan)
    assert inv.due_date == date(2024, 3, 1)
    assert inv.days_overdue(date(2024, 2, 10)) == 9
    inv = pay(inv, "40", date(2024, 2, 10))
    assert inv.days_overdue(date(2024, 2, 10)) == 0
    assert [(e.due_date, e.amount) for e in inv.open_entries(date(2024, 2, 10))] == [
        (date(2024, 3, 1), Decimal("60.00"))
    ]


def test_issuing_with_terms_sets_due_date_and_discount() -> None:
    inv = issue_invoice("INV-2", "C1", "USD", Decimal("500"), date(2024, 1, 31), payment_terms="2/10 NET 30")
    assert inv.due_date == date(2024, 3, 1)
    assert inv.discount_available(date(2024, 2, 10)) == Decimal("10.00")
    assert inv.discount_available(date(2024, 2, 11)) == 0


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"due_date": date(2024, 1, 9)}, InvalidDate, "due date 2024-01-09 is before issue date 2024-01-10"),
        ({}, InvalidInput, "give a due_date, payment_terms or instalments"),
        (
            {"payment_terms": "NET30", "due_date": date(2024, 2, 1)},
            InvalidDate,
            "due date 2024-02-01 does not match payment terms NET30, which make it due on 2024-02-09",
        ),
        (
            {"instalments": [Instalment(DUE, Decimal("100"))], "due_date": DUE},
            InvalidInput,
            "give instalments or a due date / payment terms, not both",
        ),
    ],
)
def test_issuing_an_invoice_without_a_sound_due_date_is_refused(
    kwargs: dict[str, object], error: type[Exception], message: str
) -> None:
    with pytest.raises(error) as caught:
        issue_invoice("INV-1", "C1", "EUR", Decimal("100"), ISSUED, **kwargs)  # type: ignore[arg-type]
    assert message in str(caught.value)


@pytest.mark.parametrize(
    ("number", "customer", "message"),
    [
        ("", "C1", "invoice_number must be a non-empty text"),
        ("INV-1", "  ", "customer_id must be a non-empty"),
    ],
)
def test_an_invoice_needs_a_number_and_a_customer(number: str, customer: str, message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        issue_invoice(number, customer, "EUR", Decimal("1"), ISSUED, due_date=DUE)


def test_paying_more_than_a_part_owes_is_refused_naming_invoice_and_amounts() -> None:
    with pytest.raises(OverAllocation) as caught:
        pay(invoice(), "100.01", date(2024, 2, 1))
    assert caught.value.detail == (
        "allocation of 100.01 EUR to the principal of invoice INV-1 exceeds its outstanding 100.00 EUR"
    )


def test_paying_fees_that_were_never_charged_is_refused() -> None:
    with pytest.raises(OverAllocation, match="to the fees of invoice INV-1 exceeds its outstanding 0.00 EUR"):
        pay(invoice(), "1", date(2024, 2, 1), part="fees")


def test_a_backdated_payment_may_not_take_what_a_later_payment_already_took() -> None:
    inv = pay(invoice(), "80", date(2024, 3, 1))
    with pytest.raises(OverAllocation, match="exceeds its outstanding 20.00 EUR"):
        pay(inv, "30", date(2024, 2, 1), ref="P0")


def test_an_allocation_in_another_currency_is_refused() -> None:
    with pytest.raises(CurrencyMismatch) as caught:
        post_allocations(
            invoice(), "P1", "USD", date(2024, 2, 1), [Allocation("INV-1", "principal", Decimal("1"))]
        )
    assert (
        caught.value.detail == "payment P1 is in USD but invoice INV-1 is in EUR; amounts are not converted"
    )


def test_an_allocation_for_another_invoice_is_refused() -> None:
    with pytest.raises(UnknownInvoice, match="allocation names invoice INV-2, not INV-1"):
        post_allocations(
            invoice(), "P1", "EUR", date(2024, 2, 1), [Allocation("INV-2", "principal", Decimal("1"))]
        )


@pytest.mark.parametrize(
    ("post", "message"),
    [
        (
            lambda i: pay(i, "1", date(2024, 1, 9)),
            "allocation of payment P1 is dated 2024-01-09, before invoice INV-1",
        ),
        (
            lambda i: post_credit_note(i, "CN-1", Decimal("1"), date(2024, 1, 1)),
            "credit note CN-1 is dated 2024-01-01, before invoice INV-1 was issued on 2024-01-10",
        ),
        (
            lambda i: post_charge(i, "F1", "fees", Decimal("1"), date(2023, 12, 1)),
            "charge F1 is dated 2023-12-01",
        ),
        (
            lambda i: post_write_off(i, "W1", Decimal("1"), date(2024, 1, 1)),
            "write-off W1 is dated 2024-01-01",
        ),
    ],
)
def test_no_document_may_be_dated_before_its_invoice(post: object, message: str) -> None:
    with pytest.raises(InvalidDate, match=message):
        post(invoice())  # type: ignore[operator]


def test_a_credit_note_larger_than_the_principal_owed_is_refused() -> None:
    inv = pay(invoice(), "90", date(2024, 2, 1))
    with pytest.raises(ExceedsOutstanding) as caught:
        post_credit_note(inv, "CN-1", Decimal("15"), date(2024, 2, 2))
    assert caught.value.detail == (
        "credit note CN-1 of 15.00 EUR exceeds the principal outstanding on invoice INV-1 "
        "(10.00 EUR as of 2024-02-02)"
    )


def test_a_write_off_larger_than_the_part_owed_is_refused() -> None:
    with pytest.raises(ExceedsOutstanding, match="write-off W1 of 100.01 EUR exceeds the principal"):
        post_write_off(invoice(), "W1", Decimal("100.01"), date(2024, 6, 1))


def test_the_same_document_reference_twice_is_a_conflict() -> None:
    inv = post_credit_note(invoice(), "CN-1", Decimal("1"), date(2024, 2, 1))
    with pytest.raises(DuplicateDocument) as caught:
        post_credit_note(inv, "CN-1", Decimal("1"), date(2024, 2, 1))
    assert caught.value.status == 409
    assert caught.value.detail == "credit note CN-1 is already posted on invoice INV-1"


def test_a_charge_must_be_fees_or_interest_and_not_due_before_posting() -> None:
    with pytest.raises(InvalidInput, match="charge kind must be 'fees' or 'interest', got 'costs'"):
        post_charge(invoice(), "F1", "costs", Decimal("1"), date(2024, 3, 1))  # type: ignore[arg-type]
    with pytest.raises(InvalidDate, match="charge F1 falls due on 2024-02-01, before it was posted"):
        post_charge(invoice(), "F1", "fees", Decimal("1"), date(2024, 3, 1), date(2024, 2, 1))


def test_writing_off_the_balance_clears_every_part() -> None:
    inv = post_charge(invoice(), "F1", "fees", Decimal("5"), date(2024, 3, 1))
    inv = write_off_balance(inv, "WO-1", date(2024, 6, 1))
    assert inv.outstanding(date(2024, 6, 1)) == 0
    assert {w.part for w in inv.write_offs} == {"fees", "principal"}
    with pytest.raises(
        InvalidState, match="invoice INV-1 has nothing outstanding to write off on 2024-06-02"
    ):
        write_off_balance(inv, "WO-2", date(2024, 6, 2))


def test_a_dispute_may_not_exceed_the_undisputed_outstanding() -> None:
    inv = open_dispute(invoice(), "D1", Decimal("60"), date(2024, 2, 1), "price")
    with pytest.raises(ExceedsOutstanding) as caught:
        open_dispute(inv, "D2", Decimal("50"), date(2024, 2, 2), "quality")
    assert caught.value.detail == (
        "dispute D2 of 50.00 EUR exceeds the undisputed outstanding of invoice INV-1 "
        "(40.00 EUR on 2024-02-02)"
    )


def test_a_dispute_resolved_as_valid_credits_the_disputed_amount() -> None:
    inv = open_dispute(invoice(), "D1", Decimal("30"), date(2024, 2, 1), "price")
    assert inv.disputed_amount(date(2024, 2, 1)) == Decimal("30.00")
    inv = resolve_dispute(inv, "D1", date(2024, 2, 20), valid=True, credit_note_number="CN-D1")
    assert inv.outstanding(date(2024, 2, 20)) == Decimal("70.00")
    assert inv.credit_notes[0].number == "CN-D1"
    assert inv.status(date(2024, 2, 20)) is InvoiceStatus.PARTIALLY_PAID
    assert inv.disputed_amount(date(2024, 2, 20)) == 0


def test_a_dispute_resolved_as_invalid_returns_the_amount_to_collection() -> None:
    inv = open_dispute(invoice(), "D1", Decimal("30"), date(2024, 2, 1), "price")
    inv = resolve_dispute(inv, "D1", date(2024, 2, 20), valid=False)
    assert inv.outstanding(date(2024, 2, 20)) == Decimal("100.00")
    assert inv.status(date(2024, 2, 20)) is InvoiceStatus.OPEN
    assert inv.status(date(2024, 2, 19)) is InvoiceStatus.DISPUTED


@pytest.mark.parametrize(
    ("reference", "when", "valid", "note", "error", "message"),
    [
        ("D9", date(2024, 2, 2), False, None, DisputeNotFound, "invoice INV-1 has no dispute 'D9'"),
        (
            "D1",
            date(2024, 1, 31),
            False,
            None,
            InvalidDate,
            "cannot be resolved on 2024-01-31, before it was opened",
        ),
        (
            "D1",
            date(2024, 2, 2),
            True,
            None,
            InvalidInput,
            "issues a credit note of 30.00 EUR: give its credit_note_number",
        ),
    ],
)
def test_resolving_a_dispute_wrongly_says_why(
    reference: str, when: date, valid: bool, note: str | None, error: type[Exception], message: str
) -> None:
    inv = open_dispute(invoice(), "D1", Decimal("30"), date(2024, 2, 1), "price")
    with pytest.raises(error, match=message):
        resolve_dispute(inv, reference, when, valid, note)


def test_a_dispute_cannot_be_resolved_twice() -> None:
    inv = open_dispute(invoice(), "D1", Decimal("30"), date(2024, 2, 1), "price")
    inv = resolve_dispute(inv, "D1", date(2024, 2, 2), valid=False)
    with pytest.raises(
        InvalidState, match="dispute D1 on invoice INV-1 was already resolved \\(invalid\\) on 2024-02-02"
    ):
        resolve_dispute(inv, "D1", date(2024, 2, 3), valid=True, credit_note_number="CN")
