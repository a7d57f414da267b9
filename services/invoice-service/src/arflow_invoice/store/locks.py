"""Serialising writes that read before they write (allocation, day close) without dual writes."""

from sqlalchemy import text
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from arflow_invoice.store.clock import LedgerLock
from arflow_runtime.db import UnitOfWork
from arflow_runtime.outbox import held_locks

DAY_CLOSE_LOCK = "ledger:day-close"
IMPORT_LOCK = "ledger:import"
WRITE_GATE = "ledger:write-gate"
WHOLE_LEDGER = frozenset({DAY_CLOSE_LOCK, IMPORT_LOCK})
"""Keys of set-based writes that emit events for many customers at once: they close the gate."""
LOCK_WHOLE_LEDGER = text(
    "SELECT pg_advisory_xact_lock(hashtext(:gate)), pg_advisory_xact_lock(hashtext(:key))"
)
LOCK_CUSTOMER = text(
    "SELECT pg_advisory_xact_lock_shared(hashtext(:gate)), pg_advisory_xact_lock(hashtext(:key))"
)


async def lock_for_write(uow: UnitOfWork, key: str) -> None:
    """Hold `key` (a customer id, the day close or an import) until this transaction ends.

    PostgreSQL: a transaction-scoped advisory lock on the same key the outbox uses for the
    customer, so one customer's ledger writes queue up while others' run in parallel. Every
    write first holds the write gate shared; the day close and bulk imports hold it exclusively,
    so their set-based outbox inserts (events of many customers, without one advisory lock per
    customer) never interleave with another transaction's events. SQLite has a single writer
    anyway; writing first makes every later read in the transaction see the newest state
    instead of failing on a stale snapshot.
    """
    session = uow.session
    assert session.bind is not None
    if session.bind.dialect.name == "postgresql":
        held = await held_locks(session)
        if key in held:
            return
        # One round trip: PostgreSQL evaluates a SELECT list left to right, gate first.
        statement = LOCK_WHOLE_LEDGER if key in WHOLE_LEDGER else LOCK_CUSTOMER
        await session.execute(statement, {"gate": WRITE_GATE, "key": key})
        held.add(key)  # the outbox then skips its own lock on the customer: it is held
        return
    await session.execute(
        sqlite_insert(LedgerLock)
        .values(name="ledger", version=1)
        .on_conflict_do_update(index_elements=["name"], set_={"version": LedgerLock.version + 1})
    )
