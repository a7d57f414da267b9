"""Allocating payments: named invoices first, else oldest due first; the rest stays as credit."""

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from arflow_invoice.domain import (
    CurrencyMismatch,
    CustomerMismatch,
    InvalidAmount,
    InvalidInput,
    InvalidParameter,
    OpenItem,
    OverAllocation,
    PartAmounts,
    RequestedAllocation,
    UnknownCurrency,
    UnknownInvoice,
    allocate_payment,
    apply_unapplied_credit,
    issue_invoice,
    open_items_as_of,
    post_charge,
    split_instalments,
)


def item(
    number: str,
    due: date,
    principal: str,
    fees: str = "0",
    interest: str = "0",
    issued: date = date(2024, 1, 1),
    currency: str = "EUR",
    customer: str = "C1",
) -> OpenItem:
    owed = PartAmounts(Decimal(fees), Decimal(interest), Decimal(principal))
    return OpenItem(number, customer, currency, issued, due, owed)


A = item("INV-A", date(2024, 3, 1), "100")
B = item("INV-B", date(2024, 2, 1), "50")
C = item("INV-C", date(2024, 4, 1), "80")


def test_without_named_invoices_the_oldest_due_is_paid_first() -> None:
    result = allocate_payment(Decimal("120"), "EUR", [A, B, C])
    assert [(a.invoice_number, a.amount) for a in result.allocations] == [
        ("INV-B", Decimal("50")),
        ("INV-A", Decimal("70.00")),
    ]
    assert result.unapplied == 0


def test_ties_on_due_date_go_to_the_earlier_issue_date_then_the_lower_number() -> None:
    due = date(2024, 3, 1)
    late_issue = item("INV-1", due, "10", issued=date(2024, 1, 5))
    early_issue = item("INV-9", due, "10", issued=date(2024, 1, 2))
    same_issue = item("INV-5", due, "10", issued=date(2024, 1, 2))
    result = allocate_payment(Decimal("25"), "EUR", [late_issue, early_issue, same_issue])
    assert [a.invoice_number for a in result.allocations] == ["INV-5", "INV-9", "INV-1"]
    assert result.allocations[-1].amount == Decimal("5.00")


def test_oldest_issue_first_is_an_alternative_order() -> None:
    newer_but_due_sooner = item("INV-X", date(2024, 2, 1), "10", issued=date(2024, 1, 20))
    older = item("INV-Y", date(2024, 3, 1), "10", issued=date(2024, 1, 1))
    result = allocate_payment(Decimal("10"), "EUR", [newer_but_due_sooner, older], order="oldest_issue_first")
    assert [a.invoice_number for a in result.allocations] == ["INV-Y"]


def test_within_an_invoice_fees_then_interest_then_principal_are_settled() -> None:
    owed = item("INV-F", date(2024, 2, 1), "100", fees="5", interest="2.50")
    result = allocate_payment(Decimal("10"), "EUR", [owed])
    assert [(a.part, a.amount) for a in result.allocations] == [
        ("fees", Decimal("5")),
        ("interest", Decimal("2.50")),
        ("principal", Decimal("2.50")),
    ]


def test_the_order_within_an_invoice_is_configurable() -> None:
    owed = item("INV-F", date(2024, 2, 1), "100", fees="5", interest="2.50")
    result = allocate_payment(
        Decimal("101"), "EUR", [owed], within_invoice_order=("principal", "interest", "fees")
    )
    assert [(a.part, a.amount) for a in result.allocations] == [
        ("principal", Decimal("100")),
        ("interest", Decimal("1.00")),
    ]


def test_what_is_left_is_unapplied_credit_never_lost() -> None:
    result = allocate_payment(Decimal("500"), "EUR", [A, B])
    assert result.applied == Decimal("150")
    assert result.unapplied == Decimal("350.00")


def test_a_payment_with_no_open_items_is_all_unapplied() -> None:
    result = allocate_payment(Decimal("10"), "EUR", [])
    assert result.allocations == () and result.unapplied == Decimal("10.00")


def test_other_currencies_and_customers_are_skipped_when_allocating_by_age() -> None:
    usd = item("INV-U", date(2023, 1, 1), "10", currency="USD")
    other = item("INV-O", date(2023, 1, 1), "10", customer="C2")
    result = allocate_payment(Decimal("10"), "EUR", [usd, other, A], customer_id="C1")
    assert [a.invoice_number for a in result.allocations] == ["INV-A"]


