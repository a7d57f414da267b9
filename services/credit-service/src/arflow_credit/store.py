"""credit-service tables: its own projection of the ledger's open items."""

from datetime import date
from decimal import Decimal

from sqlalchemy import Column, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import registry
from sqlmodel import Field, SQLModel

from arflow_runtime.db import Money


class CreditTable(SQLModel, registry=registry()):
    """Base of credit-service's tables."""


class LedgerItem(CreditTable, table=True):
    """An invoice as credit sees it: what it adds to a customer's exposure."""

    __tablename__ = "ledger_items"

    invoice_number: str = Field(primary_key=True, max_length=100)
    customer_id: str = Field(max_length=100, index=True)
    currency: str = Field(max_length=3)
    amount: Decimal = Field(sa_column=Column(Money(), nullable=False))
    outstanding: Decimal = Field(sa_column=Column(Money(), nullable=False))
    due_date: date


async def ledger_items(session: AsyncSession, customer_id: str) -> list[LedgerItem]:
    """A customer's items, oldest due first."""
    result = await session.execute(
        select(LedgerItem).where(LedgerItem.customer_id == customer_id).order_by(LedgerItem.due_date)
    )
    return list(result.scalars())
