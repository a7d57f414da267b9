"""Waiting for the platform to catch up: consumer lag on the bus, and a quiet window."""

import asyncio
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy

from arflow_cli.replay.settle import (
    InProcessLagProbe,
    KafkaLagProbe,
    Settler,
    consumer_groups,
    embedded_outboxes,
    outbox_pending_of,
)
from arflow_runtime.bus.kafka import KafkaBus
from arflow_runtime.bus.memory import InProcessBus
from arflow_runtime.settings import PlatformSettings
from arflow_runtime.tables import outbox, runtime_metadata


class ScriptedProbe:
    """A lag probe that reports a prepared sequence of (lag, log end) snapshots, then the last one."""

    def __init__(self, *snapshots: tuple[int, int]) -> None:
        self.snapshots = list(snapshots)
        self.read = 0

    async def snapshot(self) -> tuple[int, int]:
        self.read += 1
        return self.snapshots.pop(0) if len(self.snapshots) > 1 else self.snapshots[0]

    async def close(self) -> None:
        pass


async def test_it_returns_once_nothing_lags_and_the_log_stopped_growing() -> None:
    probe = ScriptedProbe((5, 10), (2, 10), (0, 10), (0, 12), (1, 12), (0, 12), (0, 12))
    pings: list[int] = []

    async def ping() -> None:
        pings.append(probe.read)

    settler = Settler(probe, [ping], quiet=0.001)
    await settler.settle()
    assert probe.read == 7, "a zero lag followed by new records is not quiet yet"
    assert len(pings) == 2
    assert settler.stats.count == 1 and settler.stats.timeouts == 0


async def test_events_still_in_an_outbox_veto_the_quiet_even_with_no_lag() -> None:
    # A handler committed, the consumer committed its offset (lag 0), but the service's relay has
    # not published the handler's events yet: not quiet until its outbox is empty.
    probe = ScriptedProbe((0, 10))
    backlog = [2, 1, 0]

    async def unpublished() -> int:
        return backlog.pop(0) if len(backlog) > 1 else backlog[0]

    settler = Settler(probe, [unpublished], quiet=0.001)
    await settler.settle()
    assert backlog == [0], "it asked until the outbox was empty"
    assert settler.stats.timeouts == 0


def test_the_outbox_backlog_is_read_from_the_metrics_page() -> None:
    page = (
        "# HELP arflow_outbox_pending Events committed to the outbox and not yet published\n"
        "# TYPE arflow_outbox_pending gauge\n"
        "arflow_outbox_pending 7.0\n"
        "arflow_events_published_total 12.0\n"
    )
    assert outbox_pending_of(page) == 7
    assert outbox_pending_of("arflow_events_published_total 12.0\n") == 0


async def test_it_gives_up_after_its_timeout_with_a_warning() -> None:
    settler = Settler(ScriptedProbe((3, 10)), quiet=0.001, timeout=0.05)
    await settler.settle()
    assert settler.stats.timeouts == 1 and "did not catch up" in settler.stats.warnings[0]


async def test_without_a_probe_it_does_not_wait() -> None:
    settler = Settler(None)
    await settler.settle()
    assert not settler.enabled and settler.stats.count == 0


def test_the_groups_are_the_four_services_and_the_topics_they_consume() -> None:
    groups = consumer_groups(PlatformSettings(topic_prefix="x."))
    assert set(groups) == {
        "x.credit-service",
        "x.invoice-service",
        "x.dunning-service",
        "x.notification-service",
    }
    assert "x.ledger.events" in groups["x.dunning-service"]
    assert all(topic.startswith("x.") for topics in groups.values() for topic in topics)


async def test_the_embedded_probe_reads_the_lag_of_a_running_bus_from_its_file(tmp_path: Path) -> None:
    bus = InProcessBus(tmp_path / "bus.sqlite", partitions=3)
    await bus.start()
    try:
        await bus.ensure_topics(["t.a", "t.b"])
        with pytest.raises(LookupError, match="another topic prefix"):
            InProcessLagProbe(tmp_path / "bus.sqlite", {"g": ["other.a"]})
        probe = InProcessLagProbe(tmp_path / "bus.sqlite", {"g1": ["t.a"], "g2": ["t.a", "t.b"]})
        assert await probe.snapshot() == (0, 0)
        await bus.publish_many([("t.a", b"k1", b"1", []), ("t.a", b"k2", b"2", []), ("t.b", b"k1", b"3", [])])
        assert await probe.snapshot() == (2 + 3, 3)
        subscription = await bus.subscribe("g2", ["t.a", "t.b"])
        records = await subscription.poll(timeout=1.0)
        await subscription.commit({(r.topic, r.partition): r.offset + 1 for r in records})
        assert await probe.snapshot() == (2, 3)
        await subscription.close()
        await probe.close()
    finally:
        await bus.stop()


