"""Stage evaluation over the store: the pure rule applied to a batch of customers' open invoices.

A batch reads, with one query, the invoices of its customers the evaluation can move (the
`needs_evaluation` filter: an invoice whose next stage day is later, and that nothing else
concerns, provably stays where it is), opens cases for invoices that went overdue, decides each
invoice with the domain's `evaluate_invoice`, and reads the invoices already standing at a stage
some invoice of the customer just reached (a customer's message lists them too). Newly reached
stages are recorded under their natural key, their actions are collected, and everything is
written back with one statement per kind: stage rows, invoice rows, cases, timeline, tasks,
charge requests and the outbox.
"""

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, not_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from arflow_dunning.action_scope import ActionScope
from arflow_dunning.case_batches import close_handed_over_cases, open_cases_for_overdue
from arflow_dunning.cases import open_cases_of
from arflow_dunning.domain import (
    DecisionReason,
    DunningPolicy,
    DunningStage,
    InvoiceDunningState,
    PromiseStatus,
    PromiseToPay,
    carry_over_stage,
    evaluate_invoice,
)
from arflow_dunning.invoice_rows import WATCHED, WRITTEN, InvoiceRow, read_rows_of, write_rows, written_values
from arflow_dunning.policies import PolicyBook
from arflow_dunning.promises import settle_promises_after_evaluation
from arflow_dunning.stage_actions import HANDED_OVER, Evaluated, apply_stage_actions
from arflow_dunning.store import (
    OPEN,
    CustomerRating,
    DunningCustomer,
    PromiseToPayRecord,
    StageReached,
    WatchedInvoice,
)
from arflow_runtime.bulk_rows import insert_rows, one_of
from arflow_runtime.db import UnitOfWork

NEVER = date(9999, 12, 31)
"""`next_stage_due_on` of an invoice that has reached its policy's last stage."""
_INSERT_BATCH = 5000
_STATUS = WRITTEN.index("status")


@dataclass(frozen=True)
class Tally:
    """What one batch did."""

    invoices_evaluated: int = 0
    stages_reached: int = 0


def needs_evaluation(as_of: date) -> Any:
    """Open invoices an evaluation on `as_of` can change; everything else would stay as it is."""
    invoice = WatchedInvoice
    return and_(
        invoice.status == OPEN,
        invoice.outstanding > 0,
        or_(
            invoice.next_stage_due_on.is_(None),
            and_(invoice.next_stage_due_on <= as_of, invoice.open_disputes == 0, invoice.excluded.is_(False)),
            invoice.promise_id.is_not(None),
            and_(invoice.case_id.is_(None), invoice.due_date < as_of),
        ),
    )


async def customers_to_evaluate(session: AsyncSession, as_of: date, after: str | None) -> list[str]:
    """Customers (by id, after `after`) with at least one invoice the evaluation may move."""
    query = select(WatchedInvoice.customer_id).where(needs_evaluation(as_of))
    if after is not None:
        query = query.where(WatchedInvoice.customer_id > after)
    return list((await session.execute(query.distinct().order_by(WatchedInvoice.customer_id))).scalars())


def _positions(policy: DunningPolicy) -> dict[str, int]:
    # Looked up once per invoice of a busy day: kept per policy object (policies are immutable).
    known = _POSITIONS.get(id(policy))
    if known is None or known[0] is not policy:
        if len(_POSITIONS) >= 64:  # policy books are loaded per batch: keep the latest only
            _POSITIONS.clear()
        known = _POSITIONS[id(policy)] = (policy, {stage.key: i for i, stage in enumerate(policy.stages)})
    return known[1]


_POSITIONS: dict[int, tuple[DunningPolicy, dict[str, int]]] = {}


def stage_position(invoice: InvoiceRow, policy: DunningPolicy, book: PolicyBook) -> int | None:
    """Where the invoice stands in `policy`, carried over when it was dunned under another policy."""
    if invoice.stage is None:
        return None
    if invoice.policy_id == policy.id:
        position = _positions(policy).get(invoice.stage)
        if position is not None:
            return position
    old = book.get(invoice.policy_id)
    if old is not None and old.id != policy.id and invoice.stage in {s.key for s in old.stages}:
        return carry_over_stage(old, old.index_of(invoice.stage), policy)
    # The stage left the policy (an edit): the last stage not later than the one reached.
    days = invoice.stage_days if invoice.stage_days is not None else 0
    carried = [index for index, stage in enumerate(policy.stages) if stage.days <= days]
    return carried[-1] if carried else None


