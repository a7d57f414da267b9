"""One customer message per stage: group a run's decisions so a customer gets one letter.

A message is due for (customer, policy, stage) when at least one of the customer's invoices
reached that stage in the run and the stage has a notification. It lists every invoice of the
customer that stands at that stage after the run: the ones that just reached it
(`newly_reached`) and the ones already there that are neither settled nor paused (a disputed
invoice is not demanded in a letter). Invoices at other stages get their own messages.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from arflow_dunning.domain.actions import Notification
from arflow_dunning.domain.stages import DecisionReason, StageDecision


@dataclass(frozen=True)
class MessageLine:
    """One invoice listed in a customer message."""

    invoice_id: str
    currency: str
    outstanding: Decimal
    due_date: date
    newly_reached: bool


@dataclass(frozen=True)
class CustomerMessage:
    """What one customer receives for one stage: the notifications and the invoices listed."""

    customer_id: str
    policy_id: str
    stage_key: str
    stage_index: int
    as_of: date
    notifications: tuple[Notification, ...]
    lines: tuple[MessageLine, ...]

    @property
    def formal_demand(self) -> bool:
        """True when any of its notifications is a formal demand."""
        return any(notification.formal_demand for notification in self.notifications)

    def totals(self) -> dict[str, Decimal]:
        """Outstanding listed per currency (never summed across currencies)."""
        sums: dict[str, Decimal] = defaultdict(Decimal)
        for line in self.lines:
            sums[line.currency] += line.outstanding
        return dict(sums)


_Key = tuple[str, str, int]


def customer_messages(decisions: Iterable[StageDecision]) -> tuple[CustomerMessage, ...]:
    """One message per customer per stage reached in this run, listing its invoices there."""
    standing: dict[_Key, list[StageDecision]] = defaultdict(list)
    triggered: set[_Key] = set()
    for decision in decisions:
        if decision.stage_index is None or not _listable(decision):
            continue
        key = (decision.state.customer_id, decision.policy_id, decision.stage_index)
        standing[key].append(decision)
        if decision.advanced and decision.current_stage and decision.current_stage.notifications:
            triggered.add(key)
    return tuple(_message(key, standing[key]) for key in sorted(triggered))


def _listable(decision: StageDecision) -> bool:
    return not decision.paused and decision.reason is not DecisionReason.SETTLED


def _message(key: _Key, decisions: list[StageDecision]) -> CustomerMessage:
    customer_id, policy_id, stage_index = key
    stage = next(d.current_stage for d in decisions if d.advanced)
    assert stage is not None  # a triggered key always holds an advanced decision
    lines = sorted(
        (
            MessageLine(
                invoice_id=d.state.invoice_id,
                currency=d.state.currency,
                outstanding=d.state.outstanding,
                due_date=d.state.due_date,
                newly_reached=d.advanced,
            )
            for d in decisions
        ),
        key=lambda line: (line.due_date, line.invoice_id),
    )
    return CustomerMessage(
        customer_id=customer_id,
        policy_id=policy_id,
        stage_key=stage.key,
        stage_index=stage_index,
        as_of=max(d.as_of for d in decisions),
        notifications=stage.notifications,
        lines=tuple(lines),
    )
