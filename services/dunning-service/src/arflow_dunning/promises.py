"""Promises-to-pay on a case: made by a collector, kept by payments, broken by the calendar.

A promise covers the case's open overdue invoices in its currency and pauses their escalation
until the promised date. Payments allocated to them from the day it was made up to the promised
date count toward it. Unmet after that date it breaks: PromiseToPayBroken, a follow-up call for
the collector, and escalation resumes (see domain.stages).
"""

from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING
from uuid import uuid4

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from arflow_contracts.dunning import PromiseToPayBrokenV1
from arflow_dunning.action_scope import ActionScope
from arflow_dunning.cases import timeline_entry
from arflow_dunning.collection_tasks import create_task
from arflow_dunning.domain import PromiseStatus, PromiseToPay
from arflow_dunning.errors import CaseClosed, InvalidRequest, PromiseAlreadyOpen
from arflow_dunning.store import OPEN, CollectionCase, PromiseToPayRecord, WatchedInvoice
from arflow_runtime.log import get_logger

if TYPE_CHECKING:
    from arflow_dunning.invoice_rows import InvoiceRow
    from arflow_dunning.stage_actions import Evaluated

log = get_logger(__name__)

BROKEN_PROMISE_REASON = "promise to pay broken"


async def make_promise(
    session: AsyncSession,
    case: CollectionCase,
    amount: Decimal,
    currency: str,
    promised_date: date,
    today: date,
    actor: str,
) -> tuple[PromiseToPayRecord, bool]:
    """Record a promise (or find the same one again: a retried request); the caller commits."""
    if case.status != OPEN:
        raise CaseClosed(f"Case {case.case_id} is closed; a promise needs an open case.")
    PromiseToPay(amount, currency, promised_date)  # the domain's checks: positive, ISO currency
    if promised_date < today:
        raise InvalidRequest(f"promised_date {promised_date} is before the business date {today}.")
    current = (
        (
            await session.execute(
                select(PromiseToPayRecord).where(
                    PromiseToPayRecord.case_id == case.case_id,
                    PromiseToPayRecord.currency == currency,
                    PromiseToPayRecord.status == OPEN,
                )
            )
        )
        .scalars()
        .first()
    )
    if current is not None:
        if (current.amount, current.promised_date) == (amount, promised_date):
            return current, False
        raise PromiseAlreadyOpen(
            f"Case {case.case_id} already has an open promise in {currency} until {current.promised_date}.",
        )
    invoices = list(
        (
            await session.execute(
                select(WatchedInvoice).where(
                    WatchedInvoice.case_id == case.case_id,
                    WatchedInvoice.status == OPEN,
                    WatchedInvoice.currency == currency,
                )
            )
        ).scalars()
    )
    if not invoices:
        raise InvalidRequest(f"Case {case.case_id} has no open invoice in {currency}.")
    promise = PromiseToPayRecord(
        promise_id=str(uuid4()),
        case_id=case.case_id,
        customer_id=case.customer_id,
        amount=amount,
        currency=currency,
        promised_date=promised_date,
        made_on=today,
        invoice_numbers=sorted(i.invoice_number for i in invoices),
        made_by=actor,
    )
    session.add(promise)
    for invoice in invoices:
        invoice.promise_id = promise.promise_id
    session.add(
        timeline_entry(
            customer_id=case.customer_id,
            case_id=case.case_id,
            on=today,
            kind="promise_made",
            invoice_numbers=promise.invoice_numbers,
            actor=actor,
            detail={
                "promise_id": promise.promise_id,
                "amount": str(amount),
                "currency": currency,
                "promised_date": promised_date.isoformat(),
            },
        )
    )
    log.info("dunning.promise.made", case_id=case.case_id, promise_id=promise.promise_id)
    return promise, True


async def count_payment_toward_promise(
    session: AsyncSession, invoice: WatchedInvoice, amount: Decimal, paid_on: date
) -> None:
    """A payment on a promised invoice, between the promise and its date, counts toward it."""
    if invoice.promise_id is None:
        return
    promise = await session.get(PromiseToPayRecord, invoice.promise_id)
    if promise is None or promise.status != OPEN or not promise.made_on <= paid_on <= promise.promised_date:
        return
    promise.paid_toward += amount
    if promise.paid_toward >= promise.amount:
        await _resolve(session, promise, PromiseStatus.KEPT, paid_on)


async def resolve_promises_of_closed_case(session: AsyncSession, case_id: str, on: date) -> None:
    """Nothing is left to pay: an open promise of the case counts as kept."""
    for promise in (
        await session.execute(
            select(PromiseToPayRecord).where(
                PromiseToPayRecord.case_id == case_id, PromiseToPayRecord.status == OPEN
            )
        )
    ).scalars():
        await _resolve(session, promise, PromiseStatus.KEPT, on)


async def _resolve(
    session: AsyncSession, promise: PromiseToPayRecord, status: PromiseStatus, on: date
) -> None:
    promise.status, promise.resolved_on = str(status), on
    await session.execute(
        update(WatchedInvoice).where(WatchedInvoice.promise_id == promise.promise_id).values(promise_id=None)
    )
    session.add(
        timeline_entry(
            customer_id=promise.customer_id,
            case_id=promise.case_id,
            on=on,
            kind=f"promise_{status}",
            invoice_numbers=promise.invoice_numbers,
            detail={
                "promise_id": promise.promise_id,
                "amount": str(promise.amount),
                "currency": promise.currency,
                "paid_toward": str(promise.paid_toward),
            },
        )
    )
    log.info("dunning.promise.resolved", promise_id=promise.promise_id, status=str(status))


async def settle_promises_after_evaluation(
    scope: ActionScope, evaluated: "list[Evaluated]", promises: dict[str, PromiseToPayRecord]
) -> None:
    """Promises the evaluation found broken or kept: signal, escalate, stop pausing."""
    broken: dict[str, list[InvoiceRow]] = {}
    kept: set[str] = set()
    for item in evaluated:
        promise_id, state = item.invoice.promise_id, item.decision.state
        if promise_id is None or promise_id not in promises:
            continue
        if item.decision.promise_broken:
            broken.setdefault(promise_id, []).append(item.invoice)
        elif state.promise is not None and state.promise.status is PromiseStatus.KEPT:
            kept.add(promise_id)
    session = scope.uow.session
    for promise_id, invoices in broken.items():
        promise = promises[promise_id]
        if promise.status != OPEN:
            continue
        await _resolve(session, promise, PromiseStatus.BROKEN, scope.as_of)
        scope.publish(
            PromiseToPayBrokenV1(
                promise_id=promise_id,
                customer_id=promise.customer_id,
                promised_amount=promise.amount,
                currency=promise.currency,
                promised_date=promise.promised_date,
                received_amount=promise.paid_toward,
                as_of=scope.as_of,
                invoice_numbers=tuple(promise.invoice_numbers),
                case_id=promise.case_id,
            ),
            promise.customer_id,
        )
        await create_task(
            scope,
            promise.customer_id,
            "call",
            invoices,
            assignee_role="collector",
            reason=BROKEN_PROMISE_REASON,
        )
    for promise_id in kept:
        if promises[promise_id].status == OPEN:
            await _resolve(session, promises[promise_id], PromiseStatus.KEPT, scope.as_of)
