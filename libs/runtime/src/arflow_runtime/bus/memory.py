"""The in-process bus: a partitioned log in SQLite (a file, or memory) with Kafka's semantics."""

import asyncio
import json
import sqlite3
from collections.abc import Sequence
from itertools import count
from pathlib import Path

from arflow_runtime.bus.base import Bus, Outgoing, Record, Subscription, partition_for

SCHEMA = """
CREATE TABLE IF NOT EXISTS topics (name TEXT PRIMARY KEY, partitions INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS records (
    topic TEXT NOT NULL, partition INTEGER NOT NULL, offset INTEGER NOT NULL,
    key BLOB, value BLOB NOT NULL, headers TEXT NOT NULL,
    PRIMARY KEY (topic, partition, offset));
CREATE TABLE IF NOT EXISTS commits (
    group_id TEXT NOT NULL, topic TEXT NOT NULL, partition INTEGER NOT NULL, next_offset INTEGER NOT NULL,
    PRIMARY KEY (group_id, topic, partition));
"""


class InProcessBus(Bus):
    """Kafka semantics in one process: durable (when given a file), ordered per key, grouped."""

    def __init__(self, path: Path | str = ":memory:", partitions: int = 6) -> None:
        self._path = str(path)
        self._partitions = partitions
        self._db: sqlite3.Connection | None = None
        self._appended = asyncio.Condition()
        self._groups: dict[str, list[InProcessSubscription]] = {}
        self._member_ids = count(1)

    async def start(self) -> None:
        if self._path != ":memory:":
            Path(self._path).parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(self._path, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.executescript(SCHEMA)

    async def stop(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None

    @property
    def db(self) -> sqlite3.Connection:
        if self._db is None:
            raise RuntimeError("the in-process bus is not started")
        return self._db

    def partitions_of(self, topic: str) -> int:
        row = self.db.execute("SELECT partitions FROM topics WHERE name = ?", (topic,)).fetchone()
        if row:
            return int(row[0])
        self.db.execute("INSERT INTO topics VALUES (?, ?)", (topic, self._partitions))
        return self._partitions

    async def ensure_topics(self, topics: Sequence[str]) -> None:
        for topic in topics:
            self.partitions_of(topic)

    async def publish_many(self, messages: Sequence[Outgoing]) -> None:
        db = self.db
        db.execute("BEGIN IMMEDIATE")
        try:
            for topic, key, value, headers in messages:
                partition = partition_for(key, self.partitions_of(topic))
                (last,) = db.execute(
                    "SELECT COALESCE(MAX(offset), -1) FROM records WHERE topic = ? AND partition = ?",
                    (topic, partition),
                ).fetchone()
                db.execute(
                    "INSERT INTO records VALUES (?, ?, ?, ?, ?, ?)",
                    (
                        topic,
                        partition,
                        last + 1,
                        key,
                        value,
                        json.dumps([[k, v.decode(errors="replace")] for k, v in headers]),
                    ),
                )
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        async with self._appended:
            self._appended.notify_all()

    async def subscribe(self, group_id: str, topics: Sequence[str]) -> Subscription:
        await self.ensure_topics(topics)
        member = InProcessSubscription(self, group_id, tuple(topics), next(self._member_ids))
        self._groups.setdefault(group_id, []).append(member)
        self._rebalance(group_id)
        return member

    def _leave(self, member: "InProcessSubscription") -> None:
        self._groups[member.group_id].remove(member)
        self._rebalance(member.group_id)

    def _rebalance(self, group_id: str) -> None:
        """Round-robin the group's partitions over its members; positions restart at commits."""
        members = self._groups.get(group_id, [])
        for member in members:
            member.assignment.clear()
        partitions = sorted(
            {
                (topic, p)
                for member in members
                for topic in member.topics
                for p in range(self.partitions_of(topic))
            }
        )
        eligible = {tp: [m for m in members if tp[0] in m.topics] for tp in partitions}
        for index, tp in enumerate(partitions):
            owners = eligible[tp]
            owner = owners[index % len(owners)]
            owner.assignment[tp] = self.committed(group_id, *tp)

    def committed(self, group_id: str, topic: str, partition: int) -> int:
        row = self.db.execute(
            "SELECT next_offset FROM commits WHERE group_id = ? AND topic = ? AND partition = ?",
            (group_id, topic, partition),
        ).fetchone()
        return int(row[0]) if row else 0

    def read(self, topic: str, partition: int, start: int, limit: int) -> list[Record]:
        rows = self.db.execute(
            "SELECT offset, key, value, headers FROM records WHERE topic = ? AND partition = ?"
            " AND offset >= ? ORDER BY offset LIMIT ?",
            (topic, partition, start, limit),
        ).fetchall()
        return [
            Record(
                topic, partition, offset, key, value, tuple((k, v.encode()) for k, v in json.loads(headers))
            )
            for offset, key, value, headers in rows
        ]

    async def wait_for_records(self, timeout: float) -> None:
        async with self._appended:
            try:
                await asyncio.wait_for(self._appended.wait(), timeout)
            except TimeoutError:
                pass

    async def ping(self) -> bool:
        return self._db is not None

    async def lag(self, group_id: str, topics: Sequence[str]) -> int:
        total = 0
        for topic in topics:
            for partition in range(self.partitions_of(topic)):
                (end,) = self.db.execute(
                    "SELECT COALESCE(MAX(offset), -1) + 1 FROM records WHERE topic = ? AND partition = ?",
                    (topic, partition),
                ).fetchone()
                total += end - self.committed(group_id, topic, partition)
        return total

    async def read_topic(self, topic: str) -> list[Record]:
        return [
            record
            for partition in range(self.partitions_of(topic))
            for record in self.read(topic, partition, 0, 1_000_000)
        ]

    async def list_topics(self) -> list[str]:
        return [row[0] for row in self.db.execute("SELECT name FROM topics ORDER BY name")]


class InProcessSubscription(Subscription):
    def __init__(self, bus: InProcessBus, group_id: str, topics: tuple[str, ...], member_id: int) -> None:
        self.bus = bus
        self.group_id = group_id
        self.topics = topics
        self.member_id = member_id
        self.assignment: dict[tuple[str, int], int] = {}
        self._closed = False

    async def poll(self, timeout: float, max_records: int = 200) -> list[Record]:
        for attempt in range(2):
            records: list[Record] = []
            for (topic, partition), position in sorted(self.assignment.items()):
                batch = self.bus.read(topic, partition, position, max_records - len(records))
                if batch:
                    self.assignment[(topic, partition)] = batch[-1].offset + 1
                    records.extend(batch)
                if len(records) >= max_records:
                    break
            if records or attempt or self._closed:
                return records
            await self.bus.wait_for_records(timeout)
        return []

    async def commit(self, offsets: dict[tuple[str, int], int]) -> None:
        for (topic, partition), next_offset in offsets.items():
            if (topic, partition) not in self.assignment:
                continue  # revoked meanwhile: its new owner re-reads from the last commit
            self.bus.db.execute(
                "INSERT INTO commits VALUES (?, ?, ?, ?) ON CONFLICT (group_id, topic, partition)"
                " DO UPDATE SET next_offset = excluded.next_offset",
                (self.group_id, topic, partition, next_offset),
            )

    async def close(self) -> None:
        if not self._closed:
            self._closed = True
            self.bus._leave(self)
