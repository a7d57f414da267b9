"""Serialising writes that read before they write (allocation, day close) without dual writes."""

from sqlalchemy import text
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from arflow_invoice.store.clock import LedgerLock
from arflow_runtime.db import UnitOfWork

DAY_CLOSE_LOCK = "ledger:day-close"


async def lock_for_write(uow: UnitOfWork, key: str) -> None:
    """Hold `key` (a customer id, or the day close) until this transaction ends.

    PostgreSQL: a transaction-scoped advisory lock on the same key the outbox uses for the
    customer, so one customer's ledger writes queue up while others' run in parallel. SQLite
    has a single writer anyway; writing first makes every later read in the transaction see
    the newest state instead of failing on a stale snapshot.
    """
    session = uow.session
    assert session.bind is not None
    if session.bind.dialect.name == "postgresql":
        await session.execute(text("SELECT pg_advisory_xact_lock(hashtext(:key))"), {"key": key})
        return
    await session.execute(
        sqlite_insert(LedgerLock)
        .values(name="ledger", version=1)
        .on_conflict_do_update(index_elements=["name"], set_={"version": LedgerLock.version + 1})
    )
