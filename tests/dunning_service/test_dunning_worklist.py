"""The worklist: broken promises, then promises due today, then by expected loss."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from arflow_dunning.domain import (
    InvalidRiskInput,
    Priority,
    PromiseToPay,
    WorklistEntry,
    age_factor,
    expected_loss,
    probability_of_default,
    rank_worklist,
)

TODAY = date(2024, 6, 1)


def entry(
    case_id: str,
    amount: str = "1000",
    days: int = 10,
    risk_class: str = "B",
    promise: PromiseToPay | None = None,
    paid_toward_promise: Decimal = Decimal(0),
) -> WorklistEntry:
    return WorklistEntry(
        case_id=case_id,
        customer_id=f"C-{case_id}",
        overdue_amount=Decimal(amount),
        days_overdue=days,
        risk_class=risk_class,
        promise=promise,
        paid_toward_promise=paid_toward_promise,
    )


@pytest.mark.parametrize(("risk_class", "pd"), [("A", "0.01"), ("B", "0.03"), ("C", "0.08"), ("D", "0.20")])
def test_each_risk_class_has_its_probability_of_default(risk_class: str, pd: str) -> None:
    assert probability_of_default(risk_class) == Decimal(pd)


@pytest.mark.parametrize(
    ("score", "pd"), [(0, "0.40"), (50, "0.08"), (62.5, "0.055"), (90, "0.01"), (100, "0.005")]
)
def test_a_score_maps_between_the_documented_anchors(score: float, pd: str) -> None:
    assert probability_of_default("D", score) == Decimal(pd)


@pytest.mark.parametrize(("risk_class", "score"), [("E", None), (None, None), ("A", 101), ("A", -1)])
def test_unknown_risk_inputs_are_rejected(risk_class: str | None, score: float | None) -> None:
    with pytest.raises(InvalidRiskInput):
        probability_of_default(risk_class, score)


@pytest.mark.parametrize(
    ("days", "factor"),
    [
        (0, "0"),
        (1, "1.0"),
        (30, "1.0"),
        (31, "1.5"),
        (60, "1.5"),
        (61, "2.0"),
        (90, "2.0"),
        (91, "3.0"),
        (180, "3.0"),
        (181, "4.0"),
        (365, "4.0"),
        (366, "5.0"),
    ],
)
def test_the_age_factor_steps_at_the_aging_buckets(days: int, factor: str) -> None:
    assert age_factor(days) == Decimal(factor)


def test_expected_loss_is_amount_times_risk_times_age_capped_at_the_amount() -> None:
    assert expected_loss(Decimal("1000"), Decimal("0.03"), 45) == Decimal("45.000")
    assert expected_loss(Decimal("1000"), Decimal("0.40"), 400) == Decimal("1000")


def test_broken_promises_come_first_then_promises_due_today_then_expected_loss() -> None:
    broken = entry("broken", "10", promise=PromiseToPay(Decimal(5), "EUR", TODAY - timedelta(1)))
    due_today = entry("today", "20", promise=PromiseToPay(Decimal(5), "EUR", TODAY))
    big = entry("big", "100000")
    small = entry("small", "100")
    ranked = rank_worklist([small, big, due_today, broken], TODAY)
    assert [r.entry.case_id for r in ranked] == ["broken", "today", "big", "small"]
    assert [r.priority for r in ranked] == [
        Priority.BROKEN_PROMISE,
        Priority.PROMISE_DUE_TODAY,
        Priority.EXPECTED_LOSS,
        Priority.EXPECTED_LOSS,
    ]


def test_a_kept_promise_due_today_is_not_urgent() -> None:
    promise = PromiseToPay(Decimal(5), "EUR", TODAY)
    kept = entry("kept", promise=promise, paid_toward_promise=Decimal(5))
    assert rank_worklist([kept], TODAY)[0].priority is Priority.EXPECTED_LOSS


def test_equal_expected_losses_break_ties_by_age_then_case_id() -> None:
    ranked = rank_worklist(
        [entry("b", days=10), entry("a", days=10), entry("c", "1000", days=10, risk_class="B")],
        TODAY,
    )
    assert [r.entry.case_id for r in ranked] == ["a", "b", "c"]
    older = rank_worklist([entry("x", "1000", 20), entry("y", "1000", 25)], TODAY)
    assert [r.entry.case_id for r in older] == ["y", "x"]


entries = st.builds(
    WorklistEntry,
    case_id=st.text("abc", min_size=1, max_size=3),
    customer_id=st.just("C"),
    overdue_amount=st.decimals(min_value=0, max_value=10**6, places=2),
    days_overdue=st.integers(0, 500),
    risk_class=st.sampled_from(["A", "B", "C", "D"]),
    score=st.none() | st.integers(0, 100),
    promise=st.none()
    | st.builds(
        PromiseToPay,
        st.just(Decimal(10)),
        st.just("EUR"),
        st.dates(TODAY - timedelta(5), TODAY + timedelta(5)),
    ),
)


@settings(max_examples=200)
@given(st.lists(entries, max_size=20))
def test_the_worklist_keeps_every_entry_in_working_order(items: list[WorklistEntry]) -> None:
    ranked = rank_worklist(items, TODAY)
    assert sorted(map(id, (r.entry for r in ranked))) == sorted(map(id, items))
    keys = [(r.priority, -r.expected_loss, -r.entry.days_overdue, r.entry.case_id) for r in ranked]
    assert keys == sorted(keys)
    if len(set(keys)) == len(keys):
        assert rank_worklist(list(reversed(items)), TODAY) == ranked
