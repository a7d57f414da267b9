"""Outbox and inbox on SQLite and real PostgreSQL: a crashing relay loses nothing, nothing applies twice."""

import asyncio
from collections.abc import AsyncIterator, Sequence
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Column, MetaData, String, Table, func, insert, select, text
from sqlalchemy import event as sqlalchemy_event
from sqlalchemy.ext.asyncio import AsyncEngine

from arflow_contracts import EventEnvelope
from arflow_contracts.ledger import InvoiceIssuedV1
from arflow_runtime.bus.base import Outgoing, Record
from arflow_runtime.bus.memory import InProcessBus
from arflow_runtime.consumer import Poison
from arflow_runtime.db import Database, UnitOfWork, create_engine
from arflow_runtime.handlers import EventDispatcher, EventHandlers
from arflow_runtime.metrics import ServiceMetrics
from arflow_runtime.outbox import Outbox, OutboxRelay, pending_count
from arflow_runtime.tables import outbox as outbox_table
from arflow_runtime.tables import runtime_metadata
from arflow_testing import eventually

effects = MetaData()
applied = Table("applied", effects, Column("invoice_number", String(50), primary_key=True))


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def engine(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    if request.param == "postgres":
        url = request.getfixturevalue("postgres_database")
    else:
        url = f"sqlite+aiosqlite:///{tmp_path}/service.sqlite"
    instance = create_engine(url)
    async with instance.begin() as connection:
        await connection.run_sync(runtime_metadata.create_all)
        await connection.run_sync(effects.create_all)
    yield instance
    await instance.dispose()


@pytest.fixture
async def bus(tmp_path: Path) -> AsyncIterator[InProcessBus]:
    instance = InProcessBus(partitions=3)
    await instance.start()
    yield instance
    await instance.stop()


def invoice(number: str, customer: str = "C-1") -> InvoiceIssuedV1:
    return InvoiceIssuedV1(
        invoice_number=number,
        customer_id=customer,
        currency="EUR",
        amount="5.00",
        issue_date=date(2024, 1, 1),
        due_date=date(2024, 1, 31),
    )


async def stage(database: Database, numbers: Sequence[str], customer: str = "C-1") -> None:
    async with database.unit_of_work() as uow:
        for number in numbers:
            await uow.publish(invoice(number, customer), customer_id=customer)
        await uow.commit()


async def read_all(bus: InProcessBus, topic: str) -> list[EventEnvelope]:
    subscription = await bus.subscribe("reader", [topic])
    records = await subscription.poll(timeout=0.1, max_records=1000)
    await subscription.close()
    return [EventEnvelope.from_bytes(r.value) for r in records]


class CrashingBus(InProcessBus):
    """Stores the first half of a batch, then dies, as a relay whose process is killed mid-publish."""

    crashes_left = 1

    async def publish_many(self, messages: Sequence[Outgoing]) -> None:
        if self.crashes_left:
            self.crashes_left -= 1
            await super().publish_many(messages[: len(messages) // 2])
            raise ConnectionError("relay process killed mid-batch")
        await super().publish_many(messages)


async def test_staged_events_are_not_sent_before_commit_nor_after_rollback(
    engine: AsyncEngine, bus: InProcessBus
) -> None:
    outbox = Outbox("invoice-service", "t.")
    database = Database(engine, outbox)
    async with database.unit_of_work() as uow:
        await uow.publish(invoice("ROLLED-BACK"), customer_id="C-1")
        await uow.rollback()
    assert await pending_count(engine) == 0
    await stage(database, ["KEPT"])
    relay = OutboxRelay(engine, outbox, bus)
    assert await relay.publish_pending() == 1
    assert [e.data["invoice_number"] for e in await read_all(bus, "t.ledger.events")] == ["KEPT"]


async def test_a_relay_that_crashes_mid_batch_loses_nothing_and_keeps_order(engine: AsyncEngine) -> None:
    bus = CrashingBus(partitions=3)
    await bus.start()
    outbox = Outbox("invoice-service", "t.")
    database = Database(engine, outbox)
    await stage(database, [f"INV-{n:02}" for n in range(10)])
    relay = OutboxRelay(engine, outbox, bus)
    with pytest.raises(ConnectionError):
        await relay.publish_pending()
    assert await pending_count(engine) == 10  # nothing marked: all will be sent again
    assert await OutboxRelay(engine, outbox, bus).publish_pending() == 10  # a restarted relay
    assert await pending_count(engine) == 0
    numbers = [e.data["invoice_number"] for e in await read_all(bus, "t.ledger.events")]
    # At least once: the first five went out twice; in order within the customer's partition.
    assert numbers == [f"INV-{n:02}" for n in range(5)] + [f"INV-{n:02}" for n in range(10)]
    await bus.stop()


async def test_a_relay_batch_is_claimed_by_one_statement_and_its_lighter_commit_ends_with_it(
    engine: AsyncEngine, bus: InProcessBus
) -> None:
    """One statement marks and returns the batch; on PostgreSQL one more takes the relay's turn and
    commits it without waiting for the WAL flush, for that transaction only: the service's own
    writes on the same pooled connection still wait for theirs."""
    outbox = Outbox("invoice-service", "t.")
    database = Database(engine, outbox)
    await stage(database, ["CLAIM-1", "CLAIM-2", "CLAIM-3"])
    statements: list[tuple[int, str]] = []

    def note(connection: Any, _cursor: object, statement: str, *_: object) -> None:
        statements.append((id(connection.connection.dbapi_connection), statement))

    sqlalchemy_event.listen(engine.sync_engine, "before_cursor_execute", note)
    try:
        assert await OutboxRelay(engine, outbox, bus).publish_pending() == 3
        relayed = list(statements)
        postgres = engine.dialect.name == "postgresql"
        assert [s.split()[0] for _, s in relayed] == (["SELECT", "UPDATE"] if postgres else ["UPDATE"])
        assert "RETURNING" in relayed[-1][1]
        if postgres:
            assert "set_config('synchronous_commit', 'off', true)" in relayed[0][1]
            async with engine.connect() as connection:
                setting = await connection.scalar(text("SHOW synchronous_commit"))
            assert statements[-1][0] == relayed[0][0], "not the relay's pooled connection"
            assert setting == "on"
    finally:
        sqlalchemy_event.remove(engine.sync_engine, "before_cursor_execute", note)
    assert await pending_count(engine) == 0
    numbers = [e.data["invoice_number"] for e in await read_all(bus, "t.ledger.events")]
    assert numbers == ["CLAIM-1", "CLAIM-2", "CLAIM-3"]


async def test_the_relay_runs_until_cancelled_and_wakes_on_commit(
    engine: AsyncEngine, bus: InProcessBus
) -> None:
    outbox = Outbox("invoice-service", "t.")
    database = Database(engine, outbox)
    relay = OutboxRelay(engine, outbox, bus)
    task = asyncio.create_task(relay.run())
    try:
        await stage(database, ["WAKE-1", "WAKE-2"])
        await eventually(
            lambda: pending_count(engine),
            lambda pending: pending == 0 and relay.published == 2,
            timeout=10,
            what="the relay to publish both events",
        )
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    assert await pending_count(engine) == 0


def dispatcher(
    engine: AsyncEngine, metrics: ServiceMetrics | None = None
) -> tuple[EventDispatcher, list[str]]:
    handlers = EventHandlers()
    calls: list[str] = []

    @handlers.on(InvoiceIssuedV1)
    async def record_invoice(event: InvoiceIssuedV1, _: EventEnvelope, uow: UnitOfWork) -> None:
        calls.append(event.invoice_number)
        await uow.session.execute(insert(applied).values(invoice_number=event.invoice_number))

    return EventDispatcher(
        "credit-service", handlers, Database(engine, Outbox("credit-service", "t.")), metrics
    ), calls


def record_of(envelope: EventEnvelope, offset: int = 0) -> Record:
    return Record("t.ledger.events", 0, offset, envelope.customer_id.encode(), envelope.to_bytes())


async def test_a_redelivered_event_is_applied_once(engine: AsyncEngine) -> None:
    from arflow_contracts import wrap

    dispatch, calls = dispatcher(engine)
    envelope = wrap(invoice("ONCE"), customer_id="C-1", producer="invoice-service")
    await dispatch(record_of(envelope, 0))
    await dispatch(record_of(envelope, 1))  # the same event again, e.g. after a crash before commit
    await asyncio.gather(dispatch(record_of(envelope, 2)), dispatch(record_of(envelope, 3)))
    async with engine.connect() as connection:
        assert await connection.scalar(select(func.count()).select_from(applied)) == 1
    assert calls == ["ONCE"]


async def test_a_run_of_claims_returns_only_the_events_not_applied_before(engine: AsyncEngine) -> None:
    """claim_many: PostgreSQL's array form and SQLite's executemany record the same rows."""
    from arflow_runtime.inbox import claim_many
    from arflow_runtime.tables import inbox

    database = Database(engine, Outbox("credit-service", "t."))
    first = [(f"00000000-0000-4000-8000-{n:012d}", "InvoiceIssued") for n in range(1500)]
    async with database.unit_of_work() as uow:
        assert await claim_many(uow.session, "credit-service", first) == {i for i, _ in first}
        await uow.commit()
    again = [*first[-2:], ("00000000-0000-4000-8000-999999999999", "PaymentAllocated")]
    async with database.unit_of_work() as uow:
        assert await claim_many(uow.session, "credit-service", again) == {again[-1][0]}
        # another consumer of the same events has applied none of them
        assert await claim_many(uow.session, "dunning-service", again) == {i for i, _ in again}
        # the same event twice in one run (a retried send) is one claim
        assert await claim_many(uow.session, "notification-service", [first[0], first[0]]) == {first[0][0]}
        await uow.commit()
    async with engine.connect() as connection:
        columns = select(inbox.c.consumer, inbox.c.event_type, inbox.c.applied_at)
        rows = (await connection.execute(columns)).all()
    assert len(rows) == 1500 + 1 + 3 + 1
    assert {(r.consumer, r.event_type) for r in rows if r.consumer == "dunning-service"} == {
        ("dunning-service", "InvoiceIssued"),
        ("dunning-service", "PaymentAllocated"),
    }
    assert all(r.applied_at is not None for r in rows)


async def test_each_applied_event_is_timed_by_type_and_a_duplicate_is_not(engine: AsyncEngine) -> None:
    from arflow_contracts import wrap

    metrics = ServiceMetrics("credit-service")
    dispatch, _ = dispatcher(engine, metrics)
    first, second = (wrap(invoice(n), customer_id="C-1", producer="invoice-service") for n in ("T1", "T2"))
    await dispatch(record_of(first, 0))
    await dispatch(record_of(second, 1))
    await dispatch(record_of(first, 2))  # redelivered: nothing applied, nothing timed

    def sample(name: str) -> float | None:
        return metrics.registry.get_sample_value(name, {"event_type": "InvoiceIssued"})

    assert sample("arflow_event_handling_seconds_count") == 2
    assert 0 < (sample("arflow_event_handling_seconds_sum") or 0) < 30


async def test_a_handler_failure_rolls_back_the_inbox_record_too(engine: AsyncEngine) -> None:
    from arflow_contracts import wrap

    dispatch, calls = dispatcher(engine)
    envelope = wrap(invoice("FAILS-ONCE"), customer_id="C-1", producer="invoice-service")
    async with engine.begin() as connection:  # make the effect collide once
        await connection.execute(insert(applied).values(invoice_number="FAILS-ONCE"))
    with pytest.raises(Exception, match="(?i)unique|integrity"):
        await dispatch(record_of(envelope))
    async with engine.begin() as connection:
        await connection.execute(applied.delete())
    await dispatch(record_of(envelope))  # retried: not mistaken for a duplicate
    assert calls == ["FAILS-ONCE", "FAILS-ONCE"]


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        (b"\xff not json", "not an arflow event envelope"),
        (b'{"event_type": "InvoiceIssued"}', "not an arflow event envelope"),
        (
            b'{"event_type":"Mystery","event_version":1,"producer":"x","customer_id":"c",'
            b'"correlation_id":"c","data":{}}',
            "no contract for Mystery v1",
        ),
        (
            b'{"event_type":"InvoiceIssued","event_version":9,"producer":"x","customer_id":"c",'
            b'"correlation_id":"c","data":{}}',
            "no contract for InvoiceIssued v9",
        ),
        (
            b'{"event_type":"InvoiceIssued","event_version":1,"producer":"x","customer_id":"c",'
            b'"correlation_id":"c","data":{"invoice_number":"1"}}',
            "does not match its contract",
        ),
    ],
)
async def test_malformed_unknown_and_invalid_events_are_poison(
    engine: AsyncEngine, value: bytes, reason: str
) -> None:
    dispatch, calls = dispatcher(engine)
    with pytest.raises(Poison, match=reason):
        await dispatch(Record("t.ledger.events", 0, 0, b"c", value))
    assert calls == []


@pytest.mark.postgres
async def test_a_transaction_locks_each_customer_once_and_holds_the_lock_until_it_ends(
    postgres_database: str,
) -> None:
    engine = create_engine(postgres_database)
    async with engine.begin() as connection:
        await connection.run_sync(runtime_metadata.create_all)
    locks: list[str] = []

    def count_locks(_connection: object, _cursor: object, statement: str, *_: object) -> None:
        if "pg_advisory_xact_lock" in statement:
            locks.append(statement)

    sqlalchemy_event.listen(engine.sync_engine, "before_cursor_execute", count_locks)
    database = Database(engine, Outbox("invoice-service", "t."))

    async def waiting_for_a_lock() -> int:
        async with engine.connect() as connection:
            query = "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
            return int(await connection.scalar(text(query)) or 0)

    try:
        async with database.unit_of_work() as first:
            await first.publish(invoice("A"), customer_id="C-1")
            await first.publish(invoice("B"), customer_id="C-1")
            await first.publish_many([(invoice("C"), "C-1"), (invoice("D", "C-2"), "C-2")])
            assert len(locks) == 2, locks  # C-1 once; publish_many locks only C-2
            second = asyncio.create_task(stage(database, ["E"]))  # a new transaction: C-1 again
            await eventually(waiting_for_a_lock, lambda waiting: waiting == 1, what="the second to queue")
            assert not second.done()
            await first.commit()
        await second
        assert len(locks) == 3
        assert await pending_count(engine) == 5
    finally:
        await engine.dispose()


async def test_events_written_together_reach_the_outbox_in_order_when_the_block_ends(
    engine: AsyncEngine, bus: InProcessBus
) -> None:
    outbox = Outbox("credit-service", "t.")
    database = Database(engine, outbox)
    async with database.unit_of_work() as uow:
        first = await uow.publish(invoice("A", "C-2"), customer_id="C-2")
        async with uow.events_written_together():
            held = [await uow.publish(invoice("B", "C-1"), customer_id="C-1")]
            held += await uow.publish_many([(invoice("C", "C-2"), "C-2"), (invoice("D", "C-1"), "C-1")])
            async with uow.events_written_together():  # nested: part of the outer block
                held.append(await uow.publish(invoice("E", "C-3"), customer_id="C-3"))
            assert await pending_count_in(uow) == 1  # only the event published before the block
        assert await pending_count_in(uow) == 5
        with pytest.raises(RuntimeError):
            async with uow.events_written_together():
                await uow.publish(invoice("F"), customer_id="C-1")
                raise RuntimeError("the work failed")
        await uow.commit()
    relay = OutboxRelay(engine, outbox, bus)
    assert await relay.publish_pending() == 5
    sent = await read_all(bus, "t.ledger.events")
    by_customer = {
        c: [e.data["invoice_number"] for e in sent if e.customer_id == c] for c in ("C-1", "C-2", "C-3")
    }
    assert by_customer == {"C-1": ["B", "D"], "C-2": ["A", "C"], "C-3": ["E"]}
    assert {e.event_id for e in sent} == {first.event_id, *(e.event_id for e in held)}


async def pending_count_in(uow: UnitOfWork) -> int:
    return int(await uow.session.scalar(select(func.count()).select_from(outbox_table)) or 0)


@pytest.mark.postgres
async def test_a_relay_whose_turn_is_taken_waits_for_it_and_then_sends_its_rows(
    postgres_database: str, bus: InProcessBus
) -> None:
    """Several processes of a service each run a relay: none may leave committed rows behind."""
    from arflow_runtime.outbox import RELAY_LOCK

    engines = [create_engine(postgres_database) for _ in range(2)]  # two processes' pools
    async with engines[0].begin() as connection:
        await connection.run_sync(runtime_metadata.create_all)
    database = Database(engines[1], Outbox("invoice-service", "t."))
    other_relay = OutboxRelay(engines[1], Outbox("invoice-service", "t."), bus)

    async def waiting_for_a_lock() -> int:
        async with engines[0].connect() as connection:
            query = "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
            return int(await connection.scalar(text(query)) or 0)

    try:
        async with engines[0].connect() as first, first.begin():  # the first relay mid-batch
            await first.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": RELAY_LOCK})
            await stage(database, ["AFTER-THE-FIRST-READ"])
            turn = asyncio.create_task(other_relay.publish_pending())
            await eventually(waiting_for_a_lock, lambda waiting: waiting == 1, what="the relay to queue")
            assert not turn.done()
        assert await turn == 1  # sent as soon as the first relay's transaction ended
        assert [e.data["invoice_number"] for e in await read_all(bus, "t.ledger.events")] == [
            "AFTER-THE-FIRST-READ"
        ]
        assert await pending_count(engines[0]) == 0
    finally:
        for engine in engines:
            await engine.dispose()
