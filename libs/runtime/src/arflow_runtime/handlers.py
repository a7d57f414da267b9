"""Routing events to a service's handlers, exactly once in effect (inbox + one transaction)."""

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from pydantic import ValidationError

from arflow_contracts import EventData, EventEnvelope, UnknownEvent, contract_for
from arflow_runtime import context
from arflow_runtime.bus.base import Record
from arflow_runtime.consumer import Poison
from arflow_runtime.db import Database, UnitOfWork
from arflow_runtime.inbox import claim
from arflow_runtime.log import get_logger
from arflow_runtime.metrics import ServiceMetrics

log = get_logger(__name__)

E = TypeVar("E", bound=EventData)
EventHandler = Callable[[Any, EventEnvelope, UnitOfWork], Awaitable[None]]


class EventHandlers:
    """The explicit registry of contract → handler for one service."""

    def __init__(self) -> None:
        self._handlers: dict[type[EventData], EventHandler] = {}

    def on(self, contract: type[E]) -> Callable[[EventHandler], EventHandler]:
        """Decorator: `@handlers.on(InvoiceIssuedV1)` registers the function below it."""

        def register(function: EventHandler) -> EventHandler:
            if contract in self._handlers:
                raise ValueError(f"{contract.__name__} already has a handler")
            self._handlers[contract] = function
            return function

        return register

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
        try:
            async with self._database.unit_of_work() as uow:
                if not await claim(uow.session, self.consumer, str(envelope.event_id), envelope.event_type):
                    self._count(record, envelope, "duplicate")
                    return
                await handler(data, envelope, uow)
                await uow.commit()
            self._count(record, envelope, "applied")
        finally:
            context.clear()

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
