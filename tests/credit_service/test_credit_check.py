"""Credit checks: the limit boundary, tolerance, holds, overdue, prepayment and currency."""

from collections.abc import Sequence
from datetime import date
from decimal import Decimal

import pytest

from arflow_credit.domain import (
    CheckReason,
    CreditDecision,
    CreditHold,
    CreditPolicy,
    CreditValidationError,
    Decision,
    Exposure,
    FixedLimit,
    HoldSource,
    OverdueState,
    OverdueThreshold,
    decide_credit_check,
    default_credit_policies,
)

LIMIT = Decimal("1000.00")
EXPOSURE = Exposure("EUR", not_yet_due=Decimal("600.00"))


def policy(tolerance: str = "0", prepayment: bool = False) -> CreditPolicy:
    return CreditPolicy(
        "B",
        FixedLimit(LIMIT, "EUR"),
        30,
        review_tolerance_percent=Decimal(tolerance),
        overdue_threshold=OverdueThreshold(Decimal("100.00"), 30),
        prepayment_required=prepayment,
    )


def check(
    amount: str,
    tolerance: str = "0",
    *,
    currency: str = "EUR",
    holds: Sequence[CreditHold] = (),
    overdue: OverdueState | None = None,
    policy_: CreditPolicy | None = None,
) -> CreditDecision:
    return decide_credit_check(
        Decimal(amount),
        currency,
        exposure=EXPOSURE,
        limit=LIMIT,
        policy=policy_ or policy(tolerance),
        holds=holds,
        overdue=overdue,
    )


def test_an_order_that_brings_exposure_exactly_to_the_limit_is_approved() -> None:
    result = check("400.00")
    assert (result.decision, result.reasons, result.available_after) == (
        Decision.APPROVED,
        (),
        Decimal("0.00"),
    )


def test_one_cent_over_the_limit_without_tolerance_is_rejected_as_over_limit() -> None:
    result = check("400.01")
    assert (result.decision, result.reasons) == (Decision.REJECTED, (CheckReason.OVER_LIMIT,))
    assert result.available_after == Decimal("-0.01")


def test_one_cent_over_the_limit_within_tolerance_goes_to_review() -> None:
    result = check("400.01", tolerance="10")
    assert (result.decision, result.reasons) == (Decision.REVIEW, (CheckReason.WITHIN_TOLERANCE,))


def test_exactly_at_the_tolerance_ceiling_is_review_and_one_cent_beyond_is_rejected() -> None:
    assert check("500.00", tolerance="10").decision is Decision.REVIEW
    assert check("500.01", tolerance="10").reasons == (CheckReason.OVER_LIMIT,)


def test_a_customer_on_hold_is_rejected_even_within_the_limit() -> None:
    hold = CreditHold(HoldSource.DUNNING, "stage 3 reached", date(2024, 1, 1), "case-7")
    result = check("1.00", holds=[hold])
    assert (result.decision, result.reasons) == (Decision.REJECTED, (CheckReason.ON_HOLD,))


def test_overdue_money_at_the_policy_threshold_rejects_the_order() -> None:
    result = check("1.00", overdue=OverdueState(Decimal("100.00"), 30))
    assert result.reasons == (CheckReason.OVERDUE_BEYOND_TOLERANCE,)
    assert result.decision is Decision.REJECTED


def test_overdue_money_below_the_threshold_does_not_block_the_order() -> None:
    assert check("1.00", overdue=OverdueState(Decimal("100.00"), 29)).decision is Decision.APPROVED
    assert check("1.00", overdue=OverdueState(Decimal("99.99"), 90)).decision is Decision.APPROVED


def test_a_prepayment_class_is_rejected_with_prepayment_required() -> None:
    result = check("1.00", policy_=policy(prepayment=True))
    assert result.reasons == (CheckReason.PREPAYMENT_REQUIRED,)


def test_class_d_by_default_requires_prepayment_and_has_no_limit() -> None:
    class_d = default_credit_policies("EUR")["D"]
    result = decide_credit_check(
        Decimal("10.00"), "EUR", exposure=Exposure("EUR"), limit=Decimal("0"), policy=class_d
    )
    assert result.reasons == (CheckReason.PREPAYMENT_REQUIRED, CheckReason.OVER_LIMIT)


def test_an_order_in_another_currency_is_rejected_without_touching_available() -> None:
    result = check("10.00", currency="USD")
    assert (result.decision, result.reasons) == (Decision.REJECTED, (CheckReason.CURRENCY_MISMATCH,))
    assert (result.available_after, result.currency) == (Decimal("400.00"), "EUR")


def test_every_reason_that_applies_is_reported() -> None:
    hold = CreditHold(HoldSource.MANUAL, "fraud check", date(2024, 1, 1))
    result = check("900.00", holds=[hold], overdue=OverdueState(Decimal("500.00"), 45))
    assert result.reasons == (
        CheckReason.ON_HOLD,
        CheckReason.OVERDUE_BEYOND_TOLERANCE,
        CheckReason.OVER_LIMIT,
    )


@pytest.mark.parametrize("amount", [Decimal("0"), Decimal("-5.00")])
def test_an_order_amount_must_be_positive(amount: Decimal) -> None:
    with pytest.raises(CreditValidationError):
        decide_credit_check(amount, "EUR", exposure=EXPOSURE, limit=LIMIT, policy=policy())


def test_a_float_order_amount_is_refused() -> None:
    with pytest.raises(CreditValidationError):
        decide_credit_check(10.0, "EUR", exposure=EXPOSURE, limit=LIMIT, policy=policy())  # type: ignore[arg-type]
