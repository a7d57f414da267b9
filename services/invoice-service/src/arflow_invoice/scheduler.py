"""The daily close at a configured local time: closes yesterday and any day missed while down."""

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from arflow_invoice.ledger.day_close import close_days, closed_range
from arflow_invoice.settings import InvoiceSettings
from arflow_runtime.db import Database
from arflow_runtime.log import get_logger
from arflow_runtime.service import ServiceRuntime

log = get_logger(__name__)
SCHEDULER = "scheduler"


def next_run(now: datetime, at: time, zone: ZoneInfo) -> datetime:
    """The next instant (UTC) at which the local clock in `zone` shows `at`, strictly after `now`."""
    local = now.astimezone(zone)
    candidate = datetime.combine(local.date(), at, tzinfo=zone)
    if candidate <= local:
        candidate = datetime.combine(local.date() + timedelta(days=1), at, tzinfo=zone)
    return candidate.astimezone(UTC)


def business_yesterday(now: datetime, zone: ZoneInfo) -> date:
    """The last full business day at `now` in `zone`."""
    return now.astimezone(zone).date() - timedelta(days=1)


async def close_missing_days(database: Database, through: date) -> list[date]:
    """Close each day after the last closed one through `through`, one transaction per day.

    A ledger never closed before closes only `through`. Nothing happens when the clock is
    already there (or ahead, after a replay of future dates).
    """
    closed: list[date] = []
    while True:
        async with database.unit_of_work() as uow:
            _, last = await closed_range(uow.session)
            if last is not None and last >= through:
                return closed
            day = through if last is None else last + timedelta(days=1)
            await close_days(uow, day, replay=False, closed_by=SCHEDULER, outbox=database.outbox)
            await uow.commit()
        closed.append(day)


async def run_schedule(
    database: Database,
    settings: InvoiceSettings,
    now: Callable[[], datetime],
    wait: Callable[[float], Awaitable[None]],
) -> None:
    """Catch up missed days of a ledger already on the clock, then close each day at the set time."""
    zone = settings.zone
    async with database.unit_of_work() as uow:
        _, last = await closed_range(uow.session)
    if last is not None:
        await close_missing_days(database, business_yesterday(now(), zone))
    while True:
        current = now()
        await wait(max(0.0, (next_run(current, settings.day_close_time, zone) - current).total_seconds()))
        closed = await close_missing_days(database, business_yesterday(now(), zone))
        log.info("ledger.day_close.scheduled", days=len(closed))


async def day_close_schedule(runtime: ServiceRuntime) -> None:
    """Background job: the daily close (off with INVOICE_DAY_CLOSE_SCHEDULE=false)."""
    settings: InvoiceSettings = runtime.settings
    if not settings.day_close_schedule:
        return
    await run_schedule(runtime.database, settings, lambda: datetime.now(UTC), asyncio.sleep)
