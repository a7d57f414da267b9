"""Credit holds, active and released (the history stays)."""

from collections import defaultdict
from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import Field, col

from arflow_credit.store.base import CreditTable, instant_column, text_column


class HoldRecord(CreditTable, table=True):
    """One hold; `reference` tells holds of one source apart (a dunning request id, a key)."""

    __tablename__ = "credit_holds"

    hold_id: str = Field(primary_key=True, max_length=128)
    customer_id: str = Field(max_length=128, index=True)
    source: str = Field(max_length=16)
    reference: str = Field(default="", max_length=200)
    reason: str = text_column(nullable=False)
    since: date
    placed_by: str | None = Field(default=None, max_length=200)
    request_id: str | None = Field(default=None, max_length=128)
    invoice_numbers: str | None = text_column()
    placed_at: datetime = instant_column()
    released_on: date | None = None
    released_by: str | None = Field(default=None, max_length=200)
    release_reason: str | None = text_column()


async def hold_record(session: AsyncSession, hold_id: str) -> HoldRecord | None:
    """One hold by id."""
    return await session.get(HoldRecord, hold_id)


async def active_holds(session: AsyncSession, customer_id: str) -> list[HoldRecord]:
    """A customer's holds that are not released, oldest first."""
    query = select(HoldRecord).where(
        col(HoldRecord.customer_id) == customer_id, col(HoldRecord.released_on).is_(None)
    )
    return list((await session.execute(query.order_by(col(HoldRecord.placed_at)))).scalars())


async def active_holds_of(session: AsyncSession, customer_ids: Sequence[str]) -> dict[str, list[HoldRecord]]:
    """active_holds for many customers in one read, by customer."""
    query = select(HoldRecord).where(
        col(HoldRecord.customer_id).in_(customer_ids), col(HoldRecord.released_on).is_(None)
    )
    found: dict[str, list[HoldRecord]] = defaultdict(list)
    for record in (await session.execute(query.order_by(col(HoldRecord.placed_at)))).scalars():
        found[record.customer_id].append(record)
    return found


async def holds_of(session: AsyncSession, customer_id: str) -> list[HoldRecord]:
    """Every hold a customer ever had, oldest first."""
    query = select(HoldRecord).where(col(HoldRecord.customer_id) == customer_id)
    return list((await session.execute(query.order_by(col(HoldRecord.placed_at)))).scalars())
