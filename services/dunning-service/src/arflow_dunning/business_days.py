"""The business clock: a closed business day evaluates every open invoice as of that date.

The evaluation runs in batches of customers, one transaction each, so a day over a million
invoices never holds one huge transaction. The first commit records the consumed event (inbox)
together with a `business_days` row whose cursor says which customers are done; if the process
dies half-way, the next close or the resume job finishes the day from the cursor. Re-evaluating
is harmless anyway: an invoice moves at most once per date and a stage acts once per invoice.
"""

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime
from weakref import WeakKeyDictionary

from sqlalchemy import func, or_, select
from sqlalchemy.engine import Engine
from sqlalchemy.ext.asyncio import AsyncSession

from arflow_dunning.evaluation import Tally, customers_to_evaluate, evaluate_customers
from arflow_dunning.policies import load_policy_book
from arflow_dunning.settings import EvaluationRules
from arflow_dunning.store import BusinessDay
from arflow_runtime.db import UnitOfWork
from arflow_runtime.log import get_logger
from arflow_runtime.service import ServiceRuntime

log = get_logger(__name__)

RUNNING, FINISHED = "running", "finished"
_locks: "WeakKeyDictionary[Engine, asyncio.Lock]" = WeakKeyDictionary()


def evaluation_lock(session: AsyncSession) -> asyncio.Lock:
    """One evaluation at a time per database in this process (the consumer and the resume job)."""
    engine = session.bind.sync_engine  # type: ignore[union-attr]
    lock = _locks.get(engine)
    if lock is None:
        lock = _locks[engine] = asyncio.Lock()
    return lock


async def current_business_date(session: AsyncSession) -> date:
    """The latest business date dunning has seen closed, else today (UTC)."""
    latest = await session.scalar(select(func.max(BusinessDay.business_date)))
    return latest or datetime.now(UTC).date()


async def close_business_day(uow: UnitOfWork, business_date: date, rules: EvaluationRules) -> None:
    """Evaluate every open invoice as of the date; a date older than one already closed is ignored."""
    session = uow.session
    async with evaluation_lock(session):
        known = list(
            (
                await session.execute(
                    select(BusinessDay).where(
                        or_(BusinessDay.business_date >= business_date, BusinessDay.status == RUNNING)
                    )
                )
            ).scalars()
        )
        later = [d.business_date for d in known if d.business_date > business_date]
        if later:
            log.warning(
                "dunning.business_day.stale", business_date=str(business_date), latest=str(max(later))
            )
            return
        day = next((d for d in known if d.business_date == business_date), None)
        now = datetime.now(UTC)
        if day is None:
            session.add(BusinessDay(business_date=business_date, started_at=now))
        else:  # closed again (a replay): evaluate again; nothing acts twice
            day.status, day.cursor, day.started_at, day.finished_at = RUNNING, None, now, None
            day.evaluations, day.invoices_evaluated, day.stages_reached = day.evaluations + 1, 0, 0
        # The row commits with the first batch (and the inbox record): from then on a crash
        # leaves a running day that the next close or the resume job finishes.
        interrupted = sorted(d.business_date for d in known if d.status == RUNNING and d is not day)
        for earlier in [*interrupted, business_date]:
            await _run(uow, earlier, rules)


async def evaluate_customer_now(
    uow: UnitOfWork, as_of: date, customer_id: str, rules: EvaluationRules
) -> Tally:
    """Evaluate one customer's open invoices at once (an invoice just went overdue)."""
    async with evaluation_lock(uow.session):
        book = await load_policy_book(uow.session, rules.default_risk_class)
        return await evaluate_customers(uow, as_of, [customer_id], book, rules.default_risk_class)


async def _run_unfinished(uow: UnitOfWork, rules: EvaluationRules) -> None:
    dates = list(
        (
            await uow.session.execute(
                select(BusinessDay.business_date)
                .where(BusinessDay.status == RUNNING)
                .order_by(BusinessDay.business_date)
            )
        ).scalars()
    )
    for business_date in dates:
        await _run(uow, business_date, rules)


async def _locked_day(session: AsyncSession, business_date: date) -> BusinessDay:
    # FOR UPDATE: two processes finishing the same day take turns batch by batch (PostgreSQL).
    statement = (
        select(BusinessDay)
        .where(BusinessDay.business_date == business_date)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return (await session.execute(statement)).scalar_one()


async def _run(uow: UnitOfWork, business_date: date, rules: EvaluationRules) -> None:
    session = uow.session
    day = await _locked_day(session, business_date)
    # One scan finds every customer to evaluate; batches then go by customer id from the cursor.
    customers = (
        await customers_to_evaluate(session, business_date, day.cursor) if day.status == RUNNING else []
    )
    book = await load_policy_book(session, rules.default_risk_class) if customers else None
    for start in range(0, len(customers), rules.chunk_customers):
        if start:
            day = await _locked_day(session, business_date)
        if day.status != RUNNING:
            break
        batch = [
            c
            for c in customers[start : start + rules.chunk_customers]
            if day.cursor is None or c > day.cursor
        ]
        if batch and book is not None:
            tally = await evaluate_customers(uow, business_date, batch, book, rules.default_risk_class)
            day.cursor = batch[-1]
            day.invoices_evaluated += tally.invoices_evaluated
            day.stages_reached += tally.stages_reached
        if start + rules.chunk_customers < len(customers):
            await uow.commit()
    if day.status == RUNNING:
        day.status, day.finished_at = FINISHED, datetime.now(UTC)
        log.info(
            "dunning.business_day.evaluated",
            business_date=str(business_date),
            invoices_evaluated=day.invoices_evaluated,
            stages_reached=day.stages_reached,
        )
    await uow.commit()


def resume_interrupted_days(rules: EvaluationRules) -> Callable[[ServiceRuntime], Awaitable[None]]:
    """Background job: finish a business day whose evaluation a crash interrupted."""

    async def resume_interrupted_business_days(runtime: ServiceRuntime) -> None:
        while True:
            async with runtime.database.unit_of_work() as uow:
                async with evaluation_lock(uow.session):
                    await _run_unfinished(uow, rules)
            await asyncio.sleep(rules.resume_interval_seconds)  # a periodic check for crash leftovers

    return resume_interrupted_business_days
