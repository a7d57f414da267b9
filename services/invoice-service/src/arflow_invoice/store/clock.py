"""The business clock (closed days), limitation restarts, and the write gate."""

from datetime import date, datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field

from arflow_invoice.store.base import LedgerTable, id_field, instant, invoice_ref


class DayClose(LedgerTable, table=True):
    """A closed business day: overdue detection ran for it and BusinessDayClosed was emitted."""

    __tablename__ = "day_closes"

    business_date: date = Field(primary_key=True)
    invoices_marked_overdue: int
    replay: bool
    closed_by: str = Field(max_length=200)
    closed_at: datetime = instant()


class LimitationRestart(LedgerTable, table=True):
    """A confirmed statement or a delivered formal demand that may restart a claim's limitation."""

    __tablename__ = "limitation_restarts"
    __table_args__ = (UniqueConstraint("invoice_id", "kind", "restart_date", name="uq_limitation_restart"),)

    id: int | None = id_field()
    invoice_id: int = invoice_ref(indexed=False)
    kind: str = Field(max_length=30, description="confirmed_statement or delivered_demand")
    restart_date: date
    source_reference: str | None = Field(default=None, max_length=128)
    created_at: datetime = instant()


class LedgerLock(LedgerTable, table=True):
    """One row SQLite writers update first, so a write transaction never reads a stale snapshot."""

    __tablename__ = "ledger_locks"

    name: str = Field(primary_key=True, max_length=50)
    version: int = 0
