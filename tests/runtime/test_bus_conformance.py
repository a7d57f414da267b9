"""One conformance suite, run unchanged against the in-process bus and a real Kafka broker."""

import asyncio
from collections import defaultdict
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest
from sqlalchemy.exc import OperationalError

from arflow_runtime.bus.base import Bus, Record, Subscription
from arflow_runtime.bus.kafka import KafkaBus
from arflow_runtime.bus.memory import InProcessBus
from arflow_runtime.consumer import ConsumerLoop, Poison
from arflow_runtime.settings import PlatformSettings

WAIT = 60.0


@pytest.fixture(params=["in-process", pytest.param("kafka", marks=pytest.mark.kafka)])
async def bus(request: pytest.FixtureRequest, tmp_path: object) -> AsyncIterator[Bus]:
    if request.param == "kafka":
        platform: PlatformSettings = request.getfixturevalue("kafka_platform")
        instance: Bus = KafkaBus(platform, client_id="conformance")
    else:
        instance = InProcessBus(f"{tmp_path}/bus.sqlite", partitions=3)
    await instance.start()
    try:
        yield instance
    finally:
        await instance.stop()


async def collect(subscription: Subscription, count: int, timeout: float = WAIT) -> list[Record]:
    """Poll until `count` records arrived or the deadline passes."""
    records: list[Record] = []
    deadline = asyncio.get_running_loop().time() + timeout
    while len(records) < count and asyncio.get_running_loop().time() < deadline:
        records.extend(await subscription.poll(timeout=0.5))
    return records


async def publish_numbered(bus: Bus, topic: str, keys: int, per_key: int) -> None:
    await bus.ensure_topics([topic])
    await bus.publish_many(
        [
            (topic, f"customer-{k}".encode(), f"{k}:{n}".encode(), [("n", str(n).encode())])
            for n in range(per_key)
            for k in range(keys)
        ]
    )


def offsets_after(records: list[Record]) -> dict[tuple[str, int], int]:
    return {(r.topic, r.partition): r.offset + 1 for r in records}


async def test_one_keys_messages_arrive_in_the_order_they_were_published(bus: Bus, unique: str) -> None:
    topic = f"{unique}.order"
    await publish_numbered(bus, topic, keys=7, per_key=30)
    subscription = await bus.subscribe(f"{unique}-g", [topic])
    records = await collect(subscription, 7 * 30)
    await subscription.close()
    per_key: dict[bytes, list[int]] = defaultdict(list)
    for record in records:
        assert record.key is not None
        per_key[record.key].append(int(record.value.decode().split(":")[1]))
    assert len(records) == 210
    assert all(sequence == list(range(30)) for sequence in per_key.values())


async def test_every_consumer_group_gets_every_event(bus: Bus, unique: str) -> None:
    topic = f"{unique}.groups"
    await publish_numbered(bus, topic, keys=5, per_key=10)
    first = await bus.subscribe(f"{unique}-credit", [topic])
    second = await bus.subscribe(f"{unique}-dunning", [topic])
    got_first, got_second = await asyncio.gather(collect(first, 50), collect(second, 50))
    await first.close()
    await second.close()
    assert sorted(r.value for r in got_first) == sorted(r.value for r in got_second)
    assert len(got_first) == 50


async def test_a_crash_before_commit_redelivers_and_a_commit_does_not(bus: Bus, unique: str) -> None:
    topic, group = f"{unique}.redelivery", f"{unique}-g"
    await publish_numbered(bus, topic, keys=3, per_key=4)
    crashed = await bus.subscribe(group, [topic])
    before_crash = await collect(crashed, 12)
    await crashed.close()  # no commit: as if the process died after reading
    restarted = await bus.subscribe(group, [topic])
    redelivered = await collect(restarted, 12)
    assert sorted(r.value for r in redelivered) == sorted(r.value for r in before_crash)
    await restarted.commit(offsets_after(redelivered))
    await restarted.close()
    await bus.publish(topic, b"customer-0", b"after-commit")
    again = await bus.subscribe(group, [topic])
    next_records = await collect(again, 1)
    await again.close()
    assert [r.value for r in next_records] == [b"after-commit"]


async def test_lag_counts_what_a_group_has_not_committed(bus: Bus, unique: str) -> None:
    topic, group = f"{unique}.lag", f"{unique}-g"
    await publish_numbered(bus, topic, keys=2, per_key=5)
    assert await bus.lag(group, [topic]) == 10
    subscription = await bus.subscribe(group, [topic])
    records = await collect(subscription, 10)
    await subscription.commit(offsets_after(records))
    await subscription.close()
    assert await bus.lag(group, [topic]) == 0


async def eventually(probe: "Callable[[], Awaitable[int]]", expected: int, timeout: float = WAIT) -> None:
    """Poll an async probe until it returns `expected`; fail at the deadline."""
    deadline = asyncio.get_running_loop().time() + timeout
    value = await probe()
    while value != expected:
        assert asyncio.get_running_loop().time() < deadline, f"still {value}, expected {expected}"
        await asyncio.sleep(0.05)  # polling interval of a bounded wait on a condition
        value = await probe()


