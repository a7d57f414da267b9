"""What services rely on from a bus: keyed, partitioned, ordered logs read by consumer groups."""

import zlib
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, field

Headers = Sequence[tuple[str, bytes]]
Outgoing = tuple[str, bytes, bytes, Headers]
"""(topic, key, value, headers)"""


@dataclass(frozen=True)
class Record:
    """One message read from a topic partition."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes
    headers: tuple[tuple[str, bytes], ...] = field(default_factory=tuple)

    def header(self, name: str) -> str | None:
        """A header's value as text."""
        for key, value in self.headers:
            if key == name:
                return value.decode(errors="replace")
        return None


def partition_for(key: bytes, partitions: int) -> int:
    """Stable key → partition, so one key's messages stay in one ordered partition."""
    return zlib.crc32(key) % partitions


class Subscription(ABC):
    """A member of a consumer group; it reads from the committed offset onwards."""

    @abstractmethod
    async def poll(self, timeout: float, max_records: int = 200) -> list[Record]:
        """Records after the last polled position, in per-partition order; [] on timeout."""

    @abstractmethod
    async def commit(self, offsets: dict[tuple[str, int], int]) -> None:
        """Commit the next offset to read per (topic, partition)."""

    @abstractmethod
    async def close(self) -> None:
        """Leave the group without committing anything further."""


class Bus(ABC):
    """A message bus with Kafka's semantics: per-key order, consumer groups, at-least-once."""

    @abstractmethod
    async def start(self) -> None:
        """Connect."""

    @abstractmethod
    async def stop(self) -> None:
        """Disconnect."""

    @abstractmethod
    async def ensure_topics(self, topics: Sequence[str]) -> None:
        """Create topics that do not exist yet."""

    @abstractmethod
    async def publish_many(self, messages: Sequence[Outgoing]) -> None:
        """Publish in order and return once every message is durably stored."""

    async def publish(self, topic: str, key: bytes, value: bytes, headers: Headers = ()) -> None:
        """Publish one message."""
        await self.publish_many([(topic, key, value, headers)])

    @abstractmethod
    async def subscribe(self, group_id: str, topics: Sequence[str]) -> Subscription:
        """Join a consumer group on these topics."""

    @abstractmethod
    async def ping(self) -> bool:
        """Whether the bus is reachable (for readiness)."""

    @abstractmethod
    async def lag(self, group_id: str, topics: Sequence[str]) -> int:
        """Messages in these topics that the group has not committed yet."""

    @abstractmethod
    async def read_topic(self, topic: str) -> list[Record]:
        """Everything in a topic from the beginning to its current end, outside any group."""

    @abstractmethod
    async def list_topics(self) -> list[str]:
        """The names of existing topics."""