def test_named_invoices_get_exactly_the_named_amounts() -> None:
    result = allocate_payment(
        Decimal("100"),
        "EUR",
        [A, B, C],
        requested=[RequestedAllocation("INV-C", Decimal("30")), RequestedAllocation("INV-A", Decimal("20"))],
    )
    assert [(a.invoice_number, a.amount) for a in result.allocations] == [
        ("INV-C", Decimal("30.00")),
        ("INV-A", Decimal("20.00")),
    ]
    assert result.unapplied == Decimal("50.00")
    assert result.for_invoice("INV-A")[0].part == "principal"


@pytest.mark.parametrize(
    ("requested", "error", "message"),
    [
        (
            [RequestedAllocation("INV-Z", Decimal("10"))],
            UnknownInvoice,
            "invoice INV-Z named in the allocations is not an open item of this customer",
        ),
        (
            [RequestedAllocation("INV-A", Decimal("100.01"))],
            OverAllocation,
            "allocation of 100.01 EUR to invoice INV-A exceeds its outstanding 100.00 EUR",
        ),
        (
            [RequestedAllocation("INV-A", Decimal("100")), RequestedAllocation("INV-C", Decimal("80"))],
            OverAllocation,
            "allocations total 180.00 EUR, more than the payment of 150.00 EUR",
        ),
        (
            [RequestedAllocation("INV-A", Decimal("10")), RequestedAllocation("INV-A", Decimal("10"))],
            InvalidInput,
            "invoice INV-A is named twice in the allocations",
        ),
        (
            [RequestedAllocation("INV-A", Decimal("0"))],
            InvalidAmount,
            "allocation to invoice INV-A must be greater than zero, got 0 EUR",
        ),
        (
            [RequestedAllocation("INV-A", Decimal("1.001"))],
            InvalidAmount,
            "allocation to invoice INV-A (1.001) has 3 decimal places but EUR allows at most 2",
        ),
        (
            [RequestedAllocation("INV-U", Decimal("1"))],
            CurrencyMismatch,
            "invoice INV-U is in USD but the payment is in EUR; amounts are not converted",
        ),
        (
            [RequestedAllocation("INV-O", Decimal("1"))],
            CustomerMismatch,
            "invoice INV-O belongs to customer C2, not to the payment's customer C1",
        ),
    ],
)
def test_a_bad_requested_allocation_is_refused_naming_invoice_and_amounts(
    requested: list[RequestedAllocation], error: type[Exception], message: str
) -> None:
    usd = item("INV-U", date(2024, 1, 1), "10", currency="USD")
    other = item("INV-O", date(2024, 1, 1), "10", customer="C2")
    with pytest.raises(error) as caught:
        allocate_payment(Decimal("150"), "EUR", [A, C, usd, other], requested=requested, customer_id="C1")
    assert str(caught.value) == message


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        (
            {"payment_amount": Decimal("-1")},
            InvalidAmount,
            "payment amount must be greater than zero, got -1 EUR",
        ),
        ({"currency": "EURO"}, UnknownCurrency, "unknown currency 'EURO'"),
        (
            {"order": "largest_first"},
            InvalidParameter,
            "unknown allocation order 'largest_first'; choose one of",
        ),
        (
            {"within_invoice_order": ("fees", "principal")},
            InvalidParameter,
            "within_invoice_order must name each of",
        ),
        ({"open_items": [A, A]}, InvalidInput, "open item INV-A is listed twice"),
    ],
)
def test_a_bad_payment_is_refused_saying_what_is_wrong(
    kwargs: dict[str, object], error: type[Exception], message: str
) -> None:
    args: dict[str, object] = {"payment_amount": Decimal("10"), "currency": "EUR", "open_items": [A]}
    args.update(kwargs)
    with pytest.raises(error, match=message):
        allocate_payment(**args)  # type: ignore[arg-type]


def test_unapplied_credit_is_applied_later_by_the_same_rules() -> None:
    result = apply_unapplied_credit(Decimal("60"), "EUR", [A, B])
    assert [(a.invoice_number, a.amount) for a in result.allocations] == [
        ("INV-B", Decimal("50")),
        ("INV-A", Decimal("10.00")),
    ]
    with pytest.raises(OverAllocation, match="more than the credit of 60.00 EUR"):
        apply_unapplied_credit(
            Decimal("60"),
            "EUR",
            [A, B],
            requested=[
                RequestedAllocation("INV-A", Decimal("40")),
                RequestedAllocation("INV-B", Decimal("30")),
            ],
        )


