"""KafkaBus publishes a batch as record batches per partition: same partitions, same order, as send()."""

import asyncio
from collections import defaultdict
from typing import Any

import pytest
from aiokafka.partitioner import DefaultPartitioner

from arflow_runtime.bus.base import Outgoing
from arflow_runtime.bus.kafka import MAX_BATCH_BYTES, KafkaBus, _by_partition
from arflow_runtime.settings import PlatformSettings


def test_a_key_goes_to_the_partition_aiokafkas_send_would_choose() -> None:
    keys = [f"C{n:07d}".encode() for n in range(2000)] + [b"", b"_platform", "Müller".encode()]
    messages: list[Outgoing] = [("t", key, b"v", []) for key in keys]
    grouped = _by_partition(messages, {"t": [0, 1, 2, 3, 4, 5]})
    chosen = {message[1]: partition for (_, partition), batch in grouped.items() for message in batch}
    partitioner = DefaultPartitioner()
    assert chosen == {key: partitioner(key, [0, 1, 2, 3, 4, 5], [0, 1, 2, 3, 4, 5]) for key in keys}


def test_messages_of_a_partition_keep_their_publishing_order() -> None:
    messages: list[Outgoing] = [("t", f"k{n % 7}".encode(), str(n).encode(), []) for n in range(700)]
    for (_, _), batch in _by_partition(messages, {"t": [0, 1, 2]}).items():
        numbers = [int(message[2]) for message in batch]
        assert numbers == sorted(numbers)


@pytest.mark.kafka
async def test_a_publish_bigger_than_a_record_batch_keeps_each_keys_order_and_partition(
    kafka_platform: PlatformSettings, unique: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    bus = KafkaBus(kafka_platform, client_id="batches")
    await bus.start()
    try:
        topic = f"{unique}.batches"
        await bus.ensure_topics([topic])
        await bus.publish(topic, b"warm-up", b"-")  # the producer learns the topic's partitions

        def no_single_sends(*_: Any, **__: Any) -> None:
            raise AssertionError("a known topic's messages go in record batches, not one by one")

        monkeypatch.setattr(bus._producer, "send", no_single_sends)  # noqa: SLF001
        keys = [f"customer-{k}".encode() for k in range(5)]
        per_key = 1000  # 5 MB of messages over 3 partitions: several record batches each
        body = b"x" * 1000
        await bus.publish_many(
            [
                (topic, key, b"%d:" % n + body, [("n", str(n).encode())])
                for n in range(per_key)
                for key in keys
            ]
        )
        records = [r for r in await asyncio.wait_for(bus.read_topic(topic), 60) if r.key != b"warm-up"]
    finally:
        await bus.stop()
    assert len(records) == per_key * len(keys)
    assert per_key * len(keys) * len(body) > 3 * kafka_platform.topic_partitions * MAX_BATCH_BYTES
    seen: dict[bytes, list[int]] = defaultdict(list)
    partitions: dict[bytes, set[int]] = defaultdict(set)
    for record in records:
        assert record.key is not None
        seen[record.key].append(int(record.value.split(b":")[0]))
        partitions[record.key].add(record.partition)
        assert record.header("n") == record.value.split(b":")[0].decode()
    assert all(numbers == list(range(per_key)) for numbers in seen.values())
    partitioner = DefaultPartitioner()
    all_partitions = list(range(kafka_platform.topic_partitions))
    assert dict(partitions) == {key: {partitioner(key, all_partitions, all_partitions)} for key in keys}
