"""Collection cases: one open case per customer with overdue items, and its timeline."""

from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime
from typing import Any
from uuid import uuid4

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from arflow_dunning.errors import CaseNotFound
from arflow_dunning.store import OPEN, CollectionCase, TimelineEntry, WatchedInvoice
from arflow_runtime.bulk_rows import one_of
from arflow_runtime.log import get_logger

log = get_logger(__name__)

CLOSED = "closed"


def timeline_entry(
    *,
    customer_id: str,
    case_id: str | None,
    on: date,
    kind: str,
    invoice_numbers: Iterable[str] = (),
    detail: dict[str, Any] | None = None,
    note: str | None = None,
    actor: str | None = None,
) -> TimelineEntry:
    """A timeline row (add it to the session); detail holds facts, never personal data."""
    return TimelineEntry(
        customer_id=customer_id,
        case_id=case_id,
        on_date=on,
        recorded_at=datetime.now(UTC),
        kind=kind,
        invoice_numbers=sorted(invoice_numbers),
        detail=detail or {},
        note=note,
        actor=actor,
    )


async def open_cases_of(session: AsyncSession, customer_ids: Sequence[str]) -> dict[str, CollectionCase]:
    """The open case of each of these customers that has one."""
    if not customer_ids:
        return {}
    rows = await session.execute(
        select(CollectionCase).where(
            one_of(session, CollectionCase.customer_id, customer_ids), CollectionCase.status == OPEN
        )
    )
    return {case.customer_id: case for case in rows.scalars()}


def open_case(
    session: AsyncSession, customer_id: str, on: date, invoice_numbers: Iterable[str]
) -> CollectionCase:
    """Open a case for a customer whose first invoice went overdue (the caller checked none is open)."""
    case = CollectionCase(
        case_id=str(uuid4()), customer_id=customer_id, opened_on=on, open_customer_id=customer_id
    )
    session.add(case)
    session.add(
        timeline_entry(
            customer_id=customer_id,
            case_id=case.case_id,
            on=on,
            kind="case_opened",
            invoice_numbers=invoice_numbers,
        )
    )
    log.info("dunning.case.opened", case_id=case.case_id, customer_id=customer_id)
    return case


async def attach_earlier_entries(session: AsyncSession, invoices_by_case: dict[str, set[str]]) -> None:
    """Put what happened to a new case's invoices before it opened (pre-due reminders) on its timeline."""
    cases = [await session.get(CollectionCase, case_id) for case_id in invoices_by_case]
    customers = {case.customer_id for case in cases if case is not None}
    if not customers:
        return
    earlier = await session.execute(
        select(TimelineEntry).where(TimelineEntry.customer_id.in_(customers), TimelineEntry.case_id.is_(None))
    )
    for entry in earlier.scalars():
        for case_id, numbers in invoices_by_case.items():
            if numbers.intersection(entry.invoice_numbers):
                entry.case_id = case_id
                break


async def close_if_settled(session: AsyncSession, case_id: str | None, on: date, reason: str) -> bool:
    """Close the case when none of its invoices is still chased; True when it closed now."""
    if case_id is None:
        return False
    case = await session.get(CollectionCase, case_id)
    if case is None or case.status != OPEN:
        return False
    await session.flush()
    still_open = await session.scalar(
        select(func.count())
        .select_from(WatchedInvoice)
        .where(WatchedInvoice.case_id == case_id, WatchedInvoice.status == OPEN)
    )
    if still_open:
        return False
    case.status, case.closed_on, case.close_reason, case.open_customer_id = CLOSED, on, reason, None
    session.add(
        timeline_entry(
            customer_id=case.customer_id,
            case_id=case_id,
            on=on,
            kind="case_closed",
            detail={"reason": reason},
        )
    )
    log.info("dunning.case.closed", case_id=case_id, reason=reason)
    return True


async def find_case(session: AsyncSession, case_id: str) -> CollectionCase:
    """A case by id; CaseNotFound otherwise."""
    case = await session.get(CollectionCase, case_id)
    if case is None:
        raise CaseNotFound(f"No collection case {case_id}.")
    return case


async def cases_of(
    session: AsyncSession, customer_id: str | None, status: str | None, limit: int
) -> list[CollectionCase]:
    """Cases, newest first, optionally of one customer and in one status."""
    query = select(CollectionCase)
    if customer_id is not None:
        query = query.where(CollectionCase.customer_id == customer_id)
    if status is not None:
        query = query.where(CollectionCase.status == status)
    query = query.order_by(CollectionCase.opened_on.desc(), CollectionCase.case_id).limit(limit)
    return list((await session.execute(query)).scalars())


async def case_invoices(session: AsyncSession, case_ids: Sequence[str]) -> dict[str, list[WatchedInvoice]]:
    """Each case's invoices, oldest due first."""
    grouped: dict[str, list[WatchedInvoice]] = {case_id: [] for case_id in case_ids}
    if case_ids:
        rows = await session.execute(
            select(WatchedInvoice)
            .where(WatchedInvoice.case_id.in_(case_ids))
            .order_by(WatchedInvoice.due_date, WatchedInvoice.invoice_number)
        )
        for invoice in rows.scalars():
            grouped[invoice.case_id or ""].append(invoice)
    return grouped


async def timelines(session: AsyncSession, case_ids: Sequence[str]) -> dict[str, list[TimelineEntry]]:
    """Each case's timeline in the order things happened."""
    grouped: dict[str, list[TimelineEntry]] = {case_id: [] for case_id in case_ids}
    if case_ids:
        rows = await session.execute(
            select(TimelineEntry)
            .where(TimelineEntry.case_id.in_(case_ids))
            .order_by(TimelineEntry.on_date, TimelineEntry.id)
        )
        for entry in rows.scalars():
            grouped[entry.case_id or ""].append(entry)
    return grouped
