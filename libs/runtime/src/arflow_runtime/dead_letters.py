"""Inspecting and replaying dead-lettered events (what `arflow dlq` does)."""

from dataclasses import dataclass
from datetime import UTC, datetime

from arflow_contracts.topics import DEAD_LETTER_SUFFIX
from arflow_runtime.bus.base import Bus, Record

DLQ_HEADER_PREFIX = "dlq_"


@dataclass(frozen=True)
class DeadLetter:
    """One dead-lettered record and where it came from."""

    record: Record

    @property
    def original_topic(self) -> str:
        return self.record.header("dlq_original_topic") or self.record.topic.removesuffix(DEAD_LETTER_SUFFIX)

    @property
    def original_partition(self) -> str:
        return self.record.header("dlq_original_partition") or "?"

    @property
    def original_offset(self) -> str:
        return self.record.header("dlq_original_offset") or "?"

    @property
    def event_type(self) -> str:
        return self.record.header("ce_type") or "?"

    @property
    def error(self) -> str:
        return self.record.header("dlq_error") or ""

    @property
    def consumer_group(self) -> str:
        return self.record.header("dlq_consumer_group") or "?"

    @property
    def replayed(self) -> bool:
        return self.record.header("dlq_replay_of") is not None


async def dead_letter_topics(bus: Bus, prefix: str) -> list[str]:
    """Every dead-letter topic of this deployment."""
    return [t for t in await bus.list_topics() if t.startswith(prefix) and t.endswith(DEAD_LETTER_SUFFIX)]


async def list_dead_letters(bus: Bus, prefix: str, topic: str | None = None) -> list[DeadLetter]:
    """All dead letters, oldest first per topic."""
    topics = [topic] if topic else await dead_letter_topics(bus, prefix)
    return [DeadLetter(record) for t in topics for record in await bus.read_topic(t)]


async def replay(bus: Bus, letters: list[DeadLetter]) -> int:
    """Publish each dead letter back to its original topic, as it was, marked as a replay.

    Consumers that had applied it already ignore it (their inbox holds its event id); the one
    that dead-lettered it applies it now that the cause is fixed.
    """
    messages = []
    for letter in letters:
        record = letter.record
        headers = [(k, v) for k, v in record.headers if not k.startswith(DLQ_HEADER_PREFIX)]
        headers.append(("dlq_replay_of", f"{record.topic}:{record.partition}:{record.offset}".encode()))
        headers.append(("dlq_replayed_at", datetime.now(UTC).isoformat().encode()))
        messages.append((letter.original_topic, record.key or b"", record.value, headers))
    await bus.publish_many(messages)
    return len(messages)
