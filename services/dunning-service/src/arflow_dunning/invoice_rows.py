"""Watched invoices as plain rows for the evaluation: read in bulk, written back in bulk.

An evaluation touches hundreds of thousands of invoices on a busy day; ORM objects would cost a
round of identity-map bookkeeping each and an UPDATE statement each. These rows are read with one
SELECT per batch and only the evaluation's columns that changed are written back, with one
statement per batch (PostgreSQL: UPDATE ... FROM unnest(arrays); SQLite: executemany).
"""

from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import Table, bindparam, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from arflow_dunning.store import WatchedInvoice
from arflow_runtime.bulk_rows import one_of

WATCHED: Table = WatchedInvoice.__table__  # type: ignore[attr-defined]
_CHUNK = 5000


@dataclass(slots=True)
class InvoiceRow:
    """The columns of a watched invoice the evaluation reads; the last nine it may change."""

    invoice_number: str
    customer_id: str
    currency: str
    amount: Decimal
    outstanding: Decimal
    principal_outstanding: Decimal
    charges_outstanding: Decimal
    due_date: date
    salesperson_id: str | None
    late_interest_rate: str | None
    day_count: str | None
    dunning_fee: Decimal | None
    open_disputes: int
    excluded: bool
    promise_id: str | None
    policy_id: str | None
    stage: str | None
    stage_days: int | None
    stage_reached_on: date | None
    next_stage_due_on: date | None
    case_id: str | None
    status: str
    settled_on: date | None
    interest_charged_through: date | None


COLUMNS = [f.name for f in fields(InvoiceRow)]
WRITTEN = COLUMNS[-9:]
"""What an evaluation writes back: stage, policy, next stage day, case, handover, interest."""


def written_values(row: InvoiceRow) -> tuple[Any, ...]:
    """The row's values of the written columns (compare before and after to find changes)."""
    return tuple(getattr(row, name) for name in WRITTEN)


async def read_rows(session: AsyncSession, *conditions: Any) -> list[InvoiceRow]:
    """Watched invoices matching the conditions, by customer, due date and number."""
    statement = (
        select(*(WATCHED.c[name] for name in COLUMNS))
        .where(*conditions)
        .order_by(WATCHED.c.customer_id, WATCHED.c.due_date, WATCHED.c.invoice_number)
    )
    return [InvoiceRow(*row) for row in (await session.execute(statement)).all()]


async def read_rows_of(
    session: AsyncSession, customer_ids: Sequence[str], *conditions: Any
) -> list[InvoiceRow]:
    """Watched invoices of these customers matching the conditions (IN lists of bounded size)."""
    rows: list[InvoiceRow] = []
    ordered = sorted(set(customer_ids))
    for start in range(0, len(ordered), _CHUNK):
        rows += await read_rows(
            session, one_of(session, WATCHED.c.customer_id, ordered[start : start + _CHUNK]), *conditions
        )
    return rows


async def write_rows(session: AsyncSession, rows: Sequence[InvoiceRow]) -> None:
    """Write the evaluation's columns of these rows back in one statement per chunk."""
    if not rows:
        return
    if session.bind.dialect.name == "postgresql":
        for start in range(0, len(rows), _CHUNK):
            await _write_postgresql(session, rows[start : start + _CHUNK])
        return
    statement = (
        update(WATCHED)
        .where(WATCHED.c.invoice_number == bindparam("key"))
        .values({name: bindparam(name) for name in WRITTEN})
    )
    await session.execute(
        statement,
        [{"key": row.invoice_number, **{name: getattr(row, name) for name in WRITTEN}} for row in rows],
    )


_PG_TYPES = {
    "policy_id": "text",
    "stage": "text",
    "stage_days": "int",
    "stage_reached_on": "date",
    "next_stage_due_on": "date",
    "case_id": "text",
    "status": "text",
    "settled_on": "date",
    "interest_charged_through": "date",
}
_PG_UPDATE = text(
    "UPDATE watched_invoices AS w SET "
    + ", ".join(f"{name} = v.{name}" for name in WRITTEN)
    + " FROM unnest(CAST(:keys AS text[]), "
    + ", ".join(f"CAST(:{name} AS {kind}[])" for name, kind in _PG_TYPES.items())
    + ") AS v(invoice_number, "
    + ", ".join(WRITTEN)
    + ") WHERE w.invoice_number = v.invoice_number"
)


async def _write_postgresql(session: AsyncSession, rows: Sequence[InvoiceRow]) -> None:
    values: dict[str, list[Any]] = {"keys": [row.invoice_number for row in rows]}
    for name in WRITTEN:
        values[name] = [getattr(row, name) for row in rows]
    await session.execute(_PG_UPDATE, values)
