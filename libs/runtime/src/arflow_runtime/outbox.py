"""Transactional outbox: events are rows written with the state change; a relay publishes them."""

import asyncio
import json
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import bindparam, func, select, text, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from arflow_contracts import EventData, EventEnvelope, wrap
from arflow_runtime import context
from arflow_runtime.log import get_logger
from arflow_runtime.tables import outbox

if TYPE_CHECKING:
    from arflow_runtime.bus.base import Bus

log = get_logger(__name__)

RELAY_LOCK = 0x0A2F10  # advisory lock id: one relay per database publishes at a time
"""Several processes of a service each run a relay; they take turns under this lock."""
IDLE_RECHECK_SECONDS = 1.0


LOCK_CUSTOMER = text("SELECT pg_advisory_xact_lock(hashtext(:key))")
LOCK_CUSTOMERS = text(
    "SELECT count(pg_advisory_xact_lock(hashtext(k)))"
    " FROM (SELECT k FROM unnest(CAST(:keys AS text[])) AS k ORDER BY k) AS ordered"
)
INSERT = outbox.insert()
RELAY_TURN = text("SELECT pg_advisory_xact_lock(:id), set_config('synchronous_commit', 'off', true)")
"""The relay's turn (PostgreSQL), and its marks committed without waiting for the WAL flush."""
_HELD = "arflow.advisory_xact_locks"


async def held_locks(session: AsyncSession) -> set[str]:
    """Keys of the advisory locks (hashtext) this session's current transaction took; add to it.

    A transaction-scoped lock lasts until the transaction ends, so taking it again in the same
    transaction is a round trip for nothing; a new transaction starts with an empty set.
    """
    await session.connection()  # begins the transaction if nothing has yet
    transaction = session.sync_session.get_transaction()
    held: tuple[object, set[str]] | None = session.info.get(_HELD)
    if held is None or held[0] is not transaction:
        held = (transaction, set())
        session.info[_HELD] = held
    return held[1]


async def lock_customers(session: AsyncSession, customer_ids: Iterable[str]) -> None:
    """On PostgreSQL, hold each customer's advisory lock until the transaction ends.

    Only the locks this transaction does not hold yet are taken, in one statement and in key
    order, so two transactions locking several customers never deadlock. Two transactions for
    one customer then commit in the order their outbox rows got ids, so the relay, reading by
    id, never publishes a customer's events out of order.
    """
    if session.bind.dialect.name != "postgresql":
        return
    held = await held_locks(session)
    keys = sorted(set(customer_ids) - held)
    if len(keys) == 1:
        await session.execute(LOCK_CUSTOMER, {"key": keys[0]})
    elif keys:
        await session.execute(LOCK_CUSTOMERS, {"keys": keys})
    held.update(keys)


class Outbox:
    """Appends events to the outbox inside the caller's transaction."""

    def __init__(self, producer: str, topic_prefix: str) -> None:
        self.producer = producer
        self.topic_prefix = topic_prefix
        self._wake = asyncio.Event()

    async def append(
        self, session: AsyncSession, data: EventData, *, customer_id: str, causation_id: str | None = None
    ) -> EventEnvelope:
        """Stage one event; on PostgreSQL, per-customer commit order is kept by an xact lock."""
        envelope = self.envelope(data, customer_id, causation_id)
        await lock_customers(session, (customer_id,))
        await session.execute(INSERT, self._row(envelope, data, customer_id, datetime.now(UTC)))
        return envelope

    async def append_many(
        self,
        session: AsyncSession,
        items: Sequence[tuple[EventData, str]],
        *,
        causation_id: str | None = None,
    ) -> list[EventEnvelope]:
        """Stage many events (each with its customer id) with one lock statement and one insert."""
        staged = [
            (self.envelope(data, customer_id, causation_id), data, customer_id) for data, customer_id in items
        ]
        await self.insert(session, staged)
        return [envelope for envelope, _, _ in staged]

    def envelope(self, data: EventData, customer_id: str, causation_id: str | None = None) -> EventEnvelope:
        """The envelope this outbox writes for `data` now (correlation and causation from the context)."""
        return wrap(
            data,
            customer_id=customer_id,
            producer=self.producer,
            correlation_id=context.correlation_id(),
            causation_id=causation_id or context.causation_id(),
        )

    async def insert(
        self, session: AsyncSession, staged: Sequence[tuple[EventEnvelope, EventData, str]]
    ) -> None:
        """Write built envelopes (envelope, event, customer id), in order: one lock statement, one insert."""
        if not staged:
            return
        await lock_customers(session, {customer_id for _, _, customer_id in staged})
        now = datetime.now(UTC)
        rows = [self._row(envelope, data, customer_id, now) for envelope, data, customer_id in staged]
        await session.execute(INSERT, rows)

    def _row(
        self, envelope: EventEnvelope, data: EventData, customer_id: str, now: datetime
    ) -> dict[str, Any]:
        return {
            "event_id": str(envelope.event_id),
            "topic": self.topic_prefix + data.topic,
            "message_key": customer_id,
            "payload": envelope.to_bytes(),
            "headers": json.dumps([[k, v.decode()] for k, v in envelope.headers()]),
            "created_at": now,
        }

    def notify(self) -> None:
        """Wake the relay: something was committed."""
        self._wake.set()

    async def wait(self, timeout: float) -> None:
        """Wait until notified or the timeout passes."""
        # asyncio.timeout, not wait_for: on Python 3.11 wait_for can swallow a cancellation that
        # arrives as the inner wait finishes, and the relay would then never stop.
        try:
            async with asyncio.timeout(timeout):
                await self._wake.wait()
        except TimeoutError:
            pass
        self._wake.clear()


