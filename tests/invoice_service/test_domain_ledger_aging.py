"""Aging: outstanding by days past due as of a date, per currency and group."""

from datetime import date, timedelta
from decimal import Decimal

import pytest

from arflow_invoice.domain import (
    DEFAULT_BUCKETS,
    Allocation,
    InvalidParameter,
    InvoiceState,
    aging_bucket_set,
    aging_buckets,
    bucket_for,
    issue_invoice,
    post_allocations,
    post_charge,
)

AS_OF = date(2024, 12, 31)


def owed(
    number: str, days_past_due: int, amount: str = "100", currency: str = "EUR", **kw: str
) -> InvoiceState:
    due = AS_OF - timedelta(days=days_past_due)
    return issue_invoice(
        number,
        kw.get("customer", "C1"),
        currency,
        Decimal(amount),
        min(due, AS_OF) - timedelta(days=30),
        due_date=due,
        salesperson_id=kw.get("salesperson"),
    )


def test_the_default_buckets_are_the_products() -> None:
    assert [b.label for b in DEFAULT_BUCKETS] == [
        "current",
        "1-30",
        "31-60",
        "61-90",
        "91-180",
        "181-365",
        "over-365",
    ]


@pytest.mark.parametrize(
    ("days", "label"),
    [
        (-10, "current"),
        (0, "current"),
        (1, "1-30"),
        (30, "1-30"),
        (31, "31-60"),
        (60, "31-60"),
        (61, "61-90"),
        (90, "61-90"),
        (91, "91-180"),
        (180, "91-180"),
        (181, "181-365"),
        (365, "181-365"),
        (366, "over-365"),
        (5000, "over-365"),
    ],
)
def test_each_day_past_due_falls_in_exactly_one_bucket(days: int, label: str) -> None:
    assert bucket_for(days).label == label
    assert [b.label for b in DEFAULT_BUCKETS if b.holds(days)] == [label]


@pytest.mark.parametrize(
    ("days", "label"), [(0, "current"), (1, "1-30"), (30, "1-30"), (31, "31-60"), (366, "over-365")]
)
def test_an_invoice_ages_into_the_bucket_of_its_days_past_due(days: int, label: str) -> None:
    report = aging_buckets([owed("INV-1", days)], AS_OF)
    filled = [(r.bucket, r.amount, r.count) for r in report.rows if r.count]
    assert filled == [(label, Decimal("100.00"), 1)]


def test_every_bucket_is_reported_per_currency_even_when_empty() -> None:
    report = aging_buckets([owed("INV-1", 5), owed("INV-2", 40, currency="JPY", amount="5000")], AS_OF)
    assert [(r.currency, r.bucket) for r in report.rows][:2] == [("EUR", "current"), ("EUR", "1-30")]
    assert len(report.rows) == 2 * len(DEFAULT_BUCKETS)
    assert str(next(r.amount for r in report.rows if r.currency == "EUR" and r.bucket == "current")) == "0.00"
    assert report.total("JPY") == Decimal("5000")


def test_totals_and_counts_add_up_per_currency() -> None:
    invoices = [
        owed("INV-1", 5),
        owed("INV-2", 10, "50"),
        owed("INV-3", 45, "20"),
        owed("INV-4", 45, "7", "USD"),
    ]
    report = aging_buckets(invoices, AS_OF)
    row = next(r for r in report.rows if r.currency == "EUR" and r.bucket == "1-30")
    assert (row.amount, row.count) == (Decimal("150.00"), 2)
    assert report.total("EUR") == Decimal("170.00")
    assert report.total("USD") == Decimal("7.00")


def test_paid_and_future_invoices_are_not_aged() -> None:
    paid = post_allocations(
        owed("INV-1", 5), "P1", "EUR", AS_OF, [Allocation("INV-1", "principal", Decimal("100"))]
    )
    future = issue_invoice(
        "INV-2", "C1", "EUR", Decimal("9"), AS_OF + timedelta(days=1), payment_terms="NET30"
    )
    assert aging_buckets([paid, future], AS_OF).rows == ()


def test_aging_as_of_a_past_date_ignores_later_payments() -> None:
    paid = post_allocations(
        owed("INV-1", 5), "P1", "EUR", AS_OF, [Allocation("INV-1", "principal", Decimal("100"))]
    )
    earlier = AS_OF - timedelta(days=1)
    assert aging_buckets([paid], earlier).total("EUR") == Decimal("100.00")
    assert next(r for r in aging_buckets([paid], earlier).rows if r.count).bucket == "1-30"


def test_a_charge_ages_by_its_own_due_date() -> None:
    inv = post_charge(owed("INV-1", 100), "F1", "fees", Decimal("5"), AS_OF - timedelta(days=10))
    rows = {r.bucket: (r.amount, r.count) for r in aging_buckets([inv], AS_OF).rows if r.count}
    assert rows == {"91-180": (Decimal("100.00"), 1), "1-30": (Decimal("5.00"), 1)}


def test_aging_groups_by_customer_or_salesperson() -> None:
    invoices = [
        owed("INV-1", 5, customer="C1", salesperson="S1"),
        owed("INV-2", 5, customer="C2", salesperson="S1"),
        owed("INV-3", 5, customer="C2"),
    ]
    by_customer = aging_buckets(invoices, AS_OF, group_by="customer")
    assert by_customer.total("EUR", "C2") == Decimal("200.00")
    by_salesperson = aging_buckets(invoices, AS_OF, group_by="salesperson")
    assert {r.group for r in by_salesperson.rows} == {"S1", "unassigned"}
    assert by_salesperson.total("EUR", "S1") == Decimal("200.00")
    by_number = aging_buckets(invoices, AS_OF, group_by=lambda inv: inv.invoice_number[-1])
    assert by_number.total("EUR", "3") == Decimal("100.00")


def test_the_boundaries_are_configurable() -> None:
    buckets = aging_bucket_set((15, 45))
    assert [b.label for b in buckets] == ["current", "1-15", "16-45", "over-45"]
    report = aging_buckets([owed("INV-1", 16), owed("INV-2", 46)], AS_OF, buckets)
    assert [(r.bucket, r.count) for r in report.rows] == [
        ("current", 0),
        ("1-15", 0),
        ("16-45", 1),
        ("over-45", 1),
    ]


@pytest.mark.parametrize(
    ("boundaries", "message"),
    [
        ((), "aging boundaries must be whole days, got \\[\\]"),
        ((30, 30), "must be positive and strictly increasing, got \\[30, 30\\]"),
        ((60, 30), "strictly increasing"),
        ((0, 30), "must be positive"),
        ((30.5,), "must be whole days"),
    ],
)
def test_bad_bucket_boundaries_are_refused_saying_why(boundaries: tuple[int, ...], message: str) -> None:
    with pytest.raises(InvalidParameter, match=message):
        aging_bucket_set(boundaries)


def test_an_unknown_grouping_is_refused() -> None:
    with pytest.raises(
        InvalidParameter, match="unknown aging group 'region'; group by 'customer' or 'salesperson'"
    ):
        aging_buckets([owed("INV-1", 5)], AS_OF, group_by="region")  # type: ignore[arg-type]
