"""Limit change requests awaiting or past a second person's decision (maker-checker)."""

from datetime import datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import Field, col

from arflow_credit.store.base import CreditTable, instant_column, money_column, text_column


class LimitChangeRecord(CreditTable, table=True):
    """A requested change of a customer's credit limit and its decision."""

    __tablename__ = "limit_changes"

    request_id: str = Field(primary_key=True, max_length=128)
    customer_id: str = Field(max_length=128, index=True)
    requested_by: str = Field(max_length=200)
    requested_at: datetime = instant_column()
    new_limit: Decimal = money_column()
    currency: str = Field(max_length=3)
    reason: str = text_column(nullable=False)
    previous_limit: Decimal | None = money_column(nullable=True)
    status: str = Field(max_length=16)
    decided_by: str | None = Field(default=None, max_length=200)
    decided_at: datetime | None = instant_column(nullable=True)
    decision_reason: str | None = text_column()


async def limit_change(session: AsyncSession, request_id: str) -> LimitChangeRecord | None:
    """One limit change request."""
    return await session.get(LimitChangeRecord, request_id)


async def limit_changes_of(session: AsyncSession, customer_id: str) -> list[LimitChangeRecord]:
    """A customer's limit change requests, oldest first."""
    query = select(LimitChangeRecord).where(col(LimitChangeRecord.customer_id) == customer_id)
    return list((await session.execute(query.order_by(col(LimitChangeRecord.requested_at)))).scalars())