class OutboxRelay:
    """Publishes committed outbox rows in id order and marks them; survives its own crash."""

    def __init__(self, engine: AsyncEngine, outbox_: Outbox, bus: "Bus", batch_size: int = 500) -> None:
        self._engine = engine
        self._outbox = outbox_
        self._bus = bus
        self._batch_size = batch_size
        self.published = 0
        pending = select(outbox.c.id).where(outbox.c.published_at.is_(None)).order_by(outbox.c.id)
        self._claim = (
            update(outbox)
            .where(outbox.c.id.in_(pending.limit(batch_size).scalar_subquery()))
            .values(published_at=bindparam("now"))
            .returning(outbox.c.id, outbox.c.topic, outbox.c.message_key, outbox.c.payload, outbox.c.headers)
        )

    async def run(self) -> None:
        """Relay until cancelled; failures back off and retry, nothing is dropped."""
        backoff = 0.1
        while True:
            try:
                sent = await self.publish_pending()
                backoff = 0.1
            except asyncio.CancelledError:
                raise
            except Exception as error:
                log.warning("outbox.relay.failed", error=type(error).__name__, retry_in=backoff)
                await asyncio.sleep(backoff)  # back off before retrying a failed publish
                backoff = min(backoff * 2, 5.0)
                continue
            if sent < self._batch_size:
                await self._outbox.wait(IDLE_RECHECK_SECONDS)

    async def publish_pending(self) -> int:
        """Publish one batch of pending rows; returns how many were sent.

        The batch is marked published and returned by one statement, then sent; a failed send
        rolls the marks back. On PostgreSQL the marks commit without waiting for the WAL flush
        (`synchronous_commit` off for this transaction only): a server crash can lose them but
        never an outbox row, which the event's own transaction stored durably, so the relay would
        send those events again and the consumers' inboxes drop the copies, as after a relay crash
        between sending and committing.
        """
        async with self._engine.connect() as connection:
            async with connection.begin():
                if connection.dialect.name == "postgresql":
                    # Wait for the relay holding the lock (another process of this service): its
                    # batch was read before our commit, so our rows are ours to send once it is done.
                    await connection.execute(RELAY_TURN, {"id": RELAY_LOCK})
                claimed = await connection.execute(self._claim, {"now": datetime.now(UTC)})
                rows = sorted(claimed.all(), key=lambda row: row.id)
                if not rows:
                    return 0
                await self._bus.publish_many(
                    [
                        (
                            row.topic,
                            row.message_key.encode(),
                            bytes(row.payload),
                            [(k, v.encode()) for k, v in json.loads(row.headers)],
                        )
                        for row in rows
                    ]
                )
        self.published += len(rows)
        return len(rows)


async def pending_count(engine: AsyncEngine) -> int:
    """Rows not yet published (for readiness, metrics and tests)."""
    async with engine.connect() as connection:
        return int(
            await connection.scalar(
                select(func.count()).select_from(outbox).where(outbox.c.published_at.is_(None))
            )
            or 0
        )
