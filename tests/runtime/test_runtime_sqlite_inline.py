"""SQLite on the event loop's thread: no worker threads, and a locked database never stalls the loop."""

import asyncio
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import create_async_engine

from arflow_runtime import sqlite_inline
from arflow_runtime.db import create_engine
from arflow_runtime.sqlite_inline import InlineConnection, LockWait, inline_connector


@contextmanager
def write_locked(path: Path, table: str) -> Iterator[None]:
    """Another connection creates `table` and holds the database's write lock until the block ends."""
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("PRAGMA journal_mode=WAL")
    holder.execute(f"CREATE TABLE {table} (number TEXT)")
    holder.execute("BEGIN IMMEDIATE")
    try:
        yield
    finally:
        holder.execute("ROLLBACK")
        holder.close()


async def test_an_engine_on_sqlite_runs_statements_without_starting_threads(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path}/service.sqlite")
    try:
        threads_before = threading.active_count()
        async with engine.begin() as connection:
            await connection.execute(text("CREATE TABLE invoices (number TEXT PRIMARY KEY, amount INTEGER)"))
            await connection.execute(
                text("INSERT INTO invoices VALUES (:n, :a)"), [{"n": f"INV-{i}", "a": i} for i in range(50)]
            )
            raw = await connection.get_raw_connection()
            assert isinstance(raw.driver_connection, InlineConnection)
        async with engine.connect() as connection:
            total = await connection.scalar(text("SELECT SUM(amount) FROM invoices"))
            mode = await connection.scalar(text("PRAGMA journal_mode"))
            foreign_keys = await connection.scalar(text("PRAGMA foreign_keys"))
        assert (total, mode, foreign_keys) == (sum(range(50)), "wal", 1)
        assert threading.active_count() == threads_before
    finally:
        await engine.dispose()


async def test_a_rolled_back_transaction_leaves_nothing(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path}/service.sqlite")
    try:
        async with engine.begin() as connection:
            await connection.execute(text("CREATE TABLE payments (reference TEXT PRIMARY KEY)"))
        async with engine.connect() as connection:
            await connection.execute(text("INSERT INTO payments VALUES ('PAY-1')"))
            await connection.rollback()
        async with engine.connect() as connection:
            assert await connection.scalar(text("SELECT COUNT(*) FROM payments")) == 0
    finally:
        await engine.dispose()


async def test_a_writer_waits_for_the_lock_without_stalling_the_loop(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The holder commits from another task while the waiter retries: a blocking wait would deadlock."""
    refused = asyncio.Event()
    answered_busy = sqlite_inline._busy

    def busy(error: sqlite3.OperationalError) -> bool:
        answer = answered_busy(error)
        if answer:
            refused.set()
        return answer

    monkeypatch.setattr(sqlite_inline, "_busy", busy)
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path}/service.sqlite")
    try:
        async with engine.begin() as connection:
            await connection.execute(text("CREATE TABLE allocations (id INTEGER PRIMARY KEY, source TEXT)"))
        holder = await engine.connect()
        await holder.execute(text("INSERT INTO allocations (source) VALUES ('holder')"))  # holds the lock

        async def waiter() -> float:
            async with engine.begin() as connection:
                await connection.execute(text("INSERT INTO allocations (source) VALUES ('waiter')"))
                return time.monotonic()

        waiting = asyncio.create_task(waiter())
        await asyncio.wait_for(refused.wait(), 10)  # the waiter was refused and retries; this task runs
        assert not waiting.done()
        committed = time.monotonic()
        await holder.commit()
        await holder.close()
        inserted = await asyncio.wait_for(waiting, 10)
        assert inserted >= committed
        async with engine.connect() as connection:
            sources = (await connection.execute(text("SELECT source FROM allocations ORDER BY id"))).scalars()
            assert list(sources) == ["holder", "waiter"]
    finally:
        await engine.dispose()


async def test_a_writer_gives_up_after_the_lock_timeout(tmp_path: Path) -> None:
    path = tmp_path / "service.sqlite"
    with write_locked(path, "holds"):
        connection = await inline_connector(str(path), lock_timeout=0.2)()
        try:
            started = time.monotonic()
            with pytest.raises(sqlite3.OperationalError, match="locked"):
                await connection.execute("INSERT INTO holds VALUES ('C-1')")
            assert 0.2 <= time.monotonic() - started < 2
        finally:
            await connection.close()


async def test_a_stale_read_snapshot_fails_at_once_instead_of_retrying(tmp_path: Path) -> None:
    """SQLITE_BUSY_SNAPSHOT: the reader's snapshot is older than a commit; no wait can cure that."""
    path = str(tmp_path / "service.sqlite")
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("PRAGMA journal_mode=WAL")
    other.execute("CREATE TABLE disputes (dispute_id TEXT)")
    connection = await inline_connector(path, lock_timeout=30)()
    try:
        connection.isolation_level = None
        await connection.execute("BEGIN")
        await connection.execute("SELECT COUNT(*) FROM disputes")  # the snapshot starts here
        other.execute("INSERT INTO disputes VALUES ('D-1')")
        started = time.monotonic()
        with pytest.raises(sqlite3.OperationalError):
            await connection.execute("INSERT INTO disputes VALUES ('D-2')")
        assert time.monotonic() - started < 1
    finally:
        other.close()
        await connection.close()


async def test_lock_wait_passes_other_errors_through_at_once() -> None:
    calls = 0

    def broken() -> None:
        nonlocal calls
        calls += 1
        raise sqlite3.OperationalError("no such table: invoices")

    with pytest.raises(sqlite3.OperationalError, match="no such table"):
        await LockWait(timeout=5).run(broken)
    assert calls == 1


async def test_sqlalchemy_reports_a_lock_timeout_as_an_operational_error(tmp_path: Path) -> None:
    """What the consumer loop retries as transient and the API answers with 503."""
    path = tmp_path / "service.sqlite"
    with write_locked(path, "invoices"):
        engine = create_async_engine(
            f"sqlite+aiosqlite:///{path}", async_creator=inline_connector(str(path), lock_timeout=0.1)
        )
        try:
            with pytest.raises(OperationalError, match="locked"):
                async with engine.begin() as connection:
                    await connection.execute(text("INSERT INTO invoices VALUES ('INV-1')"))
        finally:
            await engine.dispose()


async def test_autocommit_connections_commit_each_statement(tmp_path: Path) -> None:
    """SQLAlchemy sets the isolation level through aiosqlite's request queue; it runs at once here."""
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path}/service.sqlite")
    try:
        async with engine.begin() as connection:
            await connection.execute(text("CREATE TABLE reminders (invoice_number TEXT)"))
        autocommit = engine.execution_options(isolation_level="AUTOCOMMIT")
        async with autocommit.connect() as connection:
            await connection.execute(text("INSERT INTO reminders VALUES ('INV-7')"))
            raw = await connection.get_raw_connection()
            assert raw.driver_connection.isolation_level is None
        async with engine.connect() as connection:  # no commit was issued: autocommit kept the row
            assert await connection.scalar(text("SELECT COUNT(*) FROM reminders")) == 1
    finally:
        await engine.dispose()
