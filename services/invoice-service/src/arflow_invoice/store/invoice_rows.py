"""Storing one new invoice with plain Core statements built once, not SQLModel objects and a flush.

The single POST is the ledger's hottest write: building an ORM object (SQLModel's init, the
instrumented attributes) and flushing it cost more CPU than the SQL. The insert is built once
per dialect, and SQLAlchemy's compiled cache keeps its SQL; ON CONFLICT on the invoice number
replaces the look-up before it: a number already taken inserts nothing and returns no id.
"""

from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from arflow_invoice.store.base import now
from arflow_invoice.store.invoices import Invoice

INVOICES: Table = Invoice.__table__  # type: ignore[attr-defined]
_NEW_INVOICE = {
    dialect: insert(INVOICES)
    .on_conflict_do_nothing(index_elements=[INVOICES.c.invoice_number])
    .returning(INVOICES.c.id)
    for dialect, insert in (("postgresql", postgresql_insert), ("sqlite", sqlite_insert))
}


async def insert_new_invoice(session: AsyncSession, values: dict[str, Any]) -> int | None:
    """Store an invoice row (`invoice_values`); its id, or None when its number is already taken."""
    assert session.bind is not None
    statement = _NEW_INVOICE[session.bind.dialect.name]
    found = await session.execute(statement, {**values, "created_at": now()})
    return found.scalar_one_or_none()
