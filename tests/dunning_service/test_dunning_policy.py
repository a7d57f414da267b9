"""Policy validation, the shipped defaults, policy choice and the error shape."""

from collections.abc import Callable
from decimal import Decimal

import pytest

from arflow_dunning.domain import (
    DEFAULT_POLICIES,
    TEMPLATE_KEYS,
    Channel,
    CreditHoldRequest,
    DunningError,
    DunningPolicy,
    DunningStage,
    InvalidPolicy,
    NoApplicablePolicy,
    Notification,
    carry_over_stage,
    select_policy,
)

NOTICE = Notification((Channel.EMAIL,), "dunning.reminder_1")


def stage(key: str, days: int, minimum_amounts: dict[str, Decimal] | None = None) -> DunningStage:
    return DunningStage(key, days, (NOTICE,), minimum_amounts=minimum_amounts or {})


def policy(
    *stages: DunningStage,
    id: str = "p",
    risk_classes: frozenset[str] = frozenset(),
    segments: frozenset[str] = frozenset(),
) -> DunningPolicy:
    return DunningPolicy(id, "p", stages, risk_classes=risk_classes, segments=segments)


@pytest.mark.parametrize(
    "stages",
    [
        (),
        (stage("a", 5), stage("b", 1)),
        (stage("a", 5), stage("b", 5)),
        (stage("a", 1), stage("a", 5)),
    ],
    ids=["no stages", "out of order", "same day", "repeated key"],
)
def test_a_policy_must_have_strictly_ordered_uniquely_named_stages(stages: tuple[DunningStage, ...]) -> None:
    with pytest.raises(InvalidPolicy):
        policy(*stages)


@pytest.mark.parametrize(
    "build",
    [
        lambda: DunningStage("Bad Key", 1, (NOTICE,)),
        lambda: DunningStage("empty", 1, ()),
        lambda: stage("neg", 1, minimum_amounts={"EUR": Decimal("-1")}),
        lambda: stage("cur", 1, minimum_amounts={"euro": Decimal("1")}),
        lambda: Notification((), "dunning.reminder_1"),
        lambda: Notification((Channel.SMS, Channel.SMS), "dunning.reminder_1"),
    ],
    ids=["bad key", "no action", "negative minimum", "bad currency", "no channel", "same channel twice"],
)
def test_malformed_stages_and_actions_are_rejected(build: Callable[[], object]) -> None:
    with pytest.raises(InvalidPolicy):
        build()


def test_default_policies_cover_the_four_risk_classes() -> None:
    assert sorted(DEFAULT_POLICIES) == ["A", "B", "C", "D"]
    for risk_class, default in DEFAULT_POLICIES.items():
        assert select_policy(DEFAULT_POLICIES.values(), risk_class) is default


def test_class_b_follows_the_standard_rhythm() -> None:
    b = DEFAULT_POLICIES["B"]
    assert [(s.key, s.days) for s in b.stages] == [
        ("friendly_reminder", -3),
        ("reminder_1", 1),
        ("reminder_2", 7),
        ("formal_demand", 15),
        ("final_notice", 30),
        ("lawyer_letter", 60),
        ("agency_handover", 90),
    ]


def test_better_classes_are_dunned_later_and_worse_ones_earlier() -> None:
    for key in ("reminder_1", "formal_demand", "final_notice", "lawyer_letter"):
        days = [DEFAULT_POLICIES[c].stages[DEFAULT_POLICIES[c].index_of(key)].days for c in "ABCD"]
        assert days == sorted(days, reverse=True), key


def test_worse_classes_get_a_credit_hold_sooner() -> None:
    def hold_day(risk_class: str) -> int:
        return next(
            s.days
            for s in DEFAULT_POLICIES[risk_class].stages
            if any(isinstance(a, CreditHoldRequest) for a in s.actions)
        )

    assert [hold_day(c) for c in "ABCD"] == [45, 30, 20, 5]


def test_every_default_template_is_listed_and_every_listed_template_is_used() -> None:
    used = {n.template_key for p in DEFAULT_POLICIES.values() for s in p.stages for n in s.notifications}
    assert used == set(TEMPLATE_KEYS)
    assert len(TEMPLATE_KEYS) == len(set(TEMPLATE_KEYS))


def test_legal_stages_have_a_minimum_amount() -> None:
    for p in DEFAULT_POLICIES.values():
        for s in p.stages:
            legal = s.key in {"lawyer_letter", "agency_handover", "litigation_review"}
            assert (s.minimum_for("EUR") > 0) is legal, (p.id, s.key)


def test_the_most_specific_policy_wins() -> None:
    catch_all = policy(stage("a", 1), id="any")
    for_b = policy(stage("a", 1), id="b", risk_classes=frozenset({"B"}))
    retail_b = policy(
        stage("a", 1), id="retail-b", risk_classes=frozenset({"B"}), segments=frozenset({"retail"})
    )
    options = [catch_all, retail_b, for_b]
    assert select_policy(options, "B", "retail") is retail_b
    assert select_policy(options, "B", "wholesale") is for_b
    assert select_policy(options, "C") is catch_all


def test_no_applicable_policy_is_a_404_problem() -> None:
    with pytest.raises(NoApplicablePolicy) as caught:
        select_policy(DEFAULT_POLICIES.values(), "Z")
    error = caught.value
    assert isinstance(error, DunningError)
    assert (error.status, error.problem_type) == (404, "no-applicable-dunning-policy")
    assert "Z" in error.detail and error.title


def test_a_rating_change_lands_on_the_last_stage_already_been_through() -> None:
    a, b, d = DEFAULT_POLICIES["A"], DEFAULT_POLICIES["B"], DEFAULT_POLICIES["D"]
    assert carry_over_stage(b, b.index_of("formal_demand"), d) == d.index_of("formal_demand")
    assert carry_over_stage(d, d.index_of("final_notice"), b) == b.index_of("final_notice")
    assert carry_over_stage(b, None, d) is None
    assert carry_over_stage(b, b.index_of("friendly_reminder"), a) is None


def test_a_downgrade_never_marks_an_unseen_credit_hold_as_done() -> None:
    b, d = DEFAULT_POLICIES["B"], DEFAULT_POLICIES["D"]
    carried = carry_over_stage(b, b.index_of("reminder_2"), d)
    assert carried == d.index_of("reminder_1")
    assert any(isinstance(a, CreditHoldRequest) for a in d.stages[carried + 1].actions)


def test_policies_without_a_shared_key_carry_over_by_days() -> None:
    old = policy(stage("one", 1), stage("two", 10))
    new = policy(stage("x", 0), stage("y", 9), stage("z", 11))
    assert carry_over_stage(old, 1, new) == 1
    assert carry_over_stage(new, 0, old) is None
