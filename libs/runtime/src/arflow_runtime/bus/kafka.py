"""The Apache Kafka bus on aiokafka: idempotent acks=all producer, manually committed groups."""

import asyncio
import ssl
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRebalanceListener, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import CommitFailedError, KafkaError, TopicAlreadyExistsError
from aiokafka.partitioner import murmur2

from arflow_runtime.bus.base import Bus, Outgoing, Record, Subscription
from arflow_runtime.log import get_logger
from arflow_runtime.settings import PlatformSettings

log = get_logger(__name__)

MAX_BATCH_BYTES = 512 * 1024
"""A partition's record batch (aiokafka's default is 16 KiB): one produce request carries one
batch per partition and a broker has one request of ours in flight, so a relay batch of
thousands of messages is a few requests, not hundreds. Under the broker's 1 MiB message.max.bytes."""


def connection_options(settings: PlatformSettings) -> dict[str, Any]:
    """Bootstrap servers plus TLS and SASL/SCRAM options from the settings."""
    options: dict[str, Any] = {
        "bootstrap_servers": settings.kafka_bootstrap_servers,
        "security_protocol": settings.kafka_security_protocol,
    }
    if settings.kafka_security_protocol in ("SSL", "SASL_SSL"):
        options["ssl_context"] = ssl.create_default_context(
            cafile=str(settings.kafka_ssl_cafile) if settings.kafka_ssl_cafile else None
        )
    if settings.kafka_sasl_mechanism:
        options["sasl_mechanism"] = settings.kafka_sasl_mechanism
        options["sasl_plain_username"] = settings.kafka_sasl_username
        options["sasl_plain_password"] = (
            settings.kafka_sasl_password.get_secret_value() if settings.kafka_sasl_password else None
        )
    return options


class KafkaBus(Bus):
    """Publishes with an idempotent acks=all producer; subscriptions never auto-commit."""

    def __init__(self, settings: PlatformSettings, client_id: str = "arflow") -> None:
        self._options = connection_options(settings)
        self._partitions = settings.topic_partitions
        self._client_id = client_id
        self._producer: AIOKafkaProducer | None = None
        self._started = False
        self._renewing = asyncio.Lock()

    async def _new_producer(self) -> AIOKafkaProducer:
        producer = AIOKafkaProducer(
            client_id=self._client_id,
            acks="all",
            enable_idempotence=True,
            linger_ms=2,
            max_batch_size=MAX_BATCH_BYTES,
            request_timeout_ms=15000,
            **self._options,
        )
        try:
            await producer.start()
        except BaseException:
            await _quietly_stop(producer)
            raise
        return producer

    async def start(self) -> None:
        self._producer = await self._new_producer()
        self._started = True

    async def stop(self) -> None:
        self._started = False
        if self._producer is not None:
            await self._producer.stop()
            self._producer = None

    async def _renew(self, failed: AIOKafkaProducer | None) -> None:
        """Replace a producer whose send failed: a new producer id restarts the idempotence sequence.

        After a broker restart aiokafka's idempotent producer can be left with sequence numbers the
        broker rejects for good (OutOfOrderSequenceNumber on every later send); the caller re-sends
        the whole batch anyway (at least once), so a fresh producer is always safe.
        """
        async with self._renewing:
            if self._producer is not failed:
                return  # someone else renewed it already
            self._producer = None
            if failed is not None:
                await _quietly_stop(failed)
            log.warning("bus.producer.renewed", client_id=self._client_id)
            self._producer = await self._new_producer()

    async def ensure_topics(self, topics: Sequence[str]) -> None:
        admin = AIOKafkaAdminClient(client_id=self._client_id, **self._options)
        await admin.start()
        try:
            existing = set(await admin.list_topics())
            missing = [t for t in dict.fromkeys(topics) if t not in existing]
            if missing:
                try:
                    await admin.create_topics(
                        [NewTopic(t, num_partitions=self._partitions, replication_factor=1) for t in missing]
                    )
                except TopicAlreadyExistsError:
                    pass  # created concurrently by another service
        finally:
            await admin.close()

    async def publish_many(self, messages: Sequence[Outgoing]) -> None:
        if not self._started:
            raise RuntimeError("the Kafka bus is not started")
        producer = self._producer
        if producer is None:  # the last renewal could not connect: try again now
            await self._renew(None)
            producer = self._producer
            assert producer is not None
        try:
            partitions = _known_partitions(producer, {message[0] for message in messages})
            if partitions is None:  # the first publish to a topic: send() waits for its metadata
                deliveries = [
                    await producer.send(topic, value=value, key=key, headers=list(headers))
                    for topic, key, value, headers in messages
                ]
            else:
                deliveries = await _queue(producer, _by_partition(messages, partitions))
            results = await asyncio.gather(*deliveries, return_exceptions=True)
        except KafkaError:
            await self._renew(producer)
            raise
        failed = [r for r in results if isinstance(r, BaseException)]
        if failed:
            await self._renew(producer)
            raise failed[0]

    async def subscribe(self, group_id: str, topics: Sequence[str]) -> Subscription:
        subscription = KafkaSubscription(group_id, topics, self._options, self._client_id)
        await subscription.start()
        return subscription

    async def ping(self) -> bool:
        if self._producer is None:
            if not self._started:
                return False
            try:  # a renewal failed while the broker was away: connect again now
                await asyncio.wait_for(self._renew(None), 5)
            except Exception:
                return False
        if self._producer is None:
            return False
        try:
            return bool(await asyncio.wait_for(self._producer.client.force_metadata_update(), 3))
        except (TimeoutError, KafkaError, OSError):
            return False

    async def read_topic(self, topic: str) -> list[Record]:
        consumer = AIOKafkaConsumer(client_id=self._client_id, enable_auto_commit=False, **self._options)
        await consumer.start()
        try:
            return await _read_to_end(consumer, topic)
        finally:
            await consumer.stop()

    async def list_topics(self) -> list[str]:
        admin = AIOKafkaAdminClient(client_id=self._client_id, **self._options)
        await admin.start()
        try:
            return sorted(await admin.list_topics())
        finally:
            await admin.close()

    async def lag(self, group_id: str, topics: Sequence[str]) -> int:
        admin = AIOKafkaAdminClient(client_id=self._client_id, **self._options)
        consumer = AIOKafkaConsumer(client_id=self._client_id, **self._options)
        await admin.start()
        await consumer.start()
        try:
            committed = await admin.list_consumer_group_offsets(group_id)
            partitions = [
                TopicPartition(topic, p)
                for topic in topics
                for p in (consumer.partitions_for_topic(topic) or await _partitions(consumer, topic))
            ]
            ends = await consumer.end_offsets(partitions)
            return sum(
                end - (committed[tp].offset if tp in committed and committed[tp].offset >= 0 else 0)
                for tp, end in ends.items()
            )
        finally:
            await consumer.stop()
            await admin.close()


