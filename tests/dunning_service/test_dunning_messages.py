"""One message per customer and stage, listing the customer's invoices at that stage."""

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from arflow_dunning.domain import (
    DEFAULT_POLICIES,
    InvoiceDunningState,
    StageDecision,
    customer_messages,
    evaluate_invoice,
)

DUE = date(2024, 3, 1)
B = DEFAULT_POLICIES["B"]
A = DEFAULT_POLICIES["A"]
REMINDER_1_DAY = DUE + timedelta(days=1)


def invoice(invoice_id: str, customer_id: str = "C-1", **changes: Any) -> InvoiceDunningState:
    state = InvoiceDunningState(
        invoice_id=invoice_id,
        customer_id=customer_id,
        currency="EUR",
        due_date=DUE,
        outstanding=Decimal("100"),
        stage_index=0,
        stage_reached_on=DUE - timedelta(days=3),
    )
    return replace(state, **changes)


def evaluate(*states: InvoiceDunningState, as_of: date = REMINDER_1_DAY) -> list[StageDecision]:
    return [evaluate_invoice(state, B, as_of) for state in states]


def test_two_invoices_reaching_a_stage_together_make_one_message() -> None:
    (message,) = customer_messages(evaluate(invoice("INV-2"), invoice("INV-1")))
    assert message.customer_id == "C-1"
    assert message.stage_key == "reminder_1"
    assert [line.invoice_id for line in message.lines] == ["INV-1", "INV-2"]
    assert message.notifications == B.stages[1].notifications
    assert message.totals() == {"EUR": Decimal("200")}


def test_each_customer_gets_its_own_message() -> None:
    messages = customer_messages(evaluate(invoice("INV-1", "C-1"), invoice("INV-2", "C-2")))
    assert [m.customer_id for m in messages] == ["C-1", "C-2"]


def test_invoices_at_different_stages_get_different_messages() -> None:
    behind = invoice("INV-2", stage_index=None, stage_reached_on=None)
    messages = customer_messages(evaluate(invoice("INV-1"), behind))
    assert [(m.stage_key, [line.invoice_id for line in m.lines]) for m in messages] == [
        ("friendly_reminder", ["INV-2"]),
        ("reminder_1", ["INV-1"]),
    ]


def test_an_invoice_already_at_the_stage_is_listed_but_not_as_new() -> None:
    already = invoice("INV-9", stage_index=1, stage_reached_on=DUE)
    (message,) = customer_messages(evaluate(invoice("INV-1"), already))
    assert [(line.invoice_id, line.newly_reached) for line in message.lines] == [
        ("INV-1", True),
        ("INV-9", False),
    ]


def test_paused_and_settled_invoices_are_not_listed() -> None:
    disputed = invoice("INV-2", stage_index=1, stage_reached_on=DUE, disputed=True)
    paid = invoice("INV-3", stage_index=1, stage_reached_on=DUE, outstanding=Decimal(0))
    (message,) = customer_messages(evaluate(invoice("INV-1"), disputed, paid))
    assert [line.invoice_id for line in message.lines] == ["INV-1"]


def test_no_message_when_nothing_reached_a_stage() -> None:
    assert customer_messages(evaluate(invoice("INV-1"), as_of=DUE)) == ()


def test_a_stage_without_a_notification_sends_no_message() -> None:
    last = len(A.stages) - 1
    state = invoice("INV-1", stage_index=last - 1, outstanding=Decimal("1000"))
    decision = evaluate_invoice(state, A, DUE + timedelta(days=A.stages[last].days))
    assert decision.advanced
    assert customer_messages([decision]) == ()


def test_a_formal_demand_message_says_so() -> None:
    state = invoice("INV-1", stage_index=2, stage_reached_on=DUE)
    (message,) = customer_messages([evaluate_invoice(state, B, DUE + timedelta(days=15))])
    assert message.stage_key == "formal_demand"
    assert message.formal_demand
