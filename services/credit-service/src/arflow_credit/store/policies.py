"""Credit policies per risk class, as credit managers set them."""

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import Field

from arflow_credit.store.base import CreditTable, instant_column, money_column


class CreditPolicyRecord(CreditTable, table=True):
    """A risk class's policy; a class without a row uses the documented default."""

    __tablename__ = "credit_policies"

    risk_class: str = Field(primary_key=True, max_length=1)
    limit_kind: str = Field(max_length=8, description="fixed or derived")
    limit_amount: Decimal | None = money_column(nullable=True)
    currency: str = Field(max_length=3)
    limit_multiple: Decimal | None = money_column(nullable=True)
    limit_trailing_months: int | None = None
    limit_minimum: Decimal | None = money_column(nullable=True)
    terms_days: int
    review_tolerance_percent: Decimal = money_column()
    hold_overdue_amount: Decimal | None = money_column(nullable=True)
    hold_overdue_days: int | None = None
    prepayment_required: bool = False
    counted_parts: str = Field(max_length=100, description="comma-separated exposure parts")
    revision: int = 1
    updated_by: str = Field(max_length=200)
    updated_at: datetime = instant_column()


async def policy_record(session: AsyncSession, risk_class: str) -> CreditPolicyRecord | None:
    """The stored policy of a risk class, if a credit manager set one."""
    return await session.get(CreditPolicyRecord, risk_class)


async def policy_records(session: AsyncSession) -> Sequence[CreditPolicyRecord]:
    """Every stored policy."""
    return list((await session.execute(select(CreditPolicyRecord))).scalars())