async def run_loop_until(loop: ConsumerLoop, condition: "asyncio.Event") -> None:
    task = asyncio.create_task(loop.run())
    try:
        await asyncio.wait_for(condition.wait(), WAIT)
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


async def test_a_poison_message_goes_to_the_dead_letter_topic_and_the_rest_flow_on(
    bus: Bus, unique: str
) -> None:
    topic, group = f"{unique}.poison", f"{unique}-g"
    await bus.ensure_topics([topic, topic + ".dlq"])
    await bus.publish_many(
        [(topic, b"c1", b"good-1", []), (topic, b"c1", b"poison", []), (topic, b"c1", b"good-2", [])]
    )
    handled: list[bytes] = []
    done = asyncio.Event()

    async def handle(record: Record) -> None:
        if record.value == b"poison":
            raise Poison("cannot parse this")
        handled.append(record.value)
        if len(handled) == 2:
            done.set()

    loop = ConsumerLoop(bus, group, [topic], handle, backoff_base=0.001)
    await run_loop_until(loop, done)
    assert handled == [b"good-1", b"good-2"]
    reader = await bus.subscribe(f"{unique}-inspector", [topic + ".dlq"])
    dead = await collect(reader, 1)
    await reader.close()
    assert [r.value for r in dead] == [b"poison"]
    assert dead[0].header("dlq_original_topic") == topic
    assert dead[0].header("dlq_original_offset") == "1"
    assert dead[0].header("dlq_original_partition") is not None
    assert "cannot parse this" in (dead[0].header("dlq_error") or "")


async def test_a_failing_handler_is_retried_a_bounded_number_of_times_then_dead_lettered(
    bus: Bus, unique: str
) -> None:
    topic, group = f"{unique}.failing", f"{unique}-g"
    await bus.ensure_topics([topic, topic + ".dlq"])
    await bus.publish_many([(topic, b"c1", b"bug", []), (topic, b"c1", b"fine", [])])
    attempts: list[bytes] = []
    done = asyncio.Event()

    async def handle(record: Record) -> None:
        attempts.append(record.value)
        if record.value == b"bug":
            raise ValueError("a bug in the handler")
        done.set()

    loop = ConsumerLoop(bus, group, [topic], handle, max_attempts=3, backoff_base=0.001)
    task = asyncio.create_task(loop.run())
    try:
        await asyncio.wait_for(done.wait(), WAIT)
        await eventually(lambda: bus.lag(group, [topic]), 0)
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    assert attempts == [b"bug", b"bug", b"bug", b"fine"]


async def test_a_transient_failure_is_retried_until_it_succeeds_and_never_dead_lettered(
    bus: Bus, unique: str
) -> None:
    topic, group = f"{unique}.transient", f"{unique}-g"
    await bus.ensure_topics([topic, topic + ".dlq"])
    await bus.publish(topic, b"c1", b"payment")
    attempts = 0
    done = asyncio.Event()

    async def handle(record: Record) -> None:
        nonlocal attempts
        attempts += 1
        if attempts <= 8:  # more than max_attempts: transient errors do not count against it
            raise OperationalError("SELECT 1", {}, ConnectionRefusedError("database restarting"))
        done.set()

    loop = ConsumerLoop(bus, group, [topic], handle, max_attempts=2, backoff_base=0.001, backoff_cap=0.01)
    await run_loop_until(loop, done)
    assert attempts == 9
    assert await bus.lag(group, [topic + ".dlq"]) == 0  # nothing was ever dead-lettered


async def test_a_group_member_leaving_mid_stream_rebalances_and_nothing_is_lost(
    bus: Bus, unique: str
) -> None:
    topic, group = f"{unique}.rebalance", f"{unique}-g"
    await bus.ensure_topics([topic, topic + ".dlq"])
    seen: dict[str, list[bytes]] = {"first": [], "second": []}

    def handler(member: str) -> Callable[[Record], Awaitable[None]]:
        async def handle(record: Record) -> None:
            seen[member].append(record.value)

        return handle

    first = asyncio.create_task(ConsumerLoop(bus, group, [topic], handler("first")).run())
    second = asyncio.create_task(ConsumerLoop(bus, group, [topic], handler("second")).run())
    try:
        await bus.publish_many([(topic, f"c{n % 9}".encode(), f"m{n}".encode(), []) for n in range(60)])
        await eventually(lambda: bus.lag(group, [topic]), 0)
        first.cancel()  # a member leaves: its partitions move to the other one
        await asyncio.gather(first, return_exceptions=True)
        await bus.publish_many([(topic, f"c{n % 9}".encode(), f"m{n}".encode(), []) for n in range(60, 120)])
        await eventually(lambda: bus.lag(group, [topic]), 0)
    finally:
        for task in (first, second):
            task.cancel()
        await asyncio.gather(first, second, return_exceptions=True)
    everything = seen["first"] + seen["second"]
    assert {f"m{n}".encode() for n in range(120)} <= set(everything)  # at least once, none lost
    assert all(value in seen["second"] for value in (f"m{n}".encode() for n in range(60, 120)))
