"""Limits: a breach is reported once per crossing; limit changes need a second person."""

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from arflow_credit.domain import (
    CreditConflict,
    CreditForbidden,
    CreditValidationError,
    LimitChangeRequest,
    LimitChangeStatus,
    SelfApprovalRefused,
    limit_crossed,
)

LIMIT = Decimal("1000.00")
exposures = st.integers(min_value=0, max_value=200_000).map(lambda cents: Decimal(cents) / 100)


def test_going_from_exactly_the_limit_to_one_cent_over_is_a_crossing() -> None:
    assert limit_crossed(LIMIT, LIMIT + Decimal("0.01"), LIMIT)


def test_staying_over_the_limit_is_not_a_new_crossing() -> None:
    assert not limit_crossed(Decimal("1200.00"), Decimal("1500.00"), LIMIT)


def test_reaching_the_limit_exactly_is_not_a_crossing() -> None:
    assert not limit_crossed(Decimal("900.00"), LIMIT, LIMIT)


def test_lowering_the_limit_below_the_exposure_is_a_crossing() -> None:
    assert limit_crossed(Decimal("800.00"), Decimal("800.00"), Decimal("500.00"), previous_limit=LIMIT)


@settings(max_examples=200)
@given(st.lists(exposures, min_size=1, max_size=30))
def test_a_breach_is_reported_once_per_crossing_over_any_sequence(sequence: list[Decimal]) -> None:
    start = Decimal(0)
    flags = [limit_crossed(prev, new, LIMIT) for prev, new in zip([start, *sequence], sequence, strict=False)]
    crossings = sum(1 for prev, new in zip([start, *sequence], sequence, strict=False) if prev <= LIMIT < new)
    assert sum(flags) == crossings
    # between two reported breaches exposure came back within the limit
    reported = [i for i, flag in enumerate(flags) if flag]
    for first, second in zip(reported, reported[1:], strict=False):
        assert any(value <= LIMIT for value in sequence[first:second])
    # every value over the limit belongs to a run that began with exactly one report
    for i, value in enumerate(sequence):
        if value > LIMIT:
            run_start = i
            while run_start > 0 and sequence[run_start - 1] > LIMIT:
                run_start -= 1
            assert flags[run_start] and not any(flags[run_start + 1 : i + 1])


def request() -> LimitChangeRequest:
    return LimitChangeRequest("cust-1", "alice", Decimal("25000.00"), "EUR", "seasonal peak", LIMIT)


def test_another_principal_approves_a_pending_limit_change() -> None:
    approved = request().approve("bob")
    assert (approved.status, approved.decided_by) == (LimitChangeStatus.APPROVED, "bob")


def test_the_requester_may_not_approve_their_own_limit_change() -> None:
    with pytest.raises(SelfApprovalRefused) as caught:
        request().approve("alice")
    assert isinstance(caught.value, CreditForbidden)
    assert caught.value.status == 403


def test_the_requester_may_not_reject_their_own_limit_change_either() -> None:
    with pytest.raises(SelfApprovalRefused):
        request().reject("alice", "changed my mind")


def test_a_decided_limit_change_cannot_be_decided_again() -> None:
    approved = request().approve("bob")
    with pytest.raises(CreditConflict) as caught:
        approved.approve("carol")
    assert caught.value.status == 409
    with pytest.raises(CreditConflict):
        request().reject("bob", "too high").approve("carol")


def test_approving_leaves_the_original_request_untouched() -> None:
    original = request()
    original.approve("bob")
    assert original.status is LimitChangeStatus.PENDING


def test_rejecting_needs_a_reason() -> None:
    with pytest.raises(CreditValidationError):
        request().reject("bob", "")


def test_a_limit_change_needs_a_reason_and_a_decimal_limit() -> None:
    with pytest.raises(CreditValidationError):
        LimitChangeRequest("cust-1", "alice", Decimal("1.00"), "EUR", "")
    with pytest.raises(CreditValidationError):
        LimitChangeRequest("cust-1", "alice", 25000.0, "EUR", "why")  # type: ignore[arg-type]
