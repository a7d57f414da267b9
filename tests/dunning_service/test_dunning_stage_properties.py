"""Properties of stage evaluation over arbitrary histories of dates, payments and pauses."""

from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from arflow_dunning.domain import (
    DEFAULT_POLICIES,
    Channel,
    DunningPolicy,
    DunningStage,
    InvoiceDunningState,
    Notification,
    PromiseToPay,
    StageDecision,
    evaluate_invoice,
)

DUE = date(2024, 3, 1)
NOTICE = Notification((Channel.EMAIL,), "dunning.reminder_1")


@st.composite
def policies(draw: st.DrawFn) -> DunningPolicy:
    if draw(st.booleans()):
        return draw(st.sampled_from(list(DEFAULT_POLICIES.values())))
    days = sorted(draw(st.sets(st.integers(-10, 120), min_size=1, max_size=8)))
    stages = tuple(
        DunningStage(
            f"stage_{i}",
            day,
            (NOTICE,),
            minimum_amounts=draw(st.sampled_from([{}, {"EUR": Decimal("100")}, {"EUR": Decimal("600")}])),
        )
        for i, day in enumerate(days)
    )
    return DunningPolicy(id="generated", name="generated", stages=stages)


@dataclass(frozen=True)
class Step:
    gap_days: int
    payment: Decimal
    disputed: bool
    excluded: bool
    promise_in_days: int | None


steps = st.builds(
    Step,
    gap_days=st.integers(0, 20),
    payment=st.sampled_from([Decimal(0)] * 4 + [Decimal("50"), Decimal("400"), Decimal("1000")]),
    disputed=st.sampled_from([False, False, False, True]),
    excluded=st.sampled_from([False, False, False, True]),
    promise_in_days=st.none() | st.none() | st.integers(0, 15),
)


def run(policy: DunningPolicy, start: int, history: list[Step]) -> list[StageDecision]:
    state = InvoiceDunningState(
        invoice_id="INV-1",
        customer_id="C-1",
        currency="EUR",
        due_date=DUE,
        outstanding=Decimal("1000"),
    )
    as_of = DUE + timedelta(days=start)
    decisions = []
    for step in history:
        as_of += timedelta(days=step.gap_days)
        promise = state.promise
        if step.promise_in_days is not None and promise is None:
            promised = as_of + timedelta(days=step.promise_in_days)
            promise = PromiseToPay(Decimal("300"), "EUR", promised)
        state = replace(
            state,
            outstanding=max(Decimal(0), state.outstanding - step.payment),
            disputed=step.disputed,
            excluded=step.excluded,
            promise=promise,
        )
        decision = evaluate_invoice(state, policy, as_of)
        decisions.append(decision)
        state = decision.state
    return decisions


histories = st.lists(steps, min_size=1, max_size=40)


@settings(max_examples=200, deadline=None)
@given(policy=policies(), start=st.integers(-15, 150), history=histories)
def test_the_stage_sequence_never_skips_a_stage(
    policy: DunningPolicy, start: int, history: list[Step]
) -> None:
    before: int | None = None
    for decision in run(policy, start, history):
        after = decision.stage_index
        if decision.advanced:
            assert after == (0 if before is None else before + 1)
        else:
            assert after == before
        before = after


@settings(max_examples=200, deadline=None)
@given(policy=policies(), start=st.integers(-15, 150), history=histories)
def test_each_stage_acts_at_most_once_and_only_when_it_is_due(
    policy: DunningPolicy, start: int, history: list[Step]
) -> None:
    acted: list[int] = []
    for decision in run(policy, start, history):
        if decision.actions:
            assert decision.advanced
            assert decision.stage_index is not None
            stage = policy.stages[decision.stage_index]
            state = decision.state
            assert decision.actions == stage.actions
            assert decision.as_of >= stage.due_on(DUE)
            assert state.outstanding >= stage.minimum_for("EUR") and state.outstanding > 0
            assert not (state.disputed or state.excluded)
            acted.append(decision.stage_index)
    assert len(acted) == len(set(acted))


@settings(max_examples=200, deadline=None)
@given(policy=policies(), start=st.integers(-15, 150), history=histories)
def test_replaying_any_evaluation_date_does_nothing_the_second_time(
    policy: DunningPolicy, start: int, history: list[Step]
) -> None:
    for decision in run(policy, start, history):
        again = evaluate_invoice(decision.state, policy, decision.as_of)
        assert not again.advanced
        assert again.actions == ()
        assert not again.promise_broken
        assert again.state == decision.state


@settings(max_examples=200, deadline=None)
@given(policy=policies(), start=st.integers(-15, 150), history=histories)
def test_a_promise_is_reported_broken_at_most_once(
    policy: DunningPolicy, start: int, history: list[Step]
) -> None:
    assert sum(decision.promise_broken for decision in run(policy, start, history)) <= 1
