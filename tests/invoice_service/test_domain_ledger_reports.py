"""Finance figures: DSO, collection effectiveness and bad-debt allowance, per currency."""

from datetime import date
from decimal import Decimal

import pytest

from arflow_invoice.domain import (
    DEFAULT_ALLOWANCE_RATES,
    Allocation,
    InvalidParameter,
    InvoiceState,
    aging_bucket_set,
    bad_debt_allowance,
    collection_effectiveness,
    days_sales_outstanding,
    issue_invoice,
    post_allocations,
)

START, END = date(2024, 1, 1), date(2024, 3, 31)


def ledger() -> list[InvoiceState]:
    old = issue_invoice("INV-0", "C1", "EUR", Decimal("200"), date(2023, 12, 1), payment_terms="NET30")
    paid = issue_invoice("INV-1", "C1", "EUR", Decimal("1000"), date(2024, 1, 10), payment_terms="NET30")
    paid = post_allocations(
        paid, "P1", "EUR", date(2024, 3, 1), [Allocation("INV-1", "principal", Decimal("600"))]
    )
    new = issue_invoice("INV-2", "C2", "EUR", Decimal("500"), date(2024, 3, 15), payment_terms="NET30")
    yen = issue_invoice("INV-3", "C3", "JPY", Decimal("90000"), date(2024, 4, 2), payment_terms="NET30")
    return [old, paid, new, yen]


def test_dso_is_ending_ar_over_credit_sales_times_days_in_the_period() -> None:
    (eur,) = days_sales_outstanding(ledger(), START, END)
    assert (eur.currency, eur.days, eur.ending_ar, eur.credit_sales) == (
        "EUR",
        91,
        Decimal("1100.00"),
        Decimal("1500.00"),
    )
    assert eur.dso == Decimal("66.73")


def test_dso_is_undefined_without_credit_sales() -> None:
    (eur,) = days_sales_outstanding(ledger()[:1], START, END)
    assert eur.credit_sales == 0 and eur.dso is None


def test_dso_is_reported_per_currency() -> None:
    figures = days_sales_outstanding(ledger(), START, date(2024, 4, 30))
    assert [f.currency for f in figures] == ["EUR", "JPY"]
    assert figures[1].dso == Decimal("121.00")  # all of it owed, 121 days in the period


def test_cei_follows_the_product_formula() -> None:
    (eur,) = collection_effectiveness(ledger(), START, END)
    assert (eur.opening_ar, eur.credit_sales, eur.closing_ar, eur.closing_current_ar) == (
        Decimal("200.00"),
        Decimal("1500.00"),
        Decimal("1100.00"),
        Decimal("500.00"),
    )
    assert eur.cei == Decimal("50.00")


def test_cei_is_a_hundred_when_everything_collectable_was_collected() -> None:
    inv = issue_invoice("INV-1", "C1", "EUR", Decimal("100"), date(2024, 1, 5), payment_terms="NET30")
    inv = post_allocations(
        inv, "P1", "EUR", date(2024, 2, 1), [Allocation("INV-1", "principal", Decimal("100"))]
    )
    (eur,) = collection_effectiveness([inv], START, END)
    assert eur.cei == Decimal("100.00")


@pytest.mark.parametrize("report", [days_sales_outstanding, collection_effectiveness])
def test_a_period_that_ends_before_it_starts_is_refused(report: object) -> None:
    with pytest.raises(
        InvalidParameter, match="the period ends on 2024-01-01, before it starts on 2024-03-31"
    ):
        report(ledger(), END, START)  # type: ignore[operator]


def test_the_allowance_applies_each_buckets_rate_to_its_aging_amount() -> None:
    report = bad_debt_allowance(ledger(), END)
    filled = {(r.bucket, r.amount, r.rate, r.allowance) for r in report.rows if r.amount}
    assert filled == {
        ("current", Decimal("500.00"), Decimal("0.01"), Decimal("5.00")),
        ("31-60", Decimal("400.00"), Decimal("0.05"), Decimal("20.00")),
        ("91-180", Decimal("200.00"), Decimal("0.25"), Decimal("50.00")),
    }
    assert report.total("EUR") == Decimal("75.00")


def test_the_allowance_rounds_to_the_currency() -> None:
    inv = issue_invoice("INV-1", "C1", "JPY", Decimal("333"), date(2024, 3, 1), payment_terms="NET30")
    rates = {"current": Decimal("0.015"), "1-30": Decimal("0.5"), "over-30": Decimal("1")}
    report = bad_debt_allowance([inv], END, rates, aging_bucket_set((30,)))
    assert report.total("JPY") == Decimal("5")  # due today, so current: 333 × 0.015 = 4.995


@pytest.mark.parametrize(
    ("rates", "message"),
    [
        ({k: v for k, v in DEFAULT_ALLOWANCE_RATES.items() if k != "over-365"}, "missing \\['over-365'\\]"),
        ({**DEFAULT_ALLOWANCE_RATES, "2-3": Decimal("0")}, "unknown \\['2-3'\\]"),
        (
            {**DEFAULT_ALLOWANCE_RATES, "current": Decimal("1.5")},
            "rate for current must be a Decimal from 0 to 1",
        ),
        (
            {**DEFAULT_ALLOWANCE_RATES, "current": 0.01},
            "rate for current must be a Decimal from 0 to 1, got 0.01",
        ),
    ],
)
def test_bad_allowance_rates_are_refused_saying_which(rates: dict[str, Decimal], message: str) -> None:
    with pytest.raises(InvalidParameter, match=message):
        bad_debt_allowance(ledger(), END, rates)
