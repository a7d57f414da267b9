"""Routing events to a service's handlers, exactly once in effect (inbox + one transaction)."""

import time
from collections import Counter
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from pydantic import ValidationError

from arflow_contracts import EventData, EventEnvelope, UnknownEvent, contract_for
from arflow_runtime import context
from arflow_runtime.bus.base import Record
from arflow_runtime.consumer import Poison
from arflow_runtime.db import Database, UnitOfWork
from arflow_runtime.inbox import claim, claim_many
from arflow_runtime.log import get_logger
from arflow_runtime.metrics import ServiceMetrics

log = get_logger(__name__)

E = TypeVar("E", bound=EventData)
EventHandler = Callable[[Any, EventEnvelope, UnitOfWork], Awaitable[None]]
BatchHandler = Callable[[list[tuple[Any, EventEnvelope]], UnitOfWork], Awaitable[None]]
"""Applies a run of consecutive events of one contract in one transaction, in their order."""


class EventHandlers:
    """The explicit registry of contract → handler for one service."""

    def __init__(self) -> None:
        self._handlers: dict[type[EventData], EventHandler] = {}
        self._batch_handlers: dict[type[EventData], BatchHandler] = {}

    def on(self, contract: type[E]) -> Callable[[EventHandler], EventHandler]:
        """Decorator: `@handlers.on(InvoiceIssuedV1)` registers the function below it."""

        def register(function: EventHandler) -> EventHandler:
            if contract in self._handlers:
                raise ValueError(f"{contract.__name__} already has a handler")
            self._handlers[contract] = function
            return function

        return register

    def on_batch(self, contract: type[E]) -> Callable[[BatchHandler], BatchHandler]:
        """Decorator: also apply runs of this contract's events together (it needs an `on` handler too).

        The batch handler must leave the state the single handler leaves after applying each
        event in order. What a service derives from that state may be derived once for the run
        (credit-service re-assesses each customer once, for the run's end state, so a class a
        customer passed through inside the run is not announced). A batch that fails is rolled
        back and its events are handled one by one.
        """

        def register(function: BatchHandler) -> BatchHandler:
            if contract in self._batch_handlers:
                raise ValueError(f"{contract.__name__} already has a batch handler")
            self._batch_handlers[contract] = function
            return function

        return register

    def batches(self) -> bool:
        """Whether any contract has a batch handler."""
        return bool(self._batch_handlers)

    def get_batch(self, contract: type[EventData]) -> BatchHandler | None:
        """The batch handler for a contract, if it has one."""
        return self._batch_handlers.get(contract)

    def get(self, contract: type[EventData]) -> EventHandler | None:
        """The handler for a contract, if this service handles it."""
        return self._handlers.get(contract)

    def topics(self) -> list[str]:
        """The contract topics these handlers need."""
        return sorted({contract.topic for contract in self._handlers})


