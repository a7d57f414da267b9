"""A producer that failed a send is replaced (found by the chaos run: after a broker restart
dunning-service's outbox relay got OutOfOrderSequenceNumber on every retry, for good)."""

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest
from aiokafka import AIOKafkaProducer
from aiokafka.errors import KafkaConnectionError, OutOfOrderSequenceNumber

from arflow_runtime.bus import kafka
from arflow_runtime.bus.kafka import KafkaBus
from arflow_runtime.settings import PlatformSettings


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
