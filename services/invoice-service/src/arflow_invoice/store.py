"""The ledger's tables and queries."""

from datetime import UTC, date, datetime
from decimal import Decimal

from sqlalchemy import Column, DateTime, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import registry
from sqlmodel import Field, SQLModel

from arflow_runtime.db import Money


class LedgerTable(SQLModel, registry=registry()):
    """Base of the ledger's tables (its own metadata: services share no tables)."""


class Invoice(LedgerTable, table=True):
    __tablename__ = "invoices"

    id: int | None = Field(default=None, primary_key=True)
    invoice_number: str = Field(max_length=100, unique=True)
    customer_id: str = Field(max_length=100, index=True)
    currency: str = Field(max_length=3)
    amount: Decimal = Field(sa_column=Column(Money(), nullable=False))
    issue_date: date
    due_date: date
    salesperson_id: str | None = Field(default=None, max_length=100)
    created_at: datetime = Field(
        default_factory=lambda: datetime.now(UTC), sa_column=Column(DateTime(timezone=True), nullable=False)
    )


async def find_invoice(session: AsyncSession, invoice_number: str) -> Invoice | None:
    """The invoice with this ERP number, if any."""
    result = await session.execute(select(Invoice).where(Invoice.invoice_number == invoice_number))
    return result.scalar_one_or_none()
