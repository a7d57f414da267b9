"""Inbox: the id of each applied event is recorded in the same transaction as its effect."""

from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from arflow_runtime.tables import inbox

CLAIM_ON_POSTGRESQL = text(
    "INSERT INTO inbox (consumer, event_id, event_type, applied_at)"
    " SELECT CAST(:consumer AS varchar), claimed.event_id, claimed.event_type,"
    " CAST(:applied_at AS timestamptz)"
    " FROM unnest(CAST(:event_ids AS varchar[]), CAST(:event_types AS varchar[]))"
    " AS claimed(event_id, event_type)"
    " ON CONFLICT (consumer, event_id) DO NOTHING RETURNING event_id"
)
"""A run's claims as two arrays: four parameters however long the run, where a multi-row VALUES
list has four per event for PostgreSQL to parse and plan (about 18 against 10 µs per event)."""


async def claim(session: AsyncSession, consumer: str, event_id: str, event_type: str) -> bool:
    """Record that `consumer` applies `event_id`; False when it was applied before."""
    insert = pg_insert if session.bind.dialect.name == "postgresql" else sqlite_insert
    statement = (
        insert(inbox)
        .values(consumer=consumer, event_id=event_id, event_type=event_type, applied_at=datetime.now(UTC))
        .on_conflict_do_nothing(index_elements=["consumer", "event_id"])
    )
    result = await session.execute(statement)
    return bool(result.rowcount)


async def claim_many(session: AsyncSession, consumer: str, events: Sequence[tuple[str, str]]) -> set[str]:
    """Record that `consumer` applies these (event id, type) pairs; returns the ids not applied before."""
    if not events:
        return set()
    now = datetime.now(UTC)
    if session.bind.dialect.name == "postgresql":
        parameters = {
            "consumer": consumer,
            "applied_at": now,
            "event_ids": [event_id for event_id, _ in events],
            "event_types": [event_type for _, event_type in events],
        }
        return set((await session.execute(CLAIM_ON_POSTGRESQL, parameters)).scalars())
    # SQLite: the executemany form: one cached statement however many events (no per-batch compile).
    statement = (
        sqlite_insert(inbox)
        .on_conflict_do_nothing(index_elements=["consumer", "event_id"])
        .returning(inbox.c.event_id)
    )
    rows = [
        {"consumer": consumer, "event_id": event_id, "event_type": event_type, "applied_at": now}
        for event_id, event_type in events
    ]
    return set((await session.execute(statement, rows)).scalars())