def test_open_items_come_from_invoice_states_as_of_a_date() -> None:
    inv = issue_invoice("INV-1", "C1", "EUR", Decimal("100"), date(2024, 1, 1), payment_terms="NET30")
    inv = post_charge(inv, "F1", "fees", Decimal("5"), date(2024, 2, 15))
    later = issue_invoice("INV-2", "C1", "EUR", Decimal("10"), date(2024, 3, 1), payment_terms="NET30")
    items = open_items_as_of([inv, later], date(2024, 2, 15))
    assert [i.invoice_number for i in items] == ["INV-1"]
    assert items[0].outstanding == PartAmounts(Decimal("5.00"), Decimal(0), Decimal("100.00"))


open_item_lists = st.lists(
    st.builds(
        lambda n, days, fees, interest, principal, cur: OpenItem(
            f"INV-{n}",
            "C1",
            cur,
            date(2024, 1, 1),
            date(2024, 1, 1).fromordinal(738886 + days),
            PartAmounts(Decimal(fees) / 100, Decimal(interest) / 100, Decimal(principal) / 100),
        ),
        st.integers(0, 10**6),
        st.integers(0, 400),
        st.integers(0, 5_000),
        st.integers(0, 5_000),
        st.integers(0, 1_000_000),
        st.sampled_from(["EUR", "EUR", "USD"]),
    ),
    max_size=12,
    unique_by=lambda i: i.invoice_number,
)


@settings(max_examples=200, deadline=None)
@given(items=open_item_lists, cents=st.integers(1, 2_000_000))
def test_allocations_never_exceed_the_payment_or_any_invoice(items: list[OpenItem], cents: int) -> None:
    payment = Decimal(cents) / 100
    result = allocate_payment(payment, "EUR", items)
    assert result.applied + result.unapplied == payment
    assert result.unapplied >= 0
    by_key = {i.invoice_number: i for i in items}
    for allocation in result.allocations:
        owed = by_key[allocation.invoice_number]
        assert owed.currency == "EUR"
        assert 0 < allocation.amount <= owed.outstanding.get(allocation.part)
    eur_owed = sum((i.outstanding.total for i in items if i.currency == "EUR"), Decimal(0))
    assert result.applied == min(payment, eur_owed)


@settings(max_examples=200, deadline=None)
@given(items=open_item_lists, data=st.data())
def test_named_allocations_within_limits_are_applied_exactly(
    items: list[OpenItem], data: st.DataObject
) -> None:
    eur = [i for i in items if i.currency == "EUR" and i.outstanding.total > 0]
    assume(eur)
    chosen = data.draw(st.lists(st.sampled_from(eur), min_size=1, unique_by=lambda i: i.invoice_number))
    requested = [
        RequestedAllocation(
            i.invoice_number, Decimal(data.draw(st.integers(1, int(i.outstanding.total * 100)))) / 100
        )
        for i in chosen
    ]
    total = sum((r.amount for r in requested), Decimal(0))
    payment = total + Decimal(data.draw(st.integers(1, 10_000))) / 100
    result = allocate_payment(payment, "EUR", items, requested=requested)
    for r in requested:
        assert sum(a.amount for a in result.for_invoice(r.invoice_number)) == r.amount
    assert result.unapplied == payment - total


def test_an_empty_list_of_named_invoices_means_oldest_due_first() -> None:
    assert allocate_payment(Decimal("50"), "EUR", [A, B], requested=[]) == allocate_payment(
        Decimal("50"), "EUR", [A, B]
    )


def test_an_instalment_invoice_counts_as_due_at_its_earliest_unpaid_instalment() -> None:
    plan = split_instalments(Decimal("100"), "EUR", [date(2024, 2, 1), date(2024, 6, 1)])
    instalments = issue_invoice("INV-I", "C1", "EUR", Decimal("100"), date(2024, 1, 1), instalments=plan)
    single = issue_invoice("INV-S", "C1", "EUR", Decimal("100"), date(2024, 1, 1), due_date=date(2024, 3, 1))
    items = open_items_as_of([single, instalments], date(2024, 3, 2))
    assert items[1].due_date == date(2024, 2, 1)
    result = allocate_payment(Decimal("10"), "EUR", items)
    assert [a.invoice_number for a in result.allocations] == ["INV-I"]
