"""The business clock: the last business date the ledger closed, as credit saw it."""

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import Field, col

from arflow_credit.store.base import CreditTable, instant_column

LEDGER_CLOCK = "ledger"


class BusinessClock(CreditTable, table=True):
    """The last BusinessDayClosed business date seen."""

    __tablename__ = "business_clock"

    clock: str = Field(primary_key=True, max_length=32)
    business_date: date
    updated_at: datetime = instant_column()


def closed_business_date_query() -> Any:
    """The last closed business date as a scalar subquery (to fold into another read)."""
    return (
        select(col(BusinessClock.business_date))
        .where(col(BusinessClock.clock) == LEDGER_CLOCK)
        .scalar_subquery()
    )


def system_today() -> date:
    """The system date (UTC): today before the ledger ever closed a day."""
    return datetime.now(UTC).date()


async def closed_business_date(session: AsyncSession) -> date | None:
    """The last business date the ledger closed, if any."""
    row = await session.get(BusinessClock, LEDGER_CLOCK)
    return row.business_date if row is not None else None


async def business_today(session: AsyncSession) -> date:
    """The platform's today: the last closed business date; the system date before any close."""
    return await closed_business_date(session) or system_today()


async def record_business_day(session: AsyncSession, business_date: date) -> None:
    """Remember the business date the ledger just closed."""
    row = await session.get(BusinessClock, LEDGER_CLOCK)
    if row is None:
        session.add(
            BusinessClock(clock=LEDGER_CLOCK, business_date=business_date, updated_at=datetime.now(UTC))
        )
    else:
        row.business_date = business_date
        row.updated_at = datetime.now(UTC)
