"""Stage evaluation around every boundary of the default policies."""

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest

from arflow_dunning.domain import (
    DEFAULT_POLICIES,
    DecisionReason,
    DunningPolicy,
    DunningStage,
    InvalidInvoiceState,
    InvoiceDunningState,
    Notification,
    PromiseStatus,
    PromiseToPay,
    evaluate_invoice,
)
from arflow_dunning.domain.actions import Channel

DUE = date(2024, 3, 1)
B = DEFAULT_POLICIES["B"]


def fresh(**changes: Any) -> InvoiceDunningState:
    state = InvoiceDunningState(
        invoice_id="INV-1",
        customer_id="C-1",
        currency="EUR",
        due_date=DUE,
        outstanding=Decimal("1000.00"),
    )
    return replace(state, **changes)


def on_day(days: int) -> date:
    return DUE + timedelta(days=days)


def at_stage(policy: DunningPolicy, index: int | None, **changes: Any) -> InvoiceDunningState:
    """The invoice as it stands after reaching stage `index` exactly on that stage's day."""
    if index is None:
        return fresh(**changes)
    return fresh(stage_index=index, stage_reached_on=on_day(policy.stages[index].days), **changes)


BOUNDARIES = [
    pytest.param(policy, index, id=f"{risk_class}-{stage.key}")
    for risk_class, policy in DEFAULT_POLICIES.items()
    for index, stage in enumerate(policy.stages)
]


def previous(index: int) -> int | None:
    return index - 1 if index else None


@pytest.mark.parametrize(("policy", "index"), BOUNDARIES)
def test_the_day_before_a_stage_nothing_happens(policy: DunningPolicy, index: int) -> None:
    stage = policy.stages[index]
    decision = evaluate_invoice(at_stage(policy, previous(index)), policy, on_day(stage.days - 1))
    assert decision.reason is DecisionReason.NOT_DUE
    assert decision.stage_index == previous(index)
    assert decision.actions == ()


@pytest.mark.parametrize(("policy", "index"), BOUNDARIES)
def test_on_the_stage_day_the_invoice_reaches_it_with_its_actions(policy: DunningPolicy, index: int) -> None:
    stage = policy.stages[index]
    decision = evaluate_invoice(at_stage(policy, previous(index)), policy, on_day(stage.days))
    assert decision.advanced
    assert decision.stage_index == index
    assert decision.current_stage == stage
    assert decision.actions == stage.actions
    assert decision.state.stage_reached_on == on_day(stage.days)


@pytest.mark.parametrize(("policy", "index"), BOUNDARIES)
def test_the_day_after_a_stage_the_invoice_still_reaches_it(policy: DunningPolicy, index: int) -> None:
    stage = policy.stages[index]
    decision = evaluate_invoice(at_stage(policy, previous(index)), policy, on_day(stage.days + 1))
    assert decision.advanced
    assert decision.stage_index == index


@pytest.mark.parametrize(("policy", "index"), BOUNDARIES)
def test_a_settled_invoice_never_reaches_a_stage(policy: DunningPolicy, index: int) -> None:
    state = at_stage(policy, previous(index), outstanding=Decimal(0))
    for offset in (-1, 0, 1):
        decision = evaluate_invoice(state, policy, on_day(policy.stages[index].days + offset))
        assert decision.reason is DecisionReason.SETTLED
        assert decision.actions == ()


@pytest.mark.parametrize(("policy", "index"), BOUNDARIES)
def test_a_partly_paid_invoice_still_escalates_when_above_the_minimum(
    policy: DunningPolicy, index: int
) -> None:
    stage = policy.stages[index]
    left = max(stage.minimum_for("EUR"), Decimal("0.01"))
    state = at_stage(policy, previous(index), outstanding=left)
    assert evaluate_invoice(state, policy, on_day(stage.days)).advanced


@pytest.mark.parametrize(("policy", "index"), BOUNDARIES)
def test_a_disputed_invoice_pauses_at_and_after_the_stage_day(policy: DunningPolicy, index: int) -> None:
    stage = policy.stages[index]
    state = at_stage(policy, previous(index), disputed=True)
    for offset in (0, 1, 365):
        decision = evaluate_invoice(state, policy, on_day(stage.days + offset))
        assert decision.reason is DecisionReason.DISPUTED
        assert decision.paused
        assert decision.stage_index == previous(index)


