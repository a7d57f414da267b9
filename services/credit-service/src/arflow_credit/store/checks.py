"""Credit checks (one per order) and the reservations approved orders hold until invoiced."""

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import Field, col

from arflow_credit.store.base import CreditTable, instant_column, money_column, text_column

ACTIVE = "active"
CONSUMED = "consumed"
EXPIRED = "expired"
CANCELLED = "cancelled"


class CreditCheckRecord(CreditTable, table=True):
    """The answer given for an order; the order id makes the check idempotent."""

    __tablename__ = "credit_checks"

    order_id: str = Field(primary_key=True, max_length=128)
    customer_id: str = Field(max_length=128, index=True)
    amount: Decimal = money_column()
    currency: str = Field(max_length=3)
    decision: str = Field(max_length=16)
    reasons: str = Field(max_length=300, description="comma-separated reason codes")
    available_after: Decimal = money_column()
    risk_class: str | None = Field(default=None, max_length=1)
    business_date: date
    checked_by: str = Field(max_length=200)
    checked_at: datetime = instant_column()
    overridden_decision: str | None = Field(default=None, max_length=16)
    overridden_by: str | None = Field(default=None, max_length=200)
    override_reason: str | None = text_column()
    overridden_at: datetime | None = instant_column(nullable=True)


class Reservation(CreditTable, table=True):
    """Credit held for an approved order until its invoice arrives or the reservation expires."""

    __tablename__ = "reservations"

    order_id: str = Field(primary_key=True, max_length=128)
    customer_id: str = Field(max_length=128, index=True)
    amount: Decimal = money_column()
    currency: str = Field(max_length=3)
    reserved_on: date
    expires_on: date
    status: str = Field(default=ACTIVE, max_length=16)
    ended_on: date | None = None
    invoice_number: str | None = Field(default=None, max_length=128)


async def credit_check(session: AsyncSession, order_id: str) -> CreditCheckRecord | None:
    """The check recorded for an order, if any."""
    return await session.get(CreditCheckRecord, order_id)


async def reservation(session: AsyncSession, order_id: str) -> Reservation | None:
    """The reservation of an order, if any."""
    return await session.get(Reservation, order_id)


async def lapsed_reservations(session: AsyncSession, as_of: date) -> list[Reservation]:
    """Active reservations whose expiry date has passed on `as_of`."""
    query = select(Reservation).where(col(Reservation.status) == ACTIVE, col(Reservation.expires_on) < as_of)
    return list((await session.execute(query)).scalars())