def next_stage_due(
    policy: DunningPolicy, position: int | None, due_date: date, reached_on: date | None
) -> date:
    """The first business date on which the invoice could move on (NEVER after the last stage)."""
    following = 0 if position is None else position + 1
    if following >= len(policy.stages):
        return NEVER
    due = policy.stages[following].due_on(due_date)
    return max(due, reached_on + timedelta(days=1)) if reached_on else due


def _state(
    invoice: InvoiceRow, position: int | None, promise: PromiseToPayRecord | None
) -> InvoiceDunningState:
    held = promise if promise is not None and promise.currency == invoice.currency else None
    return InvoiceDunningState(
        invoice_id=invoice.invoice_number,
        customer_id=invoice.customer_id,
        currency=invoice.currency,
        due_date=invoice.due_date,
        outstanding=invoice.outstanding,
        stage_index=position,
        stage_reached_on=invoice.stage_reached_on,
        disputed=invoice.open_disputes > 0,
        excluded=invoice.excluded,
        promise=PromiseToPay(held.amount, held.currency, held.promised_date, PromiseStatus(held.status))
        if held
        else None,
        paid_toward_promise=held.paid_toward if held else Decimal(0),
    )


def _set(row: Any, **values: Any) -> None:
    for name, value in values.items():
        if getattr(row, name) != value:
            setattr(row, name, value)


def _remember(item: Evaluated) -> None:
    state, invoice, policy = item.decision.state, item.invoice, item.policy
    stage = None if state.stage_index is None else policy.stages[state.stage_index]
    _set(
        invoice,
        policy_id=policy.id,
        stage=stage.key if stage else None,
        stage_days=stage.days if stage else None,
        stage_reached_on=state.stage_reached_on,
        next_stage_due_on=next_stage_due(policy, state.stage_index, invoice.due_date, state.stage_reached_on),
    )


def _stage_columns(stage: DunningStage, known: dict[int, tuple[DunningStage, list[str], list[str]]]) -> Any:
    """The stage's channels and cost keys (the same for every invoice that reaches it)."""
    columns = known.get(id(stage))
    if columns is None or columns[0] is not stage:
        channels = dict.fromkeys(str(c) for n in stage.notifications for c in n.channels)
        columns = known[id(stage)] = (stage, list(channels), [k for a in stage.actions for k in a.cost_keys])
    return columns


def _reached_row(
    item: Evaluated, as_of: date, known: dict[int, tuple[DunningStage, list[str], list[str]]]
) -> dict[str, Any]:
    stage = item.policy.stages[item.decision.stage_index or 0]
    _, channels, cost_keys = _stage_columns(stage, known)
    return {
        "invoice_number": item.invoice.invoice_number,
        "stage": stage.key,
        "customer_id": item.invoice.customer_id,
        "policy_id": item.policy.id,
        "stage_position": item.decision.stage_index,
        "reached_on": as_of,
        "amount": item.invoice.outstanding,
        "currency": item.invoice.currency,
        "channels": channels,
        "cost_keys": cost_keys,
        "case_id": item.invoice.case_id,
    }


async def _record_reached(session: AsyncSession, evaluated: list[Evaluated], as_of: date) -> None:
    """Record newly reached stages; one already on record moves the invoice but acts no more.

    The primary key (invoice, stage) is the guarantee: were another process to record the same
    stage concurrently, this insert fails, the transaction rolls back and the event is retried.
    """
    advanced = [item for item in evaluated if item.decision.advanced]
    table = StageReached.__table__  # type: ignore[attr-defined]
    numbers = [item.invoice.invoice_number for item in advanced]
    recorded: set[tuple[str, str]] = set()
    for start in range(0, len(numbers), _INSERT_BATCH):
        rows = await session.execute(
            select(table.c.invoice_number, table.c.stage).where(
                one_of(session, table.c.invoice_number, numbers[start : start + _INSERT_BATCH])
            )
        )
        recorded.update((row.invoice_number, row.stage) for row in rows)
    new_rows = []
    stages: dict[int, tuple[DunningStage, list[str], list[str]]] = {}
    for item in advanced:
        row = _reached_row(item, as_of, stages)
        if (row["invoice_number"], row["stage"]) in recorded:
            item.decision = replace(item.decision, reason=DecisionReason.ALREADY_MOVED, actions=())
        else:
            item.newly_reached = True
            new_rows.append(row)
    await insert_rows(session, table, new_rows)


