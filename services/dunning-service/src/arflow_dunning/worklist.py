"""The collector's worklist: open cases in working order, with the tasks waiting on each.

One entry per case and currency (amounts of different currencies are never added up). Order
(domain.worklist): broken promises first while their follow-up call is open, then promises due
today, then by expected loss = overdue amount × probability of default × age factor.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from arflow_dunning.domain import (
    Priority,
    PromiseStatus,
    PromiseToPay,
    WorklistEntry,
    probability_of_default,
    rank_worklist,
    round_money,
)
from arflow_dunning.promises import BROKEN_PROMISE_REASON
from arflow_dunning.store import (
    OPEN,
    CollectionCase,
    CollectionTask,
    DunningCustomer,
    PromiseToPayRecord,
    WatchedInvoice,
)


@dataclass
class WorklistLine:
    """One worklist entry with what a collector needs to act on it."""

    rank: int
    priority: Priority
    case: CollectionCase
    customer: DunningCustomer | None
    currency: str
    overdue_amount: Decimal
    days_overdue: int
    risk_class: str
    probability_of_default: Decimal
    expected_loss: Decimal
    promise: PromiseToPayRecord | None
    invoice_numbers: list[str]
    tasks: list[CollectionTask] = field(default_factory=list)


async def _cases(session: AsyncSession, collector_id: str | None) -> list[CollectionCase]:
    query = select(CollectionCase).where(CollectionCase.status == OPEN)
    if collector_id is not None:
        theirs = select(DunningCustomer.customer_id).where(DunningCustomer.collector_id == collector_id)
        tasked = select(CollectionTask.case_id).where(
            CollectionTask.assignee_id == collector_id, CollectionTask.status == OPEN
        )
        query = query.where(or_(CollectionCase.customer_id.in_(theirs), CollectionCase.case_id.in_(tasked)))
    return list((await session.execute(query)).scalars())


async def _grouped(
    session: AsyncSession, model: type, column: object, ids: list[str], *conditions: object
) -> dict[str, list]:  # type: ignore[type-arg]
    grouped: dict[str, list] = defaultdict(list)  # type: ignore[type-arg]
    if ids:
        rows = await session.execute(select(model).where(column.in_(ids), *conditions))  # type: ignore[attr-defined]
        for row in rows.scalars():
            grouped[row.case_id].append(row)
    return grouped


def _latest(promises: list[PromiseToPayRecord], currency: str) -> PromiseToPayRecord | None:
    in_currency = [p for p in promises if p.currency == currency]
    return max(in_currency, key=lambda p: (p.made_on, p.promised_date), default=None)


async def worklist(
    session: AsyncSession, collector_id: str | None, as_of: date, default_class: str, limit: int
) -> list[WorklistLine]:
    """The collector's open cases (all open cases without a collector) in working order."""
    cases = {case.case_id: case for case in await _cases(session, collector_id)}
    ids = list(cases)
    invoices = await _grouped(
        session, WatchedInvoice, WatchedInvoice.case_id, ids, WatchedInvoice.status == OPEN
    )
    tasks = await _grouped(
        session, CollectionTask, CollectionTask.case_id, ids, CollectionTask.status == OPEN
    )
    promises = await _grouped(session, PromiseToPayRecord, PromiseToPayRecord.case_id, ids)
    customer_ids = list({case.customer_id for case in cases.values()})
    customers = {
        c.customer_id: c
        for c in (
            await session.execute(
                select(DunningCustomer).where(DunningCustomer.customer_id.in_(customer_ids))
            )
        ).scalars()
    }
    entries, details = [], {}
    for case_id, case in cases.items():
        customer = customers.get(case.customer_id)
        follow_up_open = any(t.reason == BROKEN_PROMISE_REASON for t in tasks[case_id])
        by_currency: dict[str, list[WatchedInvoice]] = defaultdict(list)
        for invoice in invoices[case_id]:
            if invoice.due_date < as_of:
                by_currency[invoice.currency].append(invoice)
        for currency, overdue in by_currency.items():
            promise = _latest(promises[case_id], currency)
            status = PromiseStatus(promise.status) if promise else None
            counts = promise is not None and (
                status is PromiseStatus.OPEN or status is PromiseStatus.BROKEN and follow_up_open
            )
            key = f"{case_id}|{currency}"
            entries.append(
                WorklistEntry(
                    case_id=key,
                    customer_id=case.customer_id,
                    overdue_amount=sum((i.outstanding for i in overdue), Decimal(0)),
                    days_overdue=max((as_of - i.due_date).days for i in overdue),
                    risk_class=(customer.risk_class if customer else None) or default_class,
                    score=customer.score if customer else None,
                    promise=PromiseToPay(promise.amount, currency, promise.promised_date, status)
                    if counts and promise and status
                    else None,
                    paid_toward_promise=promise.paid_toward if promise else Decimal(0),
                )
            )
            details[key] = (case, customer, currency, promise, sorted(i.invoice_number for i in overdue))
    lines = []
    for rank, ranked in enumerate(rank_worklist(entries, as_of)[:limit], start=1):
        case, customer, currency, promise, numbers = details[ranked.entry.case_id]
        lines.append(
            WorklistLine(
                rank=rank,
                priority=ranked.priority,
                case=case,
                customer=customer,
                currency=currency,
                overdue_amount=ranked.entry.overdue_amount,
                days_overdue=ranked.entry.days_overdue,
                risk_class=ranked.entry.risk_class or default_class,
                probability_of_default=probability_of_default(ranked.entry.risk_class, ranked.entry.score),
                expected_loss=round_money(ranked.expected_loss, currency),
                promise=promise,
                invoice_numbers=numbers,
                tasks=sorted(tasks[case.case_id], key=lambda t: (t.due_on, t.task_id)),
            )
        )
    return lines
