"""SQLite for the async engine without a thread per statement: sqlite3 runs on the event loop's thread.

SQLAlchemy's aiosqlite dialect drives an aiosqlite connection, which hands every call (open a
cursor, execute, fetch, close) to a worker thread and wakes the event loop when it is done: four
thread hand-offs per statement. In the embedded platform that hand-off cost more CPU than the
SQL itself. This module gives the same dialect a connection with aiosqlite's interface whose
calls run sqlite3 directly; SQLite answers in microseconds from its page cache.

A statement never waits for a lock on the loop's thread: the connection's busy timeout is 0, and
a statement refused with SQLITE_BUSY is retried after an `asyncio.sleep`, so the transaction
holding the lock (in another task) can finish. SQLite refuses the statement before it changes
anything, and a refused COMMIT leaves its transaction open, so the retry is safe.
"""

import asyncio
import sqlite3
import time
from collections.abc import Awaitable, Callable, Iterable
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")

SQLITE_BUSY = 5
SQLITE_BUSY_SNAPSHOT = 517
"""A read snapshot that another writer made stale: waiting cannot cure it, so it is not retried."""
FIRST_RETRY_SECONDS = 0.0005
LONGEST_RETRY_SECONDS = 0.05


class LockWait:
    """How long a statement keeps retrying a database another connection is writing."""

    def __init__(self, timeout: float) -> None:
        self.timeout = timeout

    async def run(self, call: Callable[[], T]) -> T:
        """`call()`; while SQLite answers busy, sleep (letting the lock's holder go on) and call again."""
        deadline: float | None = None
        delay = FIRST_RETRY_SECONDS
        while True:
            try:
                return call()
            except sqlite3.OperationalError as error:
                if not _busy(error):
                    raise
                now = time.monotonic()
                deadline = deadline if deadline is not None else now + self.timeout
                if now >= deadline:
                    raise
            await asyncio.sleep(delay)  # another task holds the write lock: let it commit
            delay = min(delay * 2, LONGEST_RETRY_SECONDS)


def _busy(error: sqlite3.OperationalError) -> bool:
    code = getattr(error, "sqlite_errorcode", None)
    if code is None:  # not an error SQLite raised with a result code
        return "database is locked" in str(error)
    return code & 0xFF == SQLITE_BUSY and code != SQLITE_BUSY_SNAPSHOT


class InlineCursor:
    """aiosqlite's Cursor interface over a sqlite3 cursor, run on the calling thread."""

    def __init__(self, connection: "InlineConnection") -> None:
        self._connection = connection
        self._cursor = connection._conn.cursor()

    async def __aenter__(self) -> "InlineCursor":
        return self

    async def __aexit__(self, *exc: object) -> None:
        self._cursor.close()

    @property
    def description(self) -> Any:
        return self._cursor.description

    @property
    def rowcount(self) -> int:
        return self._cursor.rowcount

    @property
    def lastrowid(self) -> int | None:
        return self._cursor.lastrowid

    @property
    def arraysize(self) -> int:
        return self._cursor.arraysize

    @arraysize.setter
    def arraysize(self, value: int) -> None:
        self._cursor.arraysize = value

    async def execute(self, sql: str, parameters: Any = ()) -> "InlineCursor":
        await self._connection.lock_wait.run(lambda: self._cursor.execute(sql, parameters))
        return self

    async def executemany(self, sql: str, parameters: Iterable[Any]) -> "InlineCursor":
        rows = list(parameters)  # a retry must see every row again
        await self._connection.lock_wait.run(lambda: self._cursor.executemany(sql, rows))
        return self

    async def fetchone(self) -> Any:
        return self._cursor.fetchone()

    async def fetchmany(self, size: int | None = None) -> list[Any]:
        return self._cursor.fetchmany(size if size is not None else self._cursor.arraysize)

    async def fetchall(self) -> list[Any]:
        return self._cursor.fetchall()

    async def close(self) -> None:
        self._cursor.close()


class _RunNow:
    """Stands in for aiosqlite's request queue, which SQLAlchemy uses to set the isolation level."""

    def put_nowait(self, item: tuple[asyncio.Future[Any], Callable[[], Any]]) -> None:
        future, function = item
        try:
            future.set_result(function())
        except Exception as error:
            future.set_exception(error)


class InlineConnection:
    """aiosqlite's Connection interface over a sqlite3 connection, run on the calling thread."""

    def __init__(self, connection: sqlite3.Connection, lock_wait: LockWait) -> None:
        self._conn = connection
        self._connection: sqlite3.Connection | None = connection  # SQLAlchemy checks it is open
        self._tx = _RunNow()
        self.lock_wait = lock_wait

    @property
    def isolation_level(self) -> str | None:
        return self._conn.isolation_level

    @isolation_level.setter
    def isolation_level(self, value: str | None) -> None:
        self._conn.isolation_level = value

    def cursor(self) -> InlineCursor:
        return InlineCursor(self)

    async def execute(self, sql: str, parameters: Any = ()) -> InlineCursor:
        cursor = self.cursor()
        return await cursor.execute(sql, parameters)

    async def commit(self) -> None:
        await self.lock_wait.run(self._conn.commit)

    async def rollback(self) -> None:
        self._conn.rollback()

    async def create_function(self, *args: Any, **kwargs: Any) -> None:
        self._conn.create_function(*args, **kwargs)

    async def close(self) -> None:
        self.stop()

    def stop(self) -> None:
        """Close at once (SQLAlchemy's terminate)."""
        if self._connection is not None:
            self._connection = None
            self._conn.close()


def inline_connector(path: str, lock_timeout: float) -> Callable[[], Awaitable[InlineConnection]]:
    """The `async_creator` for an engine on the SQLite file at `path`."""

    async def connect() -> InlineConnection:
        if path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        # timeout=0: a busy database is waited for by LockWait, off the loop, not inside sqlite3.
        connection = sqlite3.connect(path, timeout=0, check_same_thread=False)
        return InlineConnection(connection, LockWait(lock_timeout))

    return connect
