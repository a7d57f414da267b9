"""Many rows of one table in one statement, and IN lists as one array parameter (PostgreSQL).

A batch writes tens of thousands of stage, timeline, task and charge rows. An executemany
through SQLAlchemy processes every row's parameters in Python (JSON columns are dumped row by
row, then bound one by one); on PostgreSQL the rows go instead as one array per column into
`INSERT ... SELECT FROM unnest(...)`, in order, and the driver encodes the arrays. JSON values
are dumped with `json.dumps` as SQLAlchemy's JSON type does, so the stored text is the same.
Other databases (SQLite) keep the executemany. Long IN lists likewise become `= ANY(array)`,
one parameter instead of thousands.
"""

import json
from collections.abc import Collection, Sequence
from typing import Any

from sqlalchemy import JSON, Table, any_, bindparam, text
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

_DIALECT = postgresql.dialect()  # type: ignore[no-untyped-call]


def is_postgresql(session: AsyncSession) -> bool:
    """Whether the session talks to PostgreSQL (arrays, unnest, ANY)."""
    return session.bind.dialect.name == "postgresql"


def one_of(session: AsyncSession, column: Any, values: Collection[Any]) -> ColumnElement[bool]:
    """`column IN values`; on PostgreSQL `column = ANY(:array)`, one parameter whatever the length."""
    if not is_postgresql(session):
        return column.in_(list(values))  # type: ignore[no-any-return]
    array = bindparam(None, list(values), type_=postgresql.ARRAY(column.type))
    return column == any_(array)  # type: ignore[no-any-return]


def _column_type(table: Table, name: str) -> str:
    return str(table.c[name].type.compile(dialect=_DIALECT))


def _unnest_insert(table: Table, names: Sequence[str]) -> Any:
    arrays = ", ".join(f"CAST(:{name} AS {_column_type(table, name)}[])" for name in names)
    columns = ", ".join(names)
    return text(
        f"INSERT INTO {table.name} ({columns}) SELECT {columns}"
        f" FROM unnest({arrays}) WITH ORDINALITY AS v({columns}, row_position) ORDER BY row_position"
    )


_STATEMENTS: dict[tuple[str, tuple[str, ...]], Any] = {}


async def insert_rows(session: AsyncSession, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """Insert rows that all have the same keys, in order (one statement on PostgreSQL)."""
    if not rows:
        return
    if not is_postgresql(session):
        await session.execute(table.insert(), list(rows))
        return
    names = tuple(rows[0])
    key = (table.name, names)
    statement = _STATEMENTS.get(key)
    if statement is None:
        statement = _STATEMENTS[key] = _unnest_insert(table, names)
    values: dict[str, list[Any]] = {}
    for name in names:
        column = [row[name] for row in rows]
        if isinstance(table.c[name].type, JSON):
            column = [json.dumps(value) for value in column]
        values[name] = column
    await session.execute(statement, values)
