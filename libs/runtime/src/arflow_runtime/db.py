"""Database engines and the unit of work: state and outgoing events commit together."""

import contextlib
from collections.abc import AsyncIterator, Callable, Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy import BigInteger, Integer, Numeric, event, text
from sqlalchemy.engine import Dialect, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.types import TypeDecorator

from arflow_runtime.outbox import Outbox
from arflow_runtime.sqlite_inline import inline_connector

SQLITE_LOCK_TIMEOUT = 30.0
"""Seconds a SQLite statement keeps retrying while another connection holds the write lock."""
MONEY_SCALE = 4
_SQLITE_FACTOR = Decimal(10) ** MONEY_SCALE


class Money(TypeDecorator[Decimal]):
    """Exact money: NUMERIC(19,4) on PostgreSQL, scaled integers on SQLite (so SUM stays exact)."""

    impl = Numeric(19, MONEY_SCALE)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> Any:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(BigInteger())
        return dialect.type_descriptor(Numeric(19, MONEY_SCALE, asdecimal=True))

    def process_bind_param(self, value: Decimal | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if dialect.name == "sqlite":
            return int((Decimal(value) * _SQLITE_FACTOR).to_integral_exact())
        return Decimal(value)

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
        if dialect.name == "sqlite":
            return canonical_money(Decimal(int(value)) / _SQLITE_FACTOR)
        return canonical_money(Decimal(value))


_CENTS = Decimal("0.01")


def canonical_money(value: Decimal) -> Decimal:
    """One form for an amount read from either database: two decimals, more only when needed."""
    cents = value.quantize(_CENTS)
    return cents if cents == value else value.normalize()


BigId = BigInteger().with_variant(Integer(), "sqlite")
"""An autoincrementing id column type that works on both databases."""


DEFAULT_POOL_SIZE = 30


def create_engine(url: str, pool_size: int = DEFAULT_POOL_SIZE) -> AsyncEngine:
    """An async engine; SQLite gets WAL, foreign keys, and statements run on the loop's thread."""
    if url.startswith("sqlite"):
        database = make_url(url).database or ":memory:"
        engine = create_async_engine(url, async_creator=inline_connector(database, SQLITE_LOCK_TIMEOUT))

        @event.listens_for(engine.sync_engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()

        return engine
    # No pre-ping: it costs a round trip (three with asyncpg) on every checkout. A connection
    # that died with a database restart fails its first statement instead; the pool then drops
    # it, consumers retry the event (consumer.is_transient) and the API answers 503 (errors.py).
    # Every connection the pool opens stays open (no overflow): one opened and closed per burst
    # costs a server process, the dialect's set-up queries and its prepared statements, exactly
    # when the service is busiest (a credit-check burst opened ~15 connections a second that way).
    return create_async_engine(url, pool_size=pool_size, max_overflow=0, pool_pre_ping=False)


async def database_reachable(engine: AsyncEngine) -> bool:
    """Whether a trivial query succeeds."""
    try:
        async with engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
        return True
    except Exception:
        return False


class UnitOfWork:
    """One transaction: the handler's state changes plus the events it publishes (outbox)."""

    def __init__(self, session: AsyncSession, outbox: Outbox) -> None:
        self.session = session
        self._outbox = outbox
        self._published = 0
        self._held_back: list[tuple[Any, Any, str]] | None = None

    async def publish(self, data: Any, *, customer_id: str, causation_id: str | None = None) -> Any:
        """Stage an event in the outbox; it is sent only after this transaction commits."""
        self._published += 1
        if self._held_back is not None:
            envelope = self._outbox.envelope(data, customer_id, causation_id)
            self._held_back.append((envelope, data, customer_id))
            return envelope
        return await self._outbox.append(
            self.session, data, customer_id=customer_id, causation_id=causation_id
        )

    @property
    def outbox(self) -> Outbox:
        """The service's outbox, for set-based writers that build its rows themselves."""
        return self._outbox

    def wrote_events(self, count: int) -> None:
        """`count` events were written to the outbox directly (set-based): wake the relay at commit."""
        self._published += count

    @contextlib.asynccontextmanager
    async def events_written_together(self) -> AsyncIterator[None]:
        """Events published inside the block reach the outbox together as it ends, in their order.

        One lock statement and one insert for all of them instead of two round trips per event;
        for work that publishes for many customers and writes the outbox no other way meanwhile.
        If the block raises, nothing it published is written (the transaction is rolled back).
        """
        if self._held_back is not None:
            yield
            return
        self._held_back = []
        try:
            yield
            staged = self._held_back
        finally:
            self._held_back = None
        await self._outbox.insert(self.session, staged)

    async def publish_many(self, items: Sequence[tuple[Any, str]]) -> list[Any]:
        """Stage many (event, customer id) pairs in the outbox at once, in order."""
        self._published += len(items)
        if self._held_back is not None:
            staged = [
                (self._outbox.envelope(data, customer_id), data, customer_id) for data, customer_id in items
            ]
            self._held_back.extend(staged)
            return [envelope for envelope, _, _ in staged]
        return await self._outbox.append_many(self.session, items)

    async def commit(self) -> None:
        """Commit state and staged events together, then wake the relay."""
        await self.session.commit()
        if self._published:
            self._outbox.notify()
            self._published = 0

    async def rollback(self) -> None:
        """Discard everything staged."""
        await self.session.rollback()
        self._published = 0


class Database:
    """A service's engine and session factory."""

    def __init__(self, engine: AsyncEngine, outbox: Outbox) -> None:
        self.engine = engine
        self.outbox = outbox
        self.sessions = async_sessionmaker(engine, expire_on_commit=False)

    def unit_of_work(self) -> "UnitOfWorkScope":
        """`async with db.unit_of_work() as uow:` — rolls back unless committed."""
        return UnitOfWorkScope(self.sessions, self.outbox)


class UnitOfWorkScope:
    def __init__(self, sessions: Callable[[], AsyncSession], outbox: Outbox) -> None:
        self._sessions = sessions
        self._outbox = outbox

    async def __aenter__(self) -> UnitOfWork:
        self._session = self._sessions()
        self._uow = UnitOfWork(self._session, self._outbox)
        return self._uow

    async def __aexit__(self, *exc: object) -> None:
        try:
            if self._session.in_transaction():
                await self._session.rollback()
        finally:
            await self._session.close()