class EventDispatcher:
    """Decodes a record, applies its handler and records the event id in one transaction."""

    def __init__(
        self,
        consumer: str,
        handlers: EventHandlers,
        database: Database,
        metrics: ServiceMetrics | None = None,
    ) -> None:
        self.consumer = consumer
        self._handlers = handlers
        self._database = database
        self._metrics = metrics
        self._batch_keys: dict[tuple[bytes, bytes], tuple[str, str] | None] = {}

    async def __call__(self, record: Record) -> None:
        envelope = _decode(record)
        try:
            contract = contract_for(envelope.event_type, envelope.event_version)
        except UnknownEvent as error:
            raise Poison(str(error)) from error
        handler = self._handlers.get(contract)
        if handler is None:
            self._count(record, envelope, "skipped")
            return
        try:
            data = contract.model_validate(envelope.data)
        except ValidationError as error:
            raise Poison(
                f"{envelope.event_type} v{envelope.event_version} does not match its contract: "
                f"{_fields(error)}"
            ) from error
        context.bind(correlation=envelope.correlation_id, causation=str(envelope.event_id))
        started = time.perf_counter()
        try:
            async with self._database.unit_of_work() as uow:
                if not await claim(uow.session, self.consumer, str(envelope.event_id), envelope.event_type):
                    self._count(record, envelope, "duplicate")
                    return
                await handler(data, envelope, uow)
                await uow.commit()
            self._count(record, envelope, "applied")
            self._timed(envelope.event_type, started)
        finally:
            context.clear()

    def batch_key(self, record: Record) -> tuple[str, str] | None:
        """(type, version) from the record's headers when its contract has a batch handler."""
        headers = dict(record.headers)
        event_type, version = headers.get("ce_type"), headers.get("event_version")
        if event_type is None or version is None:
            return None
        # Every record of a run asks this: the answer per header pair is kept (a handful of types).
        try:
            return self._batch_keys[(event_type, version)]
        except KeyError:
            key = self._batch_keys[(event_type, version)] = self._batch_key_of(event_type, version)
            return key

    def _batch_key_of(self, event_type: bytes, version: bytes) -> tuple[str, str] | None:
        try:
            contract = contract_for(event_type.decode(), int(version))
        except (UnknownEvent, ValueError):
            return None
        return (
            (contract.event_type, str(contract.event_version)) if self._handlers.get_batch(contract) else None
        )

    async def dispatch_batch(self, records: list[Record]) -> None:
        """Apply a run of one contract's records in one transaction; any error rolls all of it back."""
        decoded = [_decode(record) for record in records]
        contract = contract_for(decoded[0].event_type, decoded[0].event_version)
        handler = self._handlers.get_batch(contract)
        if handler is None or any(
            (e.event_type, e.event_version) != (contract.event_type, contract.event_version) for e in decoded
        ):
            raise ValueError("a batch holds one contract with a batch handler")
        validate = contract.model_validate
        items = [(validate(envelope.data), envelope) for envelope in decoded]
        ids = [str(envelope.event_id) for envelope in decoded]
        started = time.perf_counter()
        async with self._database.unit_of_work() as uow:
            fresh = await claim_many(uow.session, self.consumer, [(i, contract.event_type) for i in ids])
            # The first copy of each fresh event only: a relay that retried a send can put one
            # event on the topic twice in a row, and both copies can come in one run.
            seen: set[str] = set()
            applies = []
            for event_id in ids:
                applies.append(event_id in fresh and event_id not in seen)
                seen.add(event_id)
            new = [item for item, applied in zip(items, applies, strict=True) if applied]
            if new:
                await handler(new, uow)
            await uow.commit()
        self._timed(contract.event_type, started)
        if self._metrics:  # counted per outcome, not per record
            outcomes = Counter(
                (record.topic, "applied" if applied else "duplicate")
                for record, applied in zip(records, applies, strict=True)
            )
            for (topic, outcome), count in outcomes.items():
                self._metrics.events_consumed.labels(topic, contract.event_type, outcome).inc(count)

    def _timed(self, event_type: str, started: float) -> None:
        if self._metrics:
            self._metrics.event_handling.labels(event_type).observe(time.perf_counter() - started)

    def _count(self, record: Record, envelope: EventEnvelope, outcome: str) -> None:
        if self._metrics:
            self._metrics.events_consumed.labels(record.topic, envelope.event_type, outcome).inc()


def _decode(record: Record) -> EventEnvelope:
    try:
        return EventEnvelope.from_bytes(record.value)
    except (ValidationError, ValueError) as error:
        detail = _fields(error) if isinstance(error, ValidationError) else "not JSON"
        raise Poison(f"not an arflow event envelope: {detail}") from error


def _fields(error: ValidationError) -> str:
    # Field names and messages only: input values may carry personal data.
    return "; ".join(
        f"{'.'.join(str(p) for p in item['loc']) or 'message'}: {item['msg']}" for item in error.errors()
    )[:1000]
