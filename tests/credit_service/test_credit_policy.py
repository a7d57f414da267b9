"""Policies: defaults for A-D, derived limits, lookup and validation."""

from datetime import date
from decimal import Decimal

import pytest

from arflow_credit.domain import (
    DEFAULT_RISK_CLASSES,
    CreditNotFound,
    CreditPolicy,
    CreditSale,
    CreditValidationError,
    DerivedLimit,
    FixedLimit,
    default_credit_policies,
    policy_for,
    resolve_limit,
)
from arflow_credit.domain.policy import months_before


def test_default_policies_cover_every_default_class_from_generous_to_prepayment() -> None:
    policies = default_credit_policies("EUR")
    assert tuple(policies) == DEFAULT_RISK_CLASSES
    limits = [resolve_limit(policies[c], date(2024, 1, 1)) for c in DEFAULT_RISK_CLASSES]
    assert limits == sorted(limits, reverse=True)
    assert [policies[c].prepayment_required for c in DEFAULT_RISK_CLASSES] == [False, False, False, True]
    assert all(p.currency == "EUR" for p in policies.values())


def test_a_derived_limit_is_a_multiple_of_average_monthly_sales_over_the_trailing_months() -> None:
    rule = DerivedLimit(Decimal("2"), 3, "EUR")
    sales = [
        CreditSale(date(2024, 3, 30), Decimal("100.00")),  # on as_of - 3 months: outside
        CreditSale(date(2024, 4, 1), Decimal("300.00")),
        CreditSale(date(2024, 6, 30), Decimal("600.00")),
        CreditSale(date(2024, 7, 1), Decimal("999.00")),  # after as_of
    ]
    policy = CreditPolicy("A", rule, 30)
    assert resolve_limit(policy, date(2024, 6, 30), sales) == Decimal("600.00")


def test_a_derived_limit_rounds_down_to_the_cent_and_respects_its_minimum() -> None:
    rule = DerivedLimit(Decimal("1"), 3, "EUR", minimum=Decimal("50.00"))
    assert rule.amount_for([CreditSale(date(2024, 6, 1), Decimal("100.00"))], date(2024, 6, 30)) == Decimal(
        "50.00"
    )
    assert rule.amount_for([CreditSale(date(2024, 6, 1), Decimal("200.00"))], date(2024, 6, 30)) == Decimal(
        "66.66"
    )


def test_months_before_clamps_to_the_end_of_a_shorter_month() -> None:
    assert months_before(date(2024, 5, 31), 3) == date(2024, 2, 29)
    assert months_before(date(2024, 1, 15), 1) == date(2023, 12, 15)


def test_looking_up_an_unknown_class_is_not_found() -> None:
    with pytest.raises(CreditNotFound):
        policy_for(default_credit_policies("EUR"), "E")


@pytest.mark.parametrize(
    "make",
    [
        lambda: FixedLimit(Decimal("-1"), "EUR"),
        lambda: FixedLimit(Decimal("1"), "euro"),
        lambda: CreditPolicy("A", FixedLimit(Decimal("1"), "EUR"), -1),
        lambda: CreditPolicy("A", FixedLimit(Decimal("1"), "EUR"), 30, review_tolerance_percent=5.0),  # type: ignore[arg-type]
        lambda: DerivedLimit(Decimal("2"), 0, "EUR"),
    ],
)
def test_invalid_policy_settings_are_refused(make: object) -> None:
    with pytest.raises(CreditValidationError) as caught:
        make()  # type: ignore[operator]
    assert caught.value.status == 422
