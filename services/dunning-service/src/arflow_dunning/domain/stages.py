"""Stage evaluation: the pure rule that moves an invoice through its dunning policy.

`evaluate_invoice(state, policy, as_of)` decides, for one invoice on one business date, whether
it reaches its next stage. The rules, checked in this order:

1. Settled (outstanding 0): nothing happens; the promise is left as it is.
2. An open promise whose date has passed unkept breaks: the decision says `promise_broken`
   (emit PromiseToPayBroken once; the new state records it as broken so a replay is silent)
   and escalation resumes. A kept promise simply stops pausing.
3. Paused: a disputed invoice, one excluded by a collector, or one under an open promise not
   yet due (as_of <= promised date) does not move. Time paused is not made up by skipping:
   once the pause ends the invoice catches up one stage per evaluation.
4. One stage per business date: an invoice that already moved on `as_of` (or later) does not
   move again, so replaying the same date, or an older one, does nothing.
5. Only the next stage is considered, never one after it, so no stage is ever skipped; if
   several are due, the invoice moves to the next one now and to the others on later dates.
6. The next stage is due when as_of >= due date + stage days.
7. Minimum amount: when the outstanding amount is below the stage's minimum for the invoice's
   currency, the invoice holds at its current stage (reason BELOW_MINIMUM). It is not skipped
   past: later stages wait too, and it moves on if the outstanding amount reaches the minimum.
8. Otherwise the invoice reaches the stage and the decision carries the stage's actions; they
   are emitted only on this change, so at most once per invoice and stage.

A broken promise escalates by resuming the calendar at once (rule 2 before rule 3) and by the
PromiseToPayBroken signal; it does not jump the calendar ahead of the stage days.
"""

from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from enum import StrEnum

from arflow_dunning.domain.actions import DunningAction
from arflow_dunning.domain.errors import InvalidInvoiceState
from arflow_dunning.domain.money import is_currency_code
from arflow_dunning.domain.policy import DunningPolicy, DunningStage
from arflow_dunning.domain.promises import PromiseStatus, PromiseToPay, evaluate_promise


class DecisionReason(StrEnum):
    """Why an evaluation moved the invoice or left it where it was."""

    ADVANCED = "advanced"
    SETTLED = "settled"
    DISPUTED = "disputed"
    EXCLUDED = "excluded"
    PROMISE_OPEN = "promise_open"
    ALREADY_MOVED = "already_moved"
    FINAL_STAGE = "final_stage"
    NOT_DUE = "not_due"
    BELOW_MINIMUM = "below_minimum"


PAUSED = frozenset({DecisionReason.DISPUTED, DecisionReason.EXCLUDED, DecisionReason.PROMISE_OPEN})
"""Reasons that mean the invoice's escalation is paused."""


@dataclass(frozen=True)
class InvoiceDunningState:
    """What dunning tracks about one invoice between evaluations."""

    invoice_id: str
    customer_id: str
    currency: str
    due_date: date
    outstanding: Decimal
    stage_index: int | None = None
    stage_reached_on: date | None = None
    disputed: bool = False
    excluded: bool = False
    promise: PromiseToPay | None = None
    paid_toward_promise: Decimal = Decimal(0)

    def __post_init__(self) -> None:
        if self.outstanding < 0:
            raise InvalidInvoiceState(f"invoice {self.invoice_id}: outstanding is negative")
        if not is_currency_code(self.currency):
            raise InvalidInvoiceState(f"invoice {self.invoice_id}: bad currency {self.currency!r}")
        if self.stage_index is not None and self.stage_index < 0:
            raise InvalidInvoiceState(f"invoice {self.invoice_id}: negative stage index")
        if self.promise is not None and self.promise.currency != self.currency:
            raise InvalidInvoiceState(f"invoice {self.invoice_id}: promise in another currency")


@dataclass(frozen=True)
class StageDecision:
    """The outcome of one evaluation; persist `state`, apply `actions`, signal if broken."""

    policy_id: str
    as_of: date
    reason: DecisionReason
    state: InvoiceDunningState
    previous_stage_index: int | None
    current_stage: DunningStage | None
    actions: tuple[DunningAction, ...] = ()
    promise_broken: bool = False

    @property
    def advanced(self) -> bool:
        """True when the invoice reached a new stage in this evaluation."""
        return self.reason is DecisionReason.ADVANCED

    @property
    def paused(self) -> bool:
        """True when a dispute, an exclusion or an open promise held the invoice."""
        return self.reason in PAUSED

    @property
    def stage_index(self) -> int | None:
        """The invoice's stage after this evaluation."""
        return self.state.stage_index


def evaluate_invoice(state: InvoiceDunningState, policy: DunningPolicy, as_of: date) -> StageDecision:
    """Move the invoice at most one stage as of the date; see the module docstring for rules."""
    if state.stage_index is not None and state.stage_index >= len(policy.stages):
        raise InvalidInvoiceState(
            f"invoice {state.invoice_id}: stage {state.stage_index} not in policy {policy.id!r}"
        )
    if state.outstanding == 0:
        return _stay(state, policy, as_of, DecisionReason.SETTLED)
    state, broken = _update_promise(state, as_of)
    reason = _hold_reason(state, policy, as_of)
    if reason is not None:
        return _stay(state, policy, as_of, reason, promise_broken=broken)
    index = _next_index(state)
    stage = policy.stages[index]
    return StageDecision(
        policy_id=policy.id,
        as_of=as_of,
        reason=DecisionReason.ADVANCED,
        state=replace(state, stage_index=index, stage_reached_on=as_of),
        previous_stage_index=state.stage_index,
        current_stage=stage,
        actions=stage.actions,
        promise_broken=broken,
    )


def _update_promise(state: InvoiceDunningState, as_of: date) -> tuple[InvoiceDunningState, bool]:
    promise = state.promise
    if promise is None or promise.status is not PromiseStatus.OPEN:
        return state, False
    status = evaluate_promise(promise, state.paid_toward_promise, as_of)
    if status is PromiseStatus.OPEN:
        return state, False
    updated = replace(state, promise=promise.with_status(status))
    return updated, status is PromiseStatus.BROKEN


def _hold_reason(state: InvoiceDunningState, policy: DunningPolicy, as_of: date) -> DecisionReason | None:
    if state.disputed:
        return DecisionReason.DISPUTED
    if state.excluded:
        return DecisionReason.EXCLUDED
    if state.promise is not None and state.promise.status is PromiseStatus.OPEN:
        return DecisionReason.PROMISE_OPEN
    if state.stage_reached_on is not None and as_of <= state.stage_reached_on:
        return DecisionReason.ALREADY_MOVED
    index = _next_index(state)
    if index >= len(policy.stages):
        return DecisionReason.FINAL_STAGE
    stage = policy.stages[index]
    if as_of < stage.due_on(state.due_date):
        return DecisionReason.NOT_DUE
    if state.outstanding < stage.minimum_for(state.currency):
        return DecisionReason.BELOW_MINIMUM
    return None


def _next_index(state: InvoiceDunningState) -> int:
    return 0 if state.stage_index is None else state.stage_index + 1


def _stay(
    state: InvoiceDunningState,
    policy: DunningPolicy,
    as_of: date,
    reason: DecisionReason,
    *,
    promise_broken: bool = False,
) -> StageDecision:
    index = state.stage_index
    return StageDecision(
        policy_id=policy.id,
        as_of=as_of,
        reason=reason,
        state=state,
        previous_stage_index=index,
        current_stage=None if index is None else policy.stages[index],
        promise_broken=promise_broken,
    )