@lru_cache(maxsize=1 << 16)
def _key_hash(key: bytes) -> int:
    """aiokafka's DefaultPartitioner hash (murmur2, as the Java client), kept per key: it is pure Python."""
    return int(murmur2(key)) & 0x7FFFFFFF


def _known_partitions(producer: AIOKafkaProducer, topics: set[str]) -> dict[str, list[int]] | None:
    """Each topic's partitions, in order, if the producer's metadata knows every one of them."""
    known = {}
    for topic in topics:
        partitions = producer.client.cluster.partitions_for_topic(topic)
        if not partitions:
            return None
        known[topic] = sorted(partitions)
    return known


def _by_partition(
    messages: Sequence[Outgoing], partitions: dict[str, list[int]]
) -> dict[tuple[str, int], list[Outgoing]]:
    """The messages per (topic, partition), each list in publishing order.

    The partition is the one aiokafka's `send` chooses for the key (its DefaultPartitioner), so
    every message of a key lands in one partition whichever way it was sent.
    """
    grouped: dict[tuple[str, int], list[Outgoing]] = {}
    for message in messages:
        topic = message[0]
        candidates = partitions[topic]
        tp = (topic, candidates[_key_hash(message[1]) % len(candidates)])
        batch = grouped.get(tp)
        if batch is None:
            grouped[tp] = [message]
        else:
            batch.append(message)
    return grouped


async def _queue(
    producer: AIOKafkaProducer, grouped: dict[tuple[str, int], list[Outgoing]]
) -> list["asyncio.Future[Any]"]:
    """Queue every partition's messages, the partitions concurrently; the delivery futures."""
    queued = await asyncio.gather(
        *(_send_partition(producer, topic, partition, part) for (topic, partition), part in grouped.items()),
        return_exceptions=True,
    )
    deliveries = [future for outcome in queued if isinstance(outcome, list) for future in outcome]
    for outcome in queued:
        if isinstance(outcome, BaseException):
            for future in deliveries:
                future.cancel()  # the caller re-sends all; cancelling only stops waiting for these
            raise outcome
    return deliveries


