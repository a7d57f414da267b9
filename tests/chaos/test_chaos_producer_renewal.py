"""A producer that failed a send is replaced (found by the chaos run: after a broker restart
dunning-service's outbox relay got OutOfOrderSequenceNumber on every retry, for good), whether the
bus sent one message at a time or, to a topic the producer knows, record batches per partition."""

import asyncio
from collections import defaultdict
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from aiokafka import AIOKafkaProducer
from aiokafka.errors import (
    KafkaConnectionError,
    KafkaError,
    KafkaTimeoutError,
    OutOfOrderSequenceNumber,
    ProducerFenced,
)

from arflow_contracts import EventEnvelope
from arflow_contracts.ledger import InvoiceIssuedV1
from arflow_runtime.bus import kafka
from arflow_runtime.bus.kafka import KafkaBus
from arflow_runtime.db import Database, create_engine
from arflow_runtime.outbox import Outbox, OutboxRelay, pending_count
from arflow_runtime.settings import PlatformSettings
from arflow_runtime.tables import runtime_metadata
from arflow_testing import eventually


class FakeProducer(AIOKafkaProducer):  # type: ignore[misc]
    """The real producer class, never connected; its sends fail as scripted."""

    script: list[BaseException | None] = []
    refuse_start = 0
    built: list["FakeProducer"] = []

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.sent: list[bytes] = []
        self.stopped = False
        FakeProducer.built.append(self)

    async def start(self) -> None:
        if FakeProducer.refuse_start:
            FakeProducer.refuse_start -= 1
            raise KafkaConnectionError("broker away")

    async def stop(self) -> None:
        self.stopped = True

    async def send(self, topic: str, value: bytes, key: bytes, headers: Any) -> "asyncio.Future[None]":
        outcome = FakeProducer.script.pop(0) if FakeProducer.script else None
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        if outcome is None:
            self.sent.append(value)
            future.set_result(None)
        else:
            future.set_exception(outcome)
        return future


@pytest.fixture
def producers(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[FakeProducer]]:
    FakeProducer.script, FakeProducer.refuse_start, FakeProducer.built = [], 0, []
    monkeypatch.setattr(kafka, "AIOKafkaProducer", FakeProducer)
    yield FakeProducer.built


async def started_bus() -> KafkaBus:
    bus = KafkaBus(
        PlatformSettings(mode="distributed", kafka_bootstrap_servers="127.0.0.1:1"),
        client_id="dunning-service",
    )
    await bus.start()
    return bus


async def test_a_producer_that_failed_is_replaced_and_the_retry_goes_through_the_new_one(
    producers: list[FakeProducer],
) -> None:
    bus = await started_bus()
    FakeProducer.script = [None, OutOfOrderSequenceNumber()]
    with pytest.raises(OutOfOrderSequenceNumber):
        await bus.publish_many([("t", b"k", b"one", []), ("t", b"k", b"two", [])])
    first, second = producers
    assert first.stopped and not second.stopped
    await bus.publish_many([("t", b"k", b"one", []), ("t", b"k", b"two", [])])  # the relay's retry
    assert second.sent == [b"one", b"two"]
    await bus.stop()


async def test_while_the_broker_is_away_the_bus_keeps_trying_to_connect_a_new_producer(
    producers: list[FakeProducer],
) -> None:
    bus = await started_bus()
    FakeProducer.script = [KafkaConnectionError("gone")]
    FakeProducer.refuse_start = 2
    with pytest.raises(KafkaConnectionError):
        await bus.publish_many([("t", b"k", b"one", [])])  # the send fails, and so does the renewal
    assert not await bus.ping()  # not ready: the second renewal fails as well
    await bus.publish_many([("t", b"k", b"one", [])])  # the broker is back
    assert producers[-1].sent == [b"one"]
    assert await bus.ping() in (True, False)  # pinging a fake reaches no broker; it must not raise
    await bus.stop()


async def test_a_stopped_bus_refuses_to_publish(producers: list[FakeProducer]) -> None:
    bus = await started_bus()
    await bus.stop()
    with pytest.raises(RuntimeError):
        await bus.publish_many([("t", b"k", b"one", [])])