async def classes_before(
    session: AsyncSession, customer_ids: Sequence[str], as_of: date
) -> tuple[dict[str, str], set[str]]:
    """Each customer's risk class rated before `as_of`, and the customers rated on or after it.

    Credit re-rates at the same day close dunning evaluates, so a class rated on `as_of` may or
    may not have arrived yet: it is never used for `as_of` itself, whichever came first.
    """
    rows = await session.execute(
        select(CustomerRating.customer_id, CustomerRating.as_of, CustomerRating.risk_class)
        .where(one_of(session, col(CustomerRating.customer_id), customer_ids))
        .order_by(CustomerRating.customer_id, CustomerRating.as_of)
    )
    classes: dict[str, str] = {}
    rerated: set[str] = set()
    for customer_id, rated_on, risk_class in rows:
        if rated_on < as_of:
            classes[customer_id] = risk_class
        else:
            rerated.add(customer_id)
    return classes, rerated


async def _by_key(session: AsyncSession, key: Any, values: Sequence[str]) -> dict[str, Any]:
    if not values:
        return {}
    rows = await session.execute(select(key.class_).where(one_of(session, key, set(values))))
    return {getattr(row, key.key): row for row in rows.scalars()}


def _decide(
    invoice: InvoiceRow,
    policy: DunningPolicy,
    book: PolicyBook,
    promises: dict[str, PromiseToPayRecord],
    as_of: date,
) -> Evaluated:
    state = _state(invoice, stage_position(invoice, policy, book), promises.get(invoice.promise_id or ""))
    return Evaluated(invoice, policy, evaluate_invoice(state, policy, as_of))


async def _standing_at_reached_stages(
    session: AsyncSession,
    evaluated: list[Evaluated],
    policies: dict[str, DunningPolicy],
    book: PolicyBook,
    as_of: date,
) -> list[Evaluated]:
    """Invoices left out by the filter that stand at a stage a customer's invoice just reached.

    They do not move (the filter proves it), but the customer's message lists them; the engine
    decides them like the others, so paused or settled ones stay off the message.
    """
    triggered = {
        (item.invoice.customer_id, item.policy.id, item.decision.stage_index)
        for item in evaluated
        if item.decision.advanced
        and item.decision.current_stage
        and item.decision.current_stage.notifications
    }
    if not triggered:
        return []
    keys = sorted({policies[customer].stages[index or 0].key for customer, _, index in triggered})
    rows = await read_rows_of(
        session,
        [customer for customer, _, _ in triggered],
        WATCHED.c.status == OPEN,
        WATCHED.c.stage.in_(keys),
        not_(needs_evaluation(as_of)),
    )
    standing = []
    for row in rows:
        policy = policies[row.customer_id]
        if (row.customer_id, policy.id, stage_position(row, policy, book)) in triggered:
            standing.append(_decide(row, policy, book, {}, as_of))
    return standing


async def evaluate_customers(
    uow: UnitOfWork, as_of: date, customer_ids: Sequence[str], book: PolicyBook, default_class: str
) -> Tally:
    """Evaluate the open invoices of these customers as of a business date (one transaction)."""
    session = uow.session
    invoices = await read_rows_of(session, customer_ids, needs_evaluation(as_of))
    if not invoices:
        return Tally()
    ids = sorted({invoice.customer_id for invoice in invoices})
    before = {invoice.invoice_number: written_values(invoice) for invoice in invoices}
    customers = await _by_key(session, DunningCustomer.customer_id, ids)
    promises = await _by_key(
        session, PromiseToPayRecord.promise_id, [i.promise_id for i in invoices if i.promise_id]
    )
    scope = ActionScope(uow, as_of, customers, await open_cases_of(session, ids), default_class)
    await open_cases_for_overdue(scope, invoices)
    classes, rerated = await classes_before(session, ids, as_of)
    policies = {
        customer_id: book.for_customer(classes.get(customer_id), customer.segment if customer else None)
        for customer_id in ids
        for customer in [customers.get(customer_id)]
    }
    evaluated = [_decide(i, policies[i.customer_id], book, promises, as_of) for i in invoices]
    standing = await _standing_at_reached_stages(session, evaluated, policies, book, as_of)
    before.update((item.invoice.invoice_number, written_values(item.invoice)) for item in standing)
    evaluated += standing
    await _record_reached(session, evaluated, as_of)
    for item in evaluated:
        _remember(item)
    reached = await apply_stage_actions(scope, evaluated)
    await scope.flush()
    await settle_promises_after_evaluation(scope, evaluated, promises)
    rows = [item.invoice for item in evaluated]
    for row in rows:
        if row.customer_id in rerated and row.status == OPEN:
            row.next_stage_due_on = None  # the newer class applies from the next evaluation on
    await write_rows(session, [row for row in rows if written_values(row) != before[row.invoice_number]])
    handed_over = [
        row for row in rows if row.status == HANDED_OVER and before[row.invoice_number][_STATUS] == OPEN
    ]
    await close_handed_over_cases(scope, handed_over, HANDED_OVER)
    await scope.flush()
    return Tally(len(invoices), reached)
