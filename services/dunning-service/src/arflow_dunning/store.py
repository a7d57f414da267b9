"""dunning-service tables: the receivables it watches and their dunning stage."""

from datetime import date
from decimal import Decimal

from sqlalchemy import Column, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import registry
from sqlmodel import Field, SQLModel

from arflow_runtime.db import Money


class DunningTable(SQLModel, registry=registry()):
    """Base of dunning-service's tables."""


class WatchedInvoice(DunningTable, table=True):
    """An invoice under dunning's watch, with the stage it has reached (none yet: null)."""

    __tablename__ = "watched_invoices"

    invoice_number: str = Field(primary_key=True, max_length=100)
    customer_id: str = Field(max_length=100, index=True)
    currency: str = Field(max_length=3)
    outstanding: Decimal = Field(sa_column=Column(Money(), nullable=False))
    due_date: date
    stage: str | None = Field(default=None, max_length=50)


async def watched_invoices(session: AsyncSession, customer_id: str) -> list[WatchedInvoice]:
    """A customer's watched invoices, oldest due first."""
    result = await session.execute(
        select(WatchedInvoice)
        .where(WatchedInvoice.customer_id == customer_id)
        .order_by(WatchedInvoice.due_date, WatchedInvoice.invoice_number)
    )
    return list(result.scalars())