async def _send_partition(
    producer: AIOKafkaProducer, topic: str, partition: int, messages: list[Outgoing]
) -> list["asyncio.Future[Any]"]:
    """Queue one partition's messages as record batches, in order; their delivery futures.

    One future per batch instead of one per message: a relay batch of thousands of messages
    costs a few batches to build and acknowledge. Batches of one partition are queued one
    after the other (aiokafka keeps one undrained batch per partition), so order holds.
    """
    deliveries = []
    batch = producer.create_batch()
    for _, key, value, headers in messages:
        listed = headers if isinstance(headers, list) else list(headers)  # aiokafka takes lists only
        if batch.append(timestamp=None, key=key, value=value, headers=listed) is None:  # full
            deliveries.append(await producer.send_batch(batch, topic, partition=partition))
            batch = producer.create_batch()
            batch.append(timestamp=None, key=key, value=value, headers=listed)  # an empty batch takes any
    deliveries.append(await producer.send_batch(batch, topic, partition=partition))
    return deliveries


async def _quietly_stop(producer: AIOKafkaProducer) -> None:
    """Stop a broken producer without waiting long for a broker that may be gone."""
    try:
        await asyncio.wait_for(producer.stop(), 5)
    except Exception as error:  # it is being replaced; nothing of it is needed any more
        log.info("bus.producer.stop_failed", error=type(error).__name__)


async def _read_to_end(consumer: AIOKafkaConsumer, topic: str) -> list[Record]:
    partitions = [TopicPartition(topic, p) for p in sorted(await _partitions(consumer, topic))]
    if not partitions:
        return []
    consumer.assign(partitions)
    await consumer.seek_to_beginning(*partitions)
    ends = await consumer.end_offsets(partitions)
    records: list[Record] = []
    remaining = {tp for tp in partitions if ends[tp] > 0}
    while remaining:
        batches = await consumer.getmany(*remaining, timeout_ms=1000)
        for tp, messages in batches.items():
            for m in messages:
                if m.offset < ends[tp]:
                    records.append(
                        Record(m.topic, m.partition, m.offset, m.key, m.value, tuple(m.headers or ()))
                    )
            if await consumer.position(tp) >= ends[tp]:
                remaining.discard(tp)
    return sorted(records, key=lambda r: (r.partition, r.offset))


async def _partitions(consumer: AIOKafkaConsumer, topic: str) -> set[int]:
    await consumer._client.force_metadata_update()  # noqa: SLF001 - aiokafka has no public refresh
    return consumer.partitions_for_topic(topic) or set()


class _RebalanceLog(ConsumerRebalanceListener):  # type: ignore[misc]
    """Rebalances only log: work is committed after every batch, so nothing is in flight."""

    def __init__(self, group_id: str) -> None:
        self._group_id = group_id

    async def on_partitions_revoked(self, revoked: Any) -> None:
        log.info("bus.partitions.revoked", group=self._group_id, partitions=len(revoked))

    async def on_partitions_assigned(self, assigned: Any) -> None:
        log.info("bus.partitions.assigned", group=self._group_id, partitions=len(assigned))


class KafkaSubscription(Subscription):
    def __init__(self, group_id: str, topics: Sequence[str], options: dict[str, Any], client_id: str) -> None:
        self._topics = list(topics)
        self._group_id = group_id
        self._consumer = AIOKafkaConsumer(
            group_id=group_id,
            client_id=client_id,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            session_timeout_ms=10000,
            heartbeat_interval_ms=1000,
            metadata_max_age_ms=5000,
            **options,
        )

    async def start(self) -> None:
        await self._consumer.start()
        self._consumer.subscribe(self._topics, listener=_RebalanceLog(self._group_id))

    async def poll(self, timeout: float, max_records: int = 200) -> list[Record]:
        batches = await self._consumer.getmany(timeout_ms=int(timeout * 1000), max_records=max_records)
        return [
            Record(m.topic, m.partition, m.offset, m.key, m.value, tuple(m.headers or ()))
            for tp in sorted(batches, key=lambda tp: (tp.topic, tp.partition))
            for m in batches[tp]
        ]

    async def commit(self, offsets: dict[tuple[str, int], int]) -> None:
        try:
            await self._consumer.commit({TopicPartition(t, p): o for (t, p), o in offsets.items()})
        except CommitFailedError:
            # The group rebalanced: the partitions' new owner re-reads from the last commit and
            # the inbox makes the repeat harmless.
            log.warning("bus.commit.failed_after_rebalance", group=self._group_id)

    async def close(self) -> None:
        await self._consumer.stop()