@pytest.mark.parametrize(("policy", "index"), BOUNDARIES)
def test_an_invoice_excluded_by_a_collector_pauses(policy: DunningPolicy, index: int) -> None:
    stage = policy.stages[index]
    state = at_stage(policy, previous(index), excluded=True)
    for offset in (0, 1, 365):
        decision = evaluate_invoice(state, policy, on_day(stage.days + offset))
        assert decision.reason is DecisionReason.EXCLUDED
        assert decision.actions == ()


@pytest.mark.parametrize(("policy", "index"), BOUNDARIES)
def test_an_open_promise_pauses_until_its_date_and_breaking_it_escalates(
    policy: DunningPolicy, index: int
) -> None:
    stage = policy.stages[index]
    promised = on_day(stage.days + 5)
    promise = PromiseToPay(Decimal("500"), "EUR", promised)
    state = at_stage(policy, previous(index), promise=promise)
    for as_of in (on_day(stage.days), promised):
        assert evaluate_invoice(state, policy, as_of).reason is DecisionReason.PROMISE_OPEN
    broken = evaluate_invoice(state, policy, promised + timedelta(days=1))
    assert broken.promise_broken
    assert broken.advanced
    assert broken.stage_index == index
    assert broken.state.promise is not None
    assert broken.state.promise.status is PromiseStatus.BROKEN


@pytest.mark.parametrize(("policy", "index"), BOUNDARIES)
def test_a_kept_promise_resumes_escalation_without_a_broken_signal(policy: DunningPolicy, index: int) -> None:
    stage = policy.stages[index]
    promised = on_day(stage.days + 5)
    state = at_stage(
        policy,
        previous(index),
        promise=PromiseToPay(Decimal("500"), "EUR", promised),
        paid_toward_promise=Decimal("500"),
        outstanding=Decimal("500"),
    )
    decision = evaluate_invoice(state, policy, on_day(stage.days))
    assert not decision.promise_broken
    assert decision.advanced
    assert decision.state.promise is not None
    assert decision.state.promise.status is PromiseStatus.KEPT


LEGAL = [
    pytest.param(policy, index, id=f"{risk_class}-{stage.key}")
    for risk_class, policy in DEFAULT_POLICIES.items()
    for index, stage in enumerate(policy.stages)
    if stage.minimum_for("EUR") > 0
]


@pytest.mark.parametrize(("policy", "index"), LEGAL)
def test_below_the_minimum_the_invoice_holds_at_its_current_stage(policy: DunningPolicy, index: int) -> None:
    stage = policy.stages[index]
    below = stage.minimum_for("EUR") - Decimal("0.01")
    state = at_stage(policy, previous(index), outstanding=below)
    for offset in (0, 1, 365):
        decision = evaluate_invoice(state, policy, on_day(stage.days + offset))
        assert decision.reason is DecisionReason.BELOW_MINIMUM
        assert decision.stage_index == previous(index)


@pytest.mark.parametrize(("policy", "index"), LEGAL)
def test_exactly_the_minimum_reaches_the_stage(policy: DunningPolicy, index: int) -> None:
    stage = policy.stages[index]
    state = at_stage(policy, previous(index), outstanding=stage.minimum_for("EUR"))
    assert evaluate_invoice(state, policy, on_day(stage.days)).advanced


@pytest.mark.parametrize(("policy", "index"), LEGAL)
def test_a_currency_without_a_minimum_is_not_held(policy: DunningPolicy, index: int) -> None:
    stage = policy.stages[index]
    state = at_stage(policy, previous(index), currency="SEK", outstanding=Decimal("1"))
    assert evaluate_invoice(state, policy, on_day(stage.days)).advanced


@pytest.mark.parametrize("policy", DEFAULT_POLICIES.values(), ids=DEFAULT_POLICIES.keys())
def test_daily_evaluation_reaches_every_stage_exactly_on_its_day(policy: DunningPolicy) -> None:
    state = fresh()
    reached: dict[int, date] = {}
    for offset in range(-10, 200):
        decision = evaluate_invoice(state, policy, on_day(offset))
        if decision.advanced:
            assert decision.stage_index is not None
            reached[decision.stage_index] = on_day(offset)
        state = decision.state
    assert reached == {i: on_day(stage.days) for i, stage in enumerate(policy.stages)}