async def test_the_embedded_probe_counts_events_a_service_committed_and_has_not_published(
    tmp_path: Path,
) -> None:
    bus = InProcessBus(tmp_path / "bus.sqlite", partitions=2)
    await bus.start()
    service_db, not_started = tmp_path / "credit-service.sqlite", tmp_path / "dunning-service.sqlite"
    engine = sqlalchemy.create_engine(f"sqlite:///{service_db}")
    try:
        await bus.ensure_topics(["t.a"])
        probe = InProcessLagProbe(tmp_path / "bus.sqlite", {"g": ["t.a"]}, [service_db, not_started])
        assert probe.reads_outboxes
        assert await probe.snapshot() == (0, 0)  # no file yet: nothing committed
        runtime_metadata.create_all(engine)
        now = datetime.now(UTC)
        row = {
            "topic": "t.a",
            "message_key": "k",
            "payload": b"x",
            "headers": "[]",
            "created_at": now,
            "published_at": None,
        }
        with engine.begin() as connection:
            connection.execute(
                outbox.insert(),
                [
                    {**row, "event_id": "e1"},
                    {**row, "event_id": "e2"},
                    {**row, "event_id": "e3", "published_at": now},
                ],
            )
        assert await probe.snapshot() == (2, 0)  # committed, not on the bus yet: not caught up
        settler = Settler(probe, quiet=0.001, timeout=0.05)
        await settler.settle()
        assert settler.stats.timeouts == 1
        with engine.begin() as connection:
            connection.execute(outbox.update().values(published_at=now))
        assert await probe.snapshot() == (0, 0)
        await probe.close()
    finally:
        engine.dispose()
        await bus.stop()


def test_the_embedded_outboxes_are_the_services_sqlite_files_unless_one_lives_elsewhere(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    platform = PlatformSettings(data_dir=tmp_path)
    assert sorted(path.name for path in embedded_outboxes(platform) or []) == [
        "credit-service.sqlite",
        "dunning-service.sqlite",
        "invoice-service.sqlite",
        "notification-service.sqlite",
    ]
    monkeypatch.setenv("DUNNING_DATABASE_URL", "postgresql+asyncpg://arflow@127.0.0.1:1/arflow_dunning")
    assert embedded_outboxes(platform) is None


def test_the_embedded_probe_says_where_it_looked_when_there_is_no_bus(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="set ARFLOW_DATA_DIR"):
        InProcessLagProbe(tmp_path / "bus.sqlite", {})


async def test_a_settle_waits_for_a_consumer_that_catches_up_on_the_bus(tmp_path: Path) -> None:
    bus = InProcessBus(tmp_path / "bus.sqlite", partitions=2)
    await bus.start()
    try:
        await bus.publish_many([("t.a", f"k{i}".encode(), b"x", []) for i in range(20)])
        settler = Settler(InProcessLagProbe(tmp_path / "bus.sqlite", {"g": ["t.a"]}), quiet=0.005)

        async def consume() -> None:
            subscription = await bus.subscribe("g", ["t.a"])
            for _ in range(20):
                records = await subscription.poll(timeout=0.1, max_records=3)
                if not records:
                    break
                await asyncio.sleep(0.01)  # a consumer taking its time over each batch
                await subscription.commit({(r.topic, r.partition): r.offset + 1 for r in records})
            await subscription.close()

        consumer = asyncio.create_task(consume())
        await asyncio.wait_for(settler.settle(), 10)
        assert await bus.lag("g", ["t.a"]) == 0
        await consumer
        await settler.close()
    finally:
        await bus.stop()


@pytest.mark.kafka
async def test_the_kafka_probe_reads_end_offsets_and_committed_offsets(
    kafka_platform: PlatformSettings,
) -> None:
    a, b = kafka_platform.topic("a"), kafka_platform.topic("b")
    bus = KafkaBus(kafka_platform, client_id="settle-test")
    await bus.start()
    try:
        await bus.ensure_topics([a, b])
        await bus.publish_many([(a, b"k1", b"1", []), (a, b"k2", b"2", []), (b, b"k1", b"3", [])])
        group = kafka_platform.topic_prefix + "g"
        probe = KafkaLagProbe(kafka_platform, {group: [a, b]})
        await probe.start()
        assert await probe.snapshot() == (3, 3)
        subscription = await bus.subscribe(group, [a, b])
        seen: list[object] = []
        for _ in range(100):
            records = await subscription.poll(timeout=0.5)
            seen += records
            await subscription.commit({(r.topic, r.partition): r.offset + 1 for r in records})
            if len(seen) == 3:
                break
        assert await probe.snapshot() == (0, 3)
        await subscription.close()
        await probe.close()
        missing = KafkaLagProbe(kafka_platform, {group: [kafka_platform.topic("never-created")]})
        with pytest.raises(LookupError, match="ARFLOW_TOPIC_PREFIX"):
            await missing.start()
    finally:
        await bus.stop()
