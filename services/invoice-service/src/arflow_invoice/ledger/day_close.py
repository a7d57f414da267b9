"""The business clock: closing a day marks newly overdue invoices and emits BusinessDayClosed."""

from datetime import date
from typing import Any

from sqlalchemy import Table, func, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from arflow_contracts.ledger import BusinessDayClosedV1, InvoiceOverdueV1
from arflow_invoice.domain import DayCloseBackwards, InvalidParameter, NotFound, days_to_close, quantize
from arflow_invoice.ledger.events import publish
from arflow_invoice.store import DayClose, Invoice
from arflow_invoice.store.locks import DAY_CLOSE_LOCK, lock_for_write
from arflow_invoice.store.overdue_sql import mark_overdue_set_based
from arflow_invoice.store.report_sql import newly_overdue_statement
from arflow_invoice.store.states import chunks
from arflow_runtime.db import UnitOfWork
from arflow_runtime.log import get_logger
from arflow_runtime.outbox import Outbox

log = get_logger(__name__)
MAX_DAYS_PER_REQUEST = 3660
"""Ten years: one request closes at most this many days (each in the same transaction)."""
INVOICES: Table = Invoice.__table__  # type: ignore[attr-defined]


def close_view(close: DayClose) -> dict[str, Any]:
    """One closed business day."""
    return {
        "business_date": close.business_date.isoformat(),
        "invoices_marked_overdue": close.invoices_marked_overdue,
        "replay": close.replay,
        "closed_by": close.closed_by,
        "closed_at": close.closed_at.isoformat(),
    }


async def closed_range(session: AsyncSession) -> tuple[date | None, date | None]:
    """First and last closed business day (None, None before the first close)."""
    first, last = (
        await session.execute(
            select(func.min(col(DayClose.business_date)), func.max(col(DayClose.business_date)))
        )
    ).one()
    return first, last


async def _mark_overdue(uow: UnitOfWork, day: date) -> int:
    """Emit InvoiceOverdue for each invoice first overdue on `day` and mark it; returns how many."""
    session = uow.session
    found = (await session.execute(newly_overdue_statement(), {"as_of": day})).all()
    # Events first: each takes its customer's outbox lock before this transaction touches any
    # invoice row, so a concurrent payment (customer lock, then rows) cannot deadlock with it.
    for row in found:
        await publish(
            uow,
            InvoiceOverdueV1(
                invoice_number=row.invoice_number,
                customer_id=row.customer_id,
                due_date=row.due_date,
                as_of=day,
                outstanding=quantize(row.outstanding, row.currency),
                currency=row.currency,
                days_overdue=(day - row.due_date).days,
            ),
        )
    for part in chunks([row.invoice_id for row in found]):
        await session.execute(update(INVOICES).where(INVOICES.c.id.in_(part)).values(overdue_notified_on=day))
    return len(found)


async def close_one_day(
    uow: UnitOfWork, day: date, *, replay: bool, closed_by: str, outbox: Outbox
) -> DayClose:
    """Emit InvoiceOverdue for each invoice first overdue on `day`, then BusinessDayClosed for it."""
    session = uow.session
    assert session.bind is not None
    if session.bind.dialect.name == "postgresql":
        marked = await mark_overdue_set_based(session, day, outbox)
    else:  # SQLite (embedded): a single writer and small ledgers; one event at a time is enough
        marked = await _mark_overdue(uow, day)
    close = DayClose(business_date=day, invoices_marked_overdue=marked, replay=replay, closed_by=closed_by)
    session.add(close)
    await publish(uow, BusinessDayClosedV1(business_date=day, replay=replay, invoices_marked_overdue=marked))
    log.info(
        "ledger.day.closed", business_date=day.isoformat(), invoices_marked_overdue=marked, replay=replay
    )
    return close


async def close_days(
    uow: UnitOfWork, as_of: date, *, replay: bool, closed_by: str, outbox: Outbox
) -> tuple[int, dict[str, Any]]:
    """Close every day after the last closed one through `as_of` (201); a closed day again is 200."""
    await lock_for_write(uow, DAY_CLOSE_LOCK)
    session = uow.session
    first, last = await closed_range(session)
    if first is not None and last is not None and first <= as_of <= last:
        close = await session.get(DayClose, as_of)
        assert close is not None  # closes are contiguous from the first
        return 200, {
            "as_of": as_of.isoformat(),
            "last_closed": last.isoformat(),
            "closed": [close_view(close)],
        }
    if first is not None and as_of < first:
        raise DayCloseBackwards(
            f"cannot close {as_of}: the ledger's business clock started on {first} "
            f"and is closed through {last}",
            first_closed=first,
            last_closed=last,
            as_of=as_of,
        )
    missing = days_to_close(last, as_of)
    if len(missing) > MAX_DAYS_PER_REQUEST:
        raise InvalidParameter(
            f"closing through {as_of} would close {len(missing)} days at once; close at most "
            f"{MAX_DAYS_PER_REQUEST} per request (the ledger is closed through {last})",
            last_closed=last,
        )
    closed = [
        await close_one_day(uow, day, replay=replay, closed_by=closed_by, outbox=outbox) for day in missing
    ]
    await session.flush()
    return 201, {
        "as_of": as_of.isoformat(),
        "last_closed": as_of.isoformat(),
        "closed": [close_view(c) for c in closed],
    }


async def clock_view(session: AsyncSession) -> dict[str, Any]:
    """Where the business clock stands."""
    first, last = await closed_range(session)
    return {
        "first_closed": first.isoformat() if first else None,
        "last_closed": last.isoformat() if last else None,
    }


async def get_close(session: AsyncSession, day: date) -> dict[str, Any]:
    """One closed day; 404 if it was not closed."""
    close = await session.get(DayClose, day)
    if close is None:
        raise NotFound(f"business day {day} is not closed", business_date=day)
    return close_view(close)