class StuckProducer(AIOKafkaProducer):  # type: ignore[misc]
    """The real producer on the real broker, until the test sticks it: then every record batch fails."""

    # FakeProducer never connects, so it never knows a topic's partitions and the bus only ever
    # calls its send(); record batches need a producer that has the broker's metadata.

    built: list["StuckProducer"] = []

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.fault: tuple[str, type[KafkaError]] | None = None  # (at "queue" or "delivery", error)
        self.batches = 0
        self.stopped = False
        StuckProducer.built.append(self)

    async def stop(self) -> None:
        self.stopped = True
        await super().stop()

    async def send_batch(self, batch: Any, topic: str, *, partition: int) -> "asyncio.Future[Any]":
        self.batches += 1
        if self.fault is None:
            return await super().send_batch(batch, topic, partition=partition)
        at, error = self.fault
        if at == "queue":
            raise error()
        failed: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        failed.set_exception(error())  # nothing reaches the broker, as when its sender task died
        return failed


@pytest.fixture
def real_producers(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[StuckProducer]]:
    StuckProducer.built = []
    monkeypatch.setattr(kafka, "AIOKafkaProducer", StuckProducer)
    yield StuckProducer.built


@pytest.mark.kafka
@pytest.mark.parametrize(
    "fault",
    [
        # aiokafka's sender died of it after a broker restart: every batch queued fails, for good
        ("delivery", OutOfOrderSequenceNumber),
        # ... and the accumulator then refuses every new batch with the sender's error
        ("queue", ProducerFenced),
        # no room in the accumulator within request_timeout_ms
        ("queue", KafkaTimeoutError),
    ],
    ids=["delivery-out-of-order", "queue-fenced", "queue-timeout"],
)
async def test_a_relay_whose_record_batches_fail_renews_the_producer_and_sends_each_event_once_in_order(
    fault: tuple[str, type[KafkaError]],
    real_producers: list[StuckProducer],
    kafka_platform: PlatformSettings,
    tmp_path: Path,
) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path}/outbox.sqlite")
    async with engine.begin() as connection:
        await connection.run_sync(runtime_metadata.create_all)
    outbox = Outbox("invoice-service", kafka_platform.topic_prefix)
    topic = kafka_platform.topic_prefix + InvoiceIssuedV1.topic
    bus = KafkaBus(kafka_platform, client_id="invoice-service")
    await bus.start()
    relay = OutboxRelay(engine, outbox, bus, batch_size=60)
    try:
        await bus.ensure_topics([topic])
        await bus.publish(topic, b"warm-up", b"-")  # the producer learns the partitions: record batches
        customers = [f"C-{n}" for n in range(8)]  # keys on each of the 3 partitions
        numbers = [f"INV-{n:03}" for n in range(30)]
        async with Database(engine, outbox).unit_of_work() as uow:
            for number in numbers:
                for customer in customers:
                    await uow.publish(invoice(number, customer), customer_id=customer)
            await uow.commit()
        stuck = real_producers[0]
        stuck.fault = fault
        task = asyncio.create_task(relay.run())
        try:
            await eventually(
                lambda: pending_count(engine),
                lambda pending: pending == 0,
                timeout=20,
                what="the relay to publish every event through a renewed producer",
            )
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
        records = [r for r in await asyncio.wait_for(bus.read_topic(topic), 60) if r.key != b"warm-up"]
        in_use = [producer for producer in real_producers if not producer.stopped]
    finally:
        await bus.stop()
        await engine.dispose()
    seen: dict[str, list[str]] = defaultdict(list)
    for record in records:
        event = EventEnvelope.from_bytes(record.value)
        assert record.key == event.customer_id.encode()
        seen[event.customer_id].append(event.data["invoice_number"])
    assert seen == {customer: numbers for customer in customers}  # each once, in the customer's order
    assert {record.partition for record in records} == set(range(kafka_platform.topic_partitions))
    assert stuck.batches > 0  # the fault hit the record batches ...
    assert len(real_producers) == 2 and in_use == real_producers[1:]  # ... and the bus replaced it
    assert in_use[0].batches > 0  # the relay's later batches went as record batches again


def invoice(number: str, customer: str) -> InvoiceIssuedV1:
    return InvoiceIssuedV1(
        invoice_number=number,
        customer_id=customer,
        currency="EUR",
        amount=Decimal("5.00"),
        issue_date=date(2024, 1, 1),
        due_date=date(2024, 1, 31),
    )
