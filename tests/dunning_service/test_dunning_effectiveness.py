"""Effectiveness per stage and channel, cost against recovery, and CEI per collector."""

from datetime import date, timedelta
from decimal import Decimal

import pytest

from arflow_dunning.domain import (
    ArBalances,
    CollectorKpis,
    CurrencyMismatch,
    InvoicePayment,
    SettledInvoice,
    StageReached,
    collection_effectiveness_index,
    collector_kpis,
    stage_costs,
    stage_effectiveness,
)

DAY = date(2024, 4, 1)


def reached(
    invoice_id: str,
    stage: str,
    days: int = 0,
    amount: str = "100",
    channels: tuple[str, ...] = (),
    cost_keys: tuple[str, ...] = (),
) -> StageReached:
    return StageReached(
        invoice_id=invoice_id,
        policy_id="default-b",
        stage_key=stage,
        reached_on=DAY + timedelta(days=days),
        amount=Decimal(amount),
        currency="EUR",
        channels=channels,
        cost_keys=cost_keys,
    )


def paid(invoice_id: str, days: int, amount: str = "100") -> InvoicePayment:
    return InvoicePayment(invoice_id, DAY + timedelta(days=days), Decimal(amount), "EUR")


@pytest.mark.parametrize(("paid_after", "counted"), [(0, False), (1, True), (30, True), (31, False)])
def test_a_payment_counts_from_the_day_after_reaching_to_the_window_end(
    paid_after: int, counted: bool
) -> None:
    (row,) = stage_effectiveness(
        [reached("I1", "reminder_1", channels=("email",))], [paid("I1", paid_after)], currency="EUR"
    )
    assert row.recovered_within_window == (Decimal("100") if counted else Decimal(0))


def test_rows_are_per_stage_and_channel_with_invoices_and_amounts() -> None:
    events = [
        reached("I1", "reminder_2", channels=("email", "sms"), amount="100"),
        reached("I2", "reminder_2", channels=("email", "sms"), amount="300"),
        reached("I1", "formal_demand", days=8),
    ]
    rows = stage_effectiveness(events, [paid("I2", 3, "120"), paid("I2", 5, "500")], currency="EUR")
    summary = [
        (r.stage_key, r.channel, r.invoices_reached, r.amount_reached, r.recovered_within_window)
        for r in rows
    ]
    assert summary == [
        ("formal_demand", "none", 1, Decimal("100"), Decimal(0)),
        ("reminder_2", "email", 2, Decimal("400"), Decimal("300")),
        ("reminder_2", "sms", 2, Decimal("400"), Decimal("300")),
    ]


def test_costs_use_unit_costs_and_last_touch_recovery() -> None:
    events = [
        reached("I1", "reminder_1", cost_keys=("email",)),
        reached("I1", "formal_demand", days=10, cost_keys=("call", "letter")),
    ]
    costs = stage_costs(
        events,
        [paid("I1", 5, "40"), paid("I1", 12, "60")],
        {"email": Decimal("0.05"), "call": Decimal("8"), "letter": Decimal("1.50")},
        currency="EUR",
    )
    assert [(c.stage_key, c.actions, c.cost, c.recovered) for c in costs] == [
        ("formal_demand", 2, Decimal("9.50"), Decimal("60")),
        ("reminder_1", 1, Decimal("0.05"), Decimal("40")),
    ]
    assert costs[0].cost_per_recovered == Decimal("9.50") / Decimal("60")


def test_nothing_recovered_means_no_cost_ratio() -> None:
    (cost,) = stage_costs([reached("I1", "reminder_1", cost_keys=("sms",))], [], {}, currency="EUR")
    assert cost.cost == 0
    assert cost.cost_per_recovered is None


def test_amounts_in_another_currency_are_refused() -> None:
    with pytest.raises(CurrencyMismatch):
        stage_effectiveness([reached("I1", "reminder_1")], [], currency="USD")
    with pytest.raises(CurrencyMismatch):
        stage_effectiveness(
            [reached("I1", "reminder_1")],
            [InvoicePayment("I1", DAY, Decimal(1), "USD")],
            currency="EUR",
        )


def test_cei_is_collected_over_collectible_in_percent() -> None:
    balances = ArBalances(Decimal("100000"), Decimal("50000"), Decimal("60000"), Decimal("40000"))
    assert collection_effectiveness_index(balances) == Decimal("81.82")


def test_cei_is_undefined_when_nothing_was_collectible() -> None:
    assert collection_effectiveness_index(ArBalances(Decimal(0), Decimal(0), Decimal(0), Decimal(0))) is None


def test_collector_kpis_report_collected_days_late_and_cei_per_owner() -> None:
    settled = [
        SettledInvoice("anna", Decimal("100"), DAY, DAY + timedelta(days=10)),
        SettledInvoice("anna", Decimal("50"), DAY, DAY - timedelta(days=2)),
        SettledInvoice("ben", Decimal("70"), DAY, DAY + timedelta(days=3)),
    ]
    balances = {"ben": ArBalances(Decimal(100), Decimal(100), Decimal(50), Decimal(20))}
    assert collector_kpis(settled, balances) == (
        CollectorKpis("anna", Decimal("150"), 2, Decimal("5.00"), None),
        CollectorKpis("ben", Decimal("70"), 1, Decimal("3.00"), Decimal("83.33")),
    )
