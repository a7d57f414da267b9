"""The consumer loop shared by both buses: handle, retry, dead-letter, commit after the effect."""

import asyncio
import random
from collections.abc import Awaitable, Callable, Sequence

from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError

from arflow_contracts.topics import dead_letter_topic
from arflow_runtime.bus.base import Bus, Record, Subscription
from arflow_runtime.log import get_logger, mask_personal_data

log = get_logger(__name__)

Handle = Callable[[Record], Awaitable[None]]
HandleBatch = Callable[[list[Record]], Awaitable[None]]
BatchKey = Callable[[Record], object | None]


class Poison(Exception):
    """This message can never be processed: send it to the dead-letter topic at once."""


TRANSIENT_SQLSTATES = ("08", "53", "57P01", "57P02", "57P03", "40001", "40P01")
"""Connection exceptions, insufficient resources, a server shutting down or starting up
("the database system is shutting down"), serialization failures and deadlocks: a retry cures them."""


def is_transient(error: BaseException) -> bool:
    """Infrastructure trouble that waiting cures: retried without limit, never dead-lettered."""
    if isinstance(error, OperationalError | InterfaceError | ConnectionError | TimeoutError | OSError):
        return True
    if isinstance(error, DBAPIError) and error.connection_invalidated:
        return True
    sqlstate = getattr(getattr(error, "orig", None), "sqlstate", None) or getattr(error, "sqlstate", None)
    if isinstance(sqlstate, str) and sqlstate.startswith(TRANSIENT_SQLSTATES):
        return True
    try:
        from aiokafka.errors import KafkaError
    except ImportError:  # pragma: no cover - aiokafka is a dependency
        return False
    return isinstance(error, KafkaError) and bool(getattr(error, "retriable", False))


def dead_letter_headers(record: Record, group_id: str, error: BaseException) -> list[tuple[str, bytes]]:
    """The original headers plus where the message came from and why it failed (PII masked)."""
    reason = mask_personal_data(f"{type(error).__name__}: {error}")[:2000]
    return [
        *record.headers,
        ("dlq_original_topic", record.topic.encode()),
        ("dlq_original_partition", str(record.partition).encode()),
        ("dlq_original_offset", str(record.offset).encode()),
        ("dlq_consumer_group", group_id.encode()),
        ("dlq_error", reason.encode()),
    ]


def runs_of(records: Sequence[Record], batch_key: BatchKey) -> list[list[Record]]:
    """Consecutive records that share a batch key form a run; any other record is a run of one."""
    runs: list[list[Record]] = []
    previous: object | None = None
    for record in records:
        key = batch_key(record)
        if key is not None and key == previous:
            runs[-1].append(record)
        else:
            runs.append([record])
        previous = key
    return runs


class ConsumerLoop:
    """Reads a group's records, handles each, and commits offsets only after handling."""

    def __init__(
        self,
        bus: Bus,
        group_id: str,
        topics: Sequence[str],
        handle: Handle,
        *,
        max_attempts: int = 5,
        backoff_base: float = 0.05,
        backoff_cap: float = 5.0,
        on_dead_letter: Callable[[Record, BaseException], None] | None = None,
        batch_key: BatchKey | None = None,
        handle_batch: HandleBatch | None = None,
        max_records: int = 200,
    ) -> None:
        self.bus = bus
        self.group_id = group_id
        self.topics = list(topics)
        self._handle = handle
        self._max_attempts = max_attempts
        self._backoff_base = backoff_base
        self._backoff_cap = backoff_cap
        self._on_dead_letter = on_dead_letter
        self._batch_key = batch_key
        self._handle_batch = handle_batch
        self._max_records = max_records
        self.handled = 0

    async def run(self) -> None:
        """Consume until cancelled; a cancelled batch is not committed and is read again."""
        subscription = await self._subscribe()
        try:
            while True:
                records = await subscription.poll(timeout=1.0, max_records=self._max_records)
                if not records:
                    continue
                offsets: dict[tuple[str, int], int] = {}
                for run in self._runs(records):
                    await self._process_run(run)
                    for record in run:
                        offsets[(record.topic, record.partition)] = record.offset + 1
                await subscription.commit(offsets)
        finally:
            await subscription.close()

    def _runs(self, records: list[Record]) -> list[list[Record]]:
        if self._batch_key is None or self._handle_batch is None:
            return [[record] for record in records]
        return runs_of(records, self._batch_key)

    async def _process_run(self, run: list[Record]) -> None:
        if len(run) > 1 and self._handle_batch is not None:
            try:
                await self._handle_batch(run)
                self.handled += len(run)
                return
            except asyncio.CancelledError:
                raise
            except Exception as error:
                # Rolled back as a whole: each record gets its own retries and dead-lettering.
                log.warning(
                    "event.batch.failed", topic=run[0].topic, records=len(run), error=type(error).__name__
                )
        for record in run:
            await self._process(record)

    async def _subscribe(self) -> Subscription:
        attempt = 0
        while True:
            try:
                return await self.bus.subscribe(self.group_id, self.topics)
            except Exception as error:
                if not is_transient(error):
                    raise
                attempt += 1
                log.warning("bus.subscribe.retry", group=self.group_id, error=type(error).__name__)
                await asyncio.sleep(self._delay(attempt))  # back off while the bus is unreachable

    async def _process(self, record: Record) -> None:
        failures = 0
        while True:
            try:
                await self._handle(record)
                self.handled += 1
                return
            except Poison as error:
                await self._dead_letter(record, error)
                return
            except asyncio.CancelledError:
                raise
            except Exception as error:
                if is_transient(error):
                    log.warning(
                        "event.transient_failure",
                        topic=record.topic,
                        offset=record.offset,
                        error=type(error).__name__,
                    )
                    await asyncio.sleep(self._delay(failures + 1))  # back off, then retry
                    continue
                failures += 1
                log.warning(
                    "event.failed",
                    topic=record.topic,
                    offset=record.offset,
                    attempt=failures,
                    error=mask_personal_data(f"{type(error).__name__}: {error}")[:500],
                )
                if failures >= self._max_attempts:
                    await self._dead_letter(record, error)
                    return
                await asyncio.sleep(self._delay(failures))  # back off before the next attempt

    async def _dead_letter(self, record: Record, error: BaseException) -> None:
        topic = dead_letter_topic(record.topic)
        while True:
            try:
                await self.bus.publish(
                    topic, record.key or b"", record.value, dead_letter_headers(record, self.group_id, error)
                )
                break
            except asyncio.CancelledError:
                raise
            except Exception as publish_error:
                log.warning("event.dead_letter.retry", error=type(publish_error).__name__)
                await asyncio.sleep(self._delay(3))  # the bus is down: keep the record, retry
        log.error(
            "event.dead_lettered",
            topic=record.topic,
            partition=record.partition,
            offset=record.offset,
            dead_letter_topic=topic,
            error=type(error).__name__,
        )
        if self._on_dead_letter:
            self._on_dead_letter(record, error)

    def _delay(self, attempt: int) -> float:
        ceiling = min(self._backoff_cap, self._backoff_base * 2 ** min(attempt, 10))
        return random.uniform(ceiling / 2, ceiling)
