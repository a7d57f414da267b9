"""Scoring: bounds, monotonicity in paid dates, class thresholds and the explained factors."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from arflow_credit.domain import (
    CreditValidationError,
    OpenInvoice,
    PaymentHistory,
    RiskClassThresholds,
    Scorecard,
    SettledInvoice,
    external_rating_value,
    measure_behaviour,
    score_customer,
)

AS_OF = date(2024, 6, 30)
money = st.integers(min_value=1, max_value=10_000_000).map(lambda cents: Decimal(cents) / 100)
settled_invoices = st.builds(
    lambda amount, due_back, paid_shift, disputed: SettledInvoice(
        amount,
        AS_OF - timedelta(days=due_back),
        AS_OF - timedelta(days=due_back) + timedelta(days=paid_shift),
        disputed,
    ),
    money,
    st.integers(min_value=0, max_value=500),
    st.integers(min_value=-30, max_value=120),
    st.booleans(),
)
open_invoices = st.builds(
    lambda amount, due_shift, disputed: OpenInvoice(amount, AS_OF + timedelta(days=due_shift), disputed),
    money,
    st.integers(min_value=-400, max_value=60),
    st.booleans(),
)
histories = st.builds(
    PaymentHistory,
    st.lists(settled_invoices, max_size=12).map(tuple),
    st.lists(open_invoices, max_size=6).map(tuple),
    st.one_of(st.none(), st.integers(min_value=0, max_value=1500).map(lambda d: AS_OF - timedelta(days=d))),
)
ratings = st.one_of(
    st.none(),
    st.integers(min_value=0, max_value=100),
    st.sampled_from(["AAA", "bbb", "CC", "D"]),
)


def on_time(amount: str, due: date) -> SettledInvoice:
    return SettledInvoice(Decimal(amount), due, due)


@settings(max_examples=200)
@given(histories, ratings)
def test_the_score_always_lies_between_0_and_100(history: PaymentHistory, rating: object) -> None:
    result = score_customer(history, AS_OF, external_rating=rating)  # type: ignore[arg-type]
    assert 0 <= result.score <= 100
    assert all(Decimal(0) <= f.points <= f.max_points for f in result.factors)


@settings(max_examples=200)
@given(histories, st.data(), st.integers(min_value=1, max_value=200))
def test_paying_an_invoice_later_never_raises_the_score(
    history: PaymentHistory, data: st.DataObject, delay: int
) -> None:
    if not history.settled:
        history = PaymentHistory((on_time("10.00", AS_OF - timedelta(days=5)),), history.open)
    index = data.draw(st.integers(min_value=0, max_value=len(history.settled) - 1))
    invoice = history.settled[index]
    later = SettledInvoice(
        invoice.amount, invoice.due_date, invoice.paid_date + timedelta(days=delay), invoice.disputed
    )
    settled = history.settled[:index] + (later,) + history.settled[index + 1 :]
    paid_later = PaymentHistory(settled, history.open, history.first_invoice_date)
    assert score_customer(paid_later, AS_OF).score <= score_customer(history, AS_OF).score


def test_a_spotless_long_standing_payer_scores_100_and_lands_in_class_a() -> None:
    history = PaymentHistory(
        tuple(on_time("500.00", AS_OF - timedelta(days=30 * n)) for n in range(1, 12)),
        (OpenInvoice(Decimal("500.00"), AS_OF + timedelta(days=10)),),
        AS_OF - timedelta(days=1000),
    )
    result = score_customer(history, AS_OF)
    assert (result.score, result.risk_class) == (100, "A")


def test_a_customer_without_history_gets_neutral_points_and_no_tenure() -> None:
    result = score_customer(PaymentHistory(), AS_OF)
    points = {f.name: f.points for f in result.factors}
    assert points == {
        "days_late": Decimal("20.00"),
        "late_share": Decimal("10.00"),
        "dispute_share": Decimal("5.00"),
        "overdue_ratio": Decimal("20.00"),
        "tenure": Decimal("0.00"),
    }
    assert (result.score, result.risk_class) == (55, "C")


def test_each_factor_reports_its_raw_value_and_the_points_add_up_to_the_score() -> None:
    due = AS_OF - timedelta(days=40)
    history = PaymentHistory(
        (
            SettledInvoice(Decimal("300.00"), due, due + timedelta(days=10), disputed=True),
            SettledInvoice(Decimal("100.00"), due, due),
        ),
        (OpenInvoice(Decimal("50.00"), AS_OF - timedelta(days=5)), OpenInvoice(Decimal("50.00"), AS_OF)),
        AS_OF - timedelta(days=365),
    )
    result = score_customer(history, AS_OF)
    raw = {f.name: f.raw for f in result.factors}
    # days late: (300*10 + 100*0 + 50*5 + 50*0) / 500; two of four late; one of four disputed;
    # overdue: 50 of the 500 that fell due
    assert raw == {
        "days_late": Decimal("6.5000"),
        "late_share": Decimal("0.5000"),
        "dispute_share": Decimal("0.2500"),
        "overdue_ratio": Decimal("0.1000"),
        "tenure": Decimal("365.0000"),
    }
    assert abs(sum((f.points for f in result.factors), Decimal(0)) - result.score) <= Decimal("0.5")


def test_an_invoice_paid_after_as_of_counts_as_still_open_and_overdue() -> None:
    due = AS_OF - timedelta(days=20)
    history = PaymentHistory((SettledInvoice(Decimal("100.00"), due, AS_OF + timedelta(days=3)),))
    measures = measure_behaviour(history, AS_OF)
    assert measures.days_late == 20
    assert measures.overdue_ratio == 1


def test_invoices_that_fell_due_before_the_window_do_not_count_toward_lateness() -> None:
    old_due = AS_OF - timedelta(days=400)
    history = PaymentHistory((SettledInvoice(Decimal("100.00"), old_due, old_due + timedelta(days=90)),))
    assert measure_behaviour(history, AS_OF).days_late is None
    assert measure_behaviour(history, AS_OF, Scorecard(window_days=730)).days_late == 90


def test_an_external_rating_shares_the_points_with_the_ledger_factors() -> None:
    history = PaymentHistory(first_invoice_date=AS_OF - timedelta(days=800))
    with_aaa = score_customer(history, AS_OF, external_rating="AAA")
    with_zero = score_customer(history, AS_OF, external_rating=0)
    assert {f.name: f.max_points for f in with_aaa.factors}["external_rating"] == Decimal("16.67")
    assert with_aaa.score > score_customer(history, AS_OF).score > with_zero.score


@pytest.mark.parametrize("rating", ["XYZ", 101, -1, 50.0, True])
def test_an_unknown_or_out_of_range_external_rating_is_refused(rating: object) -> None:
    with pytest.raises(CreditValidationError):
        external_rating_value(rating)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("score", "risk_class"),
    [(100, "A"), (80, "A"), (79, "B"), (60, "B"), (59, "C"), (40, "C"), (39, "D"), (0, "D")],
)
def test_risk_classes_start_exactly_at_their_thresholds(score: int, risk_class: str) -> None:
    assert RiskClassThresholds().classify(score) == risk_class


def test_risk_class_thresholds_are_configurable() -> None:
    thresholds = RiskClassThresholds(bands=(("PRIME", 90), ("STANDARD", 50)), floor="WATCH")
    assert thresholds.classes == ("PRIME", "STANDARD", "WATCH")
    assert [thresholds.classify(s) for s in (90, 89, 50, 49)] == ["PRIME", "STANDARD", "STANDARD", "WATCH"]


def test_thresholds_out_of_order_are_refused() -> None:
    with pytest.raises(CreditValidationError):
        RiskClassThresholds(bands=(("A", 60), ("B", 80)))


def test_a_float_amount_is_refused() -> None:
    with pytest.raises(CreditValidationError):
        SettledInvoice(100.0, AS_OF, AS_OF)  # type: ignore[arg-type]