def test_a_late_first_evaluation_catches_up_one_stage_per_business_day() -> None:
    state = fresh()
    start = on_day(200)
    indexes = []
    for offset in range(len(B.stages) + 2):
        decision = evaluate_invoice(state, B, start + timedelta(days=offset))
        indexes.append(decision.stage_index)
        state = decision.state
    assert indexes == [0, 1, 2, 3, 4, 5, 6, 6, 6]


def test_replaying_the_same_date_does_nothing_the_second_time() -> None:
    first = evaluate_invoice(fresh(), B, on_day(200))
    again = evaluate_invoice(first.state, B, on_day(200))
    assert first.advanced
    assert again.reason is DecisionReason.ALREADY_MOVED
    assert again.state == first.state
    assert again.actions == ()


def test_an_older_date_than_the_last_move_does_nothing() -> None:
    state = at_stage(B, 3)
    assert evaluate_invoice(state, B, on_day(100)).advanced
    assert evaluate_invoice(state, B, on_day(10)).reason is DecisionReason.ALREADY_MOVED


def test_after_the_last_stage_nothing_more_happens() -> None:
    last = len(B.stages) - 1
    decision = evaluate_invoice(at_stage(B, last), B, on_day(1000))
    assert decision.reason is DecisionReason.FINAL_STAGE
    assert decision.current_stage == B.stages[last]


def test_a_resolved_dispute_resumes_one_stage_at_a_time() -> None:
    state = at_stage(B, 1, disputed=True)
    assert evaluate_invoice(state, B, on_day(40)).paused
    resumed = evaluate_invoice(replace(state, disputed=False), B, on_day(41))
    assert resumed.stage_index == 2
    assert evaluate_invoice(resumed.state, B, on_day(42)).stage_index == 3


def test_a_promise_broken_before_the_next_stage_is_due_signals_without_moving() -> None:
    promise = PromiseToPay(Decimal("100"), "EUR", on_day(2))
    decision = evaluate_invoice(at_stage(B, 1, promise=promise), B, on_day(3))
    assert decision.promise_broken
    assert decision.reason is DecisionReason.NOT_DUE
    assert decision.state.promise is not None
    assert decision.state.promise.status is PromiseStatus.BROKEN
    assert not evaluate_invoice(decision.state, B, on_day(3)).promise_broken


def test_a_broken_promise_on_a_disputed_invoice_is_still_signalled() -> None:
    promise = PromiseToPay(Decimal("100"), "EUR", on_day(2))
    decision = evaluate_invoice(at_stage(B, 1, promise=promise, disputed=True), B, on_day(20))
    assert decision.promise_broken
    assert decision.reason is DecisionReason.DISPUTED


def test_a_promise_kept_by_partial_payment_leaves_the_rest_to_escalate() -> None:
    promise = PromiseToPay(Decimal("300"), "EUR", on_day(20))
    state = at_stage(B, 2, promise=promise, paid_toward_promise=Decimal("300"))
    decision = evaluate_invoice(replace(state, outstanding=Decimal("700")), B, on_day(16))
    assert decision.advanced
    assert decision.stage_index == 3


def test_a_stage_index_outside_the_policy_is_rejected() -> None:
    with pytest.raises(InvalidInvoiceState):
        evaluate_invoice(fresh(stage_index=7), B, on_day(1))


@pytest.mark.parametrize(
    "changes",
    [
        {"outstanding": Decimal("-1")},
        {"currency": "eur"},
        {"stage_index": -1},
        {"promise": PromiseToPay(Decimal("1"), "USD", DUE)},
    ],
)
def test_an_inconsistent_state_is_rejected(changes: dict[str, Any]) -> None:
    with pytest.raises(InvalidInvoiceState):
        fresh(**changes)


def test_a_stage_with_a_minimum_holds_later_stages_too() -> None:
    notice = Notification((Channel.EMAIL,), "dunning.reminder_1")
    policy = DunningPolicy(
        id="p",
        name="p",
        stages=(
            DunningStage("big", 1, (notice,), minimum_amounts={"EUR": Decimal("500")}),
            DunningStage("small", 2, (notice,)),
        ),
    )
    decision = evaluate_invoice(fresh(outstanding=Decimal("100")), policy, on_day(30))
    assert decision.reason is DecisionReason.BELOW_MINIMUM
    assert decision.stage_index is None
