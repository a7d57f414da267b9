"""Many rows of one table with one COPY, and IN lists as one array parameter (PostgreSQL).

A dunning batch writes tens of thousands of stage, timeline, task and charge rows, a run of
InvoiceIssued in credit hundreds of ledger items. An executemany
through SQLAlchemy processes every row's parameters in Python (JSON columns are dumped row by
row, then bound one by one); on PostgreSQL the rows go instead through the driver's binary COPY
inside the session's transaction, in order. JSON values are dumped with `json.dumps` as
SQLAlchemy's JSON type does, so the stored text is the same. Other databases (SQLite) keep the
executemany. Long IN lists likewise become `= ANY(array)`, one parameter instead of thousands.
"""

import json
from collections.abc import Collection, Sequence
from typing import Any

from sqlalchemy import JSON, Table, any_, bindparam, text
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement


def is_postgresql(session: AsyncSession) -> bool:
    """Whether the session talks to PostgreSQL (arrays, unnest, ANY)."""
    return session.bind.dialect.name == "postgresql"


def one_of(session: AsyncSession, column: Any, values: Collection[Any]) -> ColumnElement[bool]:
    """`column IN values`; on PostgreSQL `column = ANY(:array)`, one parameter whatever the length."""
    if not is_postgresql(session):
        return column.in_(list(values))  # type: ignore[no-any-return]
    array = bindparam(None, list(values), type_=postgresql.ARRAY(column.type))
    return column == any_(array)  # type: ignore[no-any-return]


async def copy_records(
    session: AsyncSession, table: str, columns: Sequence[str], records: Sequence[tuple[Any, ...]]
) -> None:
    """COPY the records into the table within the session's transaction (PostgreSQL, asyncpg)."""
    connection = await session.connection()
    driver = (await connection.get_raw_connection()).driver_connection
    if not driver.is_in_transaction():
        # The adapter begins the database transaction with its first statement: a COPY must
        # not run (and commit) outside it.
        await session.execute(text("SELECT 1"))
    await driver.copy_records_to_table(table, records=records, columns=list(columns))


async def insert_rows(session: AsyncSession, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """Insert rows that all have the same keys, in order (one COPY on PostgreSQL)."""
    if not rows:
        return
    if not is_postgresql(session):
        await session.execute(table.insert(), list(rows))
        return
    names = tuple(rows[0])
    columns: list[list[Any]] = []
    for name in names:
        values = [row[name] for row in rows]
        if isinstance(table.c[name].type, JSON):
            dumped: dict[int, str] = {}  # rows often share one list (a stage's channels)
            values = [_dumped(value, dumped) for value in values]
        columns.append(values)
    await copy_records(session, table.name, names, list(zip(*columns, strict=True)))


def _dumped(value: Any, dumped: dict[int, str]) -> str:
    text_ = dumped.get(id(value))
    if text_ is None:
        text_ = dumped[id(value)] = json.dumps(value)
    return text_
