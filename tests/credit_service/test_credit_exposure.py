"""Exposure arithmetic: not yet due + overdue + reserved - unapplied credit, parts per policy."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from arflow_credit.domain import (
    CreditPolicy,
    CreditValidationError,
    Exposure,
    ExposurePart,
    FixedLimit,
    OpenInvoice,
    available_credit,
    credit_exposure,
)

AS_OF = date(2024, 3, 31)
amounts = st.integers(min_value=0, max_value=10_000_000).map(lambda cents: Decimal(cents) / 100)


def policy(counted: frozenset[ExposurePart] = frozenset(ExposurePart)) -> CreditPolicy:
    return CreditPolicy("B", FixedLimit(Decimal("1000.00"), "EUR"), 30, counted_parts=counted)


def test_an_invoice_due_today_is_not_yet_due_and_one_due_yesterday_is_overdue() -> None:
    invoices = [
        OpenInvoice(Decimal("100.00"), AS_OF),
        OpenInvoice(Decimal("40.00"), AS_OF - timedelta(days=1)),
    ]
    exposure = credit_exposure(policy(), invoices, AS_OF)
    assert (exposure.not_yet_due, exposure.overdue) == (Decimal("100.00"), Decimal("40.00"))


def test_exposure_adds_reservations_and_subtracts_unapplied_credit() -> None:
    invoices = [OpenInvoice(Decimal("300.00"), AS_OF + timedelta(days=10))]
    exposure = credit_exposure(policy(), invoices, AS_OF, Decimal("200.00"), Decimal("50.00"))
    assert exposure.total == Decimal("450.00")
    assert available_credit(Decimal("1000.00"), exposure) == Decimal("550.00")


def test_available_credit_goes_negative_over_the_limit() -> None:
    exposure = Exposure("EUR", overdue=Decimal("1200.00"))
    assert available_credit(Decimal("1000.00"), exposure) == Decimal("-200.00")


def test_a_policy_can_leave_reservations_and_unapplied_credit_out() -> None:
    counted = frozenset({ExposurePart.NOT_YET_DUE, ExposurePart.OVERDUE})
    exposure = Exposure("EUR", Decimal("10"), Decimal("20"), Decimal("30"), Decimal("5"), counted)
    assert exposure.total == Decimal("30")


@settings(max_examples=200)
@given(amounts, amounts, amounts, amounts, st.sets(st.sampled_from(list(ExposurePart))))
def test_the_total_is_the_signed_sum_of_the_counted_parts(
    not_yet_due: Decimal, overdue: Decimal, reserved: Decimal, unapplied: Decimal, counted: set[ExposurePart]
) -> None:
    exposure = Exposure("EUR", not_yet_due, overdue, reserved, unapplied, frozenset(counted))
    signed = {
        ExposurePart.NOT_YET_DUE: not_yet_due,
        ExposurePart.OVERDUE: overdue,
        ExposurePart.RESERVED: reserved,
        ExposurePart.UNAPPLIED_CREDIT: -unapplied,
    }
    assert exposure.total == sum((signed[part] for part in counted), Decimal(0))


@settings(max_examples=100)
@given(st.lists(st.tuples(amounts.filter(bool), st.integers(min_value=-90, max_value=90)), max_size=10))
def test_splitting_by_due_date_keeps_every_cent_of_outstanding(rows: list[tuple[Decimal, int]]) -> None:
    invoices = [OpenInvoice(amount, AS_OF + timedelta(days=shift)) for amount, shift in rows]
    exposure = credit_exposure(policy(), invoices, AS_OF)
    assert exposure.not_yet_due + exposure.overdue == sum((a for a, _ in rows), Decimal(0))


def test_reserving_an_order_raises_the_reserved_part() -> None:
    exposure = Exposure("EUR", reserved=Decimal("10.00")).with_reserved(Decimal("5.50"))
    assert exposure.reserved == Decimal("15.50")


def test_negative_parts_and_float_parts_are_refused() -> None:
    with pytest.raises(CreditValidationError):
        Exposure("EUR", overdue=Decimal("-1"))
    with pytest.raises(CreditValidationError):
        Exposure("EUR", reserved=1.5)  # type: ignore[arg-type]
