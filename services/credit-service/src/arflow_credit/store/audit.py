"""The append-only audit log: who changed what, when, from what to what, and why.

This module offers exactly two operations, append and read; the migration adds database
triggers that refuse UPDATE and DELETE on the table, so no code path can rewrite history.
"""

import json
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import Field, col

from arflow_credit.amounts import money_text
from arflow_credit.store.base import CreditTable, instant_column, text_column
from arflow_runtime.db import BigId


class AuditEntry(CreditTable, table=True):
    """One change; `before` and `after` are JSON documents (personal data left out)."""

    __tablename__ = "audit_log"

    id: int | None = Field(default=None, primary_key=True, sa_type=BigId)
    customer_id: str | None = Field(default=None, max_length=128, index=True)
    subject: str = Field(max_length=32)
    subject_id: str = Field(max_length=200)
    action: str = Field(max_length=32)
    actor: str = Field(max_length=200)
    recorded_at: datetime = instant_column()
    business_date: date
    before: str | None = text_column()
    after: str | None = text_column()
    reason: str | None = text_column()


async def append_audit(
    session: AsyncSession,
    *,
    customer_id: str | None,
    subject: str,
    subject_id: str,
    action: str,
    actor: str,
    business_date: date,
    before: Any = None,
    after: Any = None,
    reason: str | None = None,
) -> None:
    """Add one entry to the audit log (in the caller's transaction)."""
    session.add(
        AuditEntry(
            customer_id=customer_id,
            subject=subject,
            subject_id=subject_id,
            action=action,
            actor=actor,
            recorded_at=datetime.now(UTC),
            business_date=business_date,
            before=_document(before),
            after=_document(after),
            reason=reason,
        )
    )


async def audit_trail(
    session: AsyncSession, customer_id: str | None, after_id: int = 0, limit: int = 200
) -> list[AuditEntry]:
    """Entries in the order they were written; one customer's, or every entry."""
    query = select(AuditEntry).where(col(AuditEntry.id) > after_id)
    if customer_id is not None:
        query = query.where(col(AuditEntry.customer_id) == customer_id)
    return list((await session.execute(query.order_by(col(AuditEntry.id)).limit(limit))).scalars())


def _document(value: Any) -> str | None:
    return None if value is None else json.dumps(value, sort_keys=True, default=_plain)


def _plain(value: Any) -> str:
    return money_text(value) if isinstance(value, Decimal) else str(value)
