"""A run of one contract's records: applied once each, counted per outcome, keyed by its headers."""

from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from arflow_contracts import EventEnvelope, wrap
from arflow_contracts.ledger import InvoiceIssuedV1, InvoicePaidV1
from arflow_runtime.bus.base import Record
from arflow_runtime.db import Database, UnitOfWork, create_engine
from arflow_runtime.handlers import EventDispatcher, EventHandlers
from arflow_runtime.metrics import ServiceMetrics
from arflow_runtime.outbox import Outbox
from arflow_runtime.tables import runtime_metadata


@pytest.fixture
async def engine(tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    instance = create_engine(f"sqlite+aiosqlite:///{tmp_path}/service.sqlite")
    async with instance.begin() as connection:
        await connection.run_sync(runtime_metadata.create_all)
    yield instance
    await instance.dispose()


def issued(number: str) -> EventEnvelope:
    return wrap(
        InvoiceIssuedV1(
            invoice_number=number,
            customer_id="C-1",
            currency="EUR",
            amount="5.00",
            issue_date=date(2024, 1, 1),
            due_date=date(2024, 1, 31),
        ),
        customer_id="C-1",
        producer="invoice-service",
    )


def records(envelopes: list[EventEnvelope], first_offset: int = 0) -> list[Record]:
    return [
        Record("t.ledger.events", 0, first_offset + n, b"C-1", e.to_bytes(), tuple(e.headers()))
        for n, e in enumerate(envelopes)
    ]


def dispatcher(engine: AsyncEngine, metrics: ServiceMetrics) -> tuple[EventDispatcher, list[list[str]]]:
    handlers = EventHandlers()
    runs: list[list[str]] = []

    @handlers.on(InvoiceIssuedV1)
    async def one(event: InvoiceIssuedV1, _: EventEnvelope, __: UnitOfWork) -> None:
        runs.append([event.invoice_number])

    @handlers.on_batch(InvoiceIssuedV1)
    async def many(items: list[tuple[Any, EventEnvelope]], _: UnitOfWork) -> None:
        runs.append([event.invoice_number for event, _ in items])

    @handlers.on(InvoicePaidV1)
    async def paid(event: InvoicePaidV1, _: EventEnvelope, __: UnitOfWork) -> None:
        """Handled, but never in runs."""

    database = Database(engine, Outbox("credit-service", "t."))
    return EventDispatcher("credit-service", handlers, database, metrics), runs


async def test_a_redelivered_run_applies_only_its_new_events_and_counts_each_outcome(
    engine: AsyncEngine,
) -> None:
    metrics = ServiceMetrics("credit-service")
    dispatch, runs = dispatcher(engine, metrics)
    first, second, third = issued("R-1"), issued("R-2"), issued("R-3")
    await dispatch.dispatch_batch(records([first, second]))
    await dispatch.dispatch_batch(records([first, second, third], first_offset=2))  # redelivered + new

    def consumed(outcome: str) -> float | None:
        labels = {"topic": "t.ledger.events", "event_type": "InvoiceIssued", "outcome": outcome}
        return metrics.registry.get_sample_value("arflow_events_consumed_total", labels)

    assert runs == [["R-1", "R-2"], ["R-3"]]
    assert (consumed("applied"), consumed("duplicate")) == (3, 2)


async def test_an_event_twice_in_one_run_is_applied_once(engine: AsyncEngine) -> None:
    """A relay that retried a send can put the same event twice on the topic, one after the other:
    both copies can arrive in one poll, and the inbox claim sees one id."""
    metrics = ServiceMetrics("credit-service")
    dispatch, runs = dispatcher(engine, metrics)
    first, second = issued("D-1"), issued("D-2")
    await dispatch.dispatch_batch(records([first, second, first, second, first]))

    def consumed(outcome: str) -> float | None:
        labels = {"topic": "t.ledger.events", "event_type": "InvoiceIssued", "outcome": outcome}
        return metrics.registry.get_sample_value("arflow_events_consumed_total", labels)

    assert runs == [["D-1", "D-2"]]
    assert (consumed("applied"), consumed("duplicate")) == (2, 3)


async def test_the_run_key_comes_from_the_headers_and_is_the_same_every_time(engine: AsyncEngine) -> None:
    dispatch, _ = dispatcher(engine, ServiceMetrics("credit-service"))
    record = records([issued("K-1")])[0]
    unknown = Record(
        "t.ledger.events", 0, 1, b"C-1", b"{}", (("ce_type", b"Mystery"), ("event_version", b"1"))
    )
    bad_version = Record(
        "t.ledger.events", 0, 2, b"C-1", b"{}", (("ce_type", b"InvoiceIssued"), ("event_version", b"x"))
    )
    no_batches = Record(
        "t.ledger.events", 0, 3, b"C-1", b"{}", (("ce_type", b"InvoicePaid"), ("event_version", b"1"))
    )
    for _ in range(2):  # the second time from what the first time kept
        assert dispatch.batch_key(record) == ("InvoiceIssued", "1")
        assert dispatch.batch_key(unknown) is None
        assert dispatch.batch_key(bad_version) is None
        assert dispatch.batch_key(no_batches) is None
        assert dispatch.batch_key(Record("t.ledger.events", 0, 4, b"C-1", b"{}")) is None
