"""Waiting until the platform has caught up: every consumer group has read everything published.

An ERP does not wait for the platform; a replay of history does. Dunning evaluates a business day
with what it has heard by then, so a payment still in flight when the day closes would be chased.
To give the same figures on every run and in both modes, the replay waits before each close for
the documents it posted to be consumed, and after it for everything the close set off (stages,
hold requests, charges posted back to the ledger). The REST APIs cannot tell when that is, so the
settler looks at the bus itself: the consumer groups' committed offsets against the log's end.
"""

import asyncio
import re
import sqlite3
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy.engine import make_url

from arflow_runtime.settings import PlatformSettings

Groups = dict[str, list[str]]
"""Consumer group → the topics it reads."""


def _definitions() -> list[Any]:
    from arflow_credit import main as credit
    from arflow_dunning import main as dunning
    from arflow_invoice import main as invoice
    from arflow_notification import main as notification

    return [module.definition() for module in (credit, invoice, dunning, notification)]  # type: ignore[attr-defined]


def consumer_groups(platform: PlatformSettings) -> Groups:
    """The four services' groups and topics, as their definitions declare them."""
    return {
        platform.topic_prefix + definition.name: [
            platform.topic(topic) for topic in definition.handlers.topics()
        ]
        for definition in _definitions()
    }


def embedded_outboxes(platform: PlatformSettings) -> list[Path] | None:
    """The four services' SQLite files, or None when any of them keeps its data elsewhere."""
    paths = []
    for definition in _definitions():
        url = make_url(definition.settings.resolved_database_url(platform, definition.name))
        if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
            return None
        paths.append(Path(url.database))
    return paths


def _read_only(path: Path) -> sqlite3.Connection:
    """A SQLite file opened read-only beside the platform that writes it."""
    return sqlite3.connect(f"file:{path}?mode=ro", uri=True, isolation_level=None, timeout=30)


class LagProbe(Protocol):
    """Reads the bus: (records not yet committed by the groups, records in the log)."""

    reads_outboxes: bool
    """Whether the lag also counts events committed to a service's outbox and not yet published."""

    async def snapshot(self) -> tuple[int, int]: ...

    async def close(self) -> None: ...


class InProcessLagProbe:
    """The embedded bus: its SQLite log file, read-only, beside a running `arflow run`.

    Given the services' SQLite files too, the lag includes their outboxes' unpublished events, read
    the same way: no request to the platform, whose one process is busy with the work itself.
    """

    def __init__(self, path: Path, groups: Groups, outboxes: Sequence[Path] | None = None) -> None:
        if not path.exists():
            raise FileNotFoundError(
                f"no embedded bus at {path} (set ARFLOW_DATA_DIR to the platform's data dir)"
            )
        self._db = _read_only(path)
        self._groups = groups
        self._partitions: dict[str, int] = {}
        self._outbox_paths = list(outboxes or ())
        self._outboxes: dict[Path, sqlite3.Connection] = {}
        self.reads_outboxes = outboxes is not None
        known = {row[0] for row in self._db.execute("SELECT name FROM topics")}
        missing = sorted({t for ts in groups.values() for t in ts} - known)
        if groups and len(missing) == len({t for ts in groups.values() for t in ts}):
            self._db.close()
            raise LookupError(f"{path} has none of the topics {', '.join(missing)}: another topic prefix?")

    def _partitions_of(self, topic: str) -> int:
        if topic not in self._partitions:
            row = self._db.execute("SELECT partitions FROM topics WHERE name = ?", (topic,)).fetchone()
            if row is None:
                return 0  # not created yet: nothing in it
            self._partitions[topic] = int(row[0])
        return self._partitions[topic]

    async def snapshot(self) -> tuple[int, int]:
        topics = sorted({t for ts in self._groups.values() for t in ts})
        ends: dict[tuple[str, int], int] = {}
        for topic in topics:
            for partition in range(self._partitions_of(topic)):
                (end,) = self._db.execute(
                    "SELECT COALESCE(MAX(offset), -1) + 1 FROM records WHERE topic = ? AND partition = ?",
                    (topic, partition),
                ).fetchone()
                ends[(topic, partition)] = int(end)
        committed = {
            (g, t, p): int(n)
            for g, t, p, n in self._db.execute("SELECT group_id, topic, partition, next_offset FROM commits")
        }
        lag = sum(
            end - committed.get((group, topic, partition), 0)
            for group, group_topics in self._groups.items()
            for (topic, partition), end in ends.items()
            if topic in group_topics
        )
        # The outboxes matter only once nothing lags: until then the answer is "not yet" anyway.
        return lag or self._unpublished(), sum(ends.values())

    def _unpublished(self) -> int:
        total = 0
        for path in self._outbox_paths:
            db = self._outboxes.get(path)
            if db is None:
                if not path.exists():
                    continue  # that service has not started yet: nothing committed
                db = self._outboxes[path] = _read_only(path)
            try:
                (pending,) = db.execute("SELECT count(*) FROM outbox WHERE published_at IS NULL").fetchone()
            except sqlite3.OperationalError as error:
                if "no such table" not in str(error):
                    raise
                continue  # not migrated yet: nothing committed
            total += int(pending)
        return total

    async def close(self) -> None:
        self._db.close()
        for db in self._outboxes.values():
            db.close()


class KafkaLagProbe:
    """A Kafka cluster: end offsets against each group's committed offsets (one admin client)."""

    reads_outboxes = False

    def __init__(self, platform: PlatformSettings, groups: Groups) -> None:
        self._platform = platform
        self._groups = groups
        self._admin = None
        self._consumer = None
        self._partitions: list = []  # type: ignore[type-arg]

    async def start(self) -> None:
        from aiokafka import AIOKafkaConsumer, TopicPartition
        from aiokafka.admin import AIOKafkaAdminClient

        from arflow_runtime.bus.kafka import connection_options

        options = connection_options(self._platform)
        self._admin = AIOKafkaAdminClient(client_id="arflow-replay", **options)
        self._consumer = AIOKafkaConsumer(client_id="arflow-replay", enable_auto_commit=False, **options)
        await self._admin.start()  # type: ignore[attr-defined]
        await self._consumer.start()  # type: ignore[attr-defined]
        topics = sorted({t for ts in self._groups.values() for t in ts})
        existing = set(await self._admin.list_topics())  # type: ignore[attr-defined]
        # Only existing topics are described: a metadata request may create a missing one.
        described = await self._admin.describe_topics([t for t in topics if t in existing])  # type: ignore[attr-defined]
        self._partitions = [
            TopicPartition(topic["topic"], partition["partition"])
            for topic in described
            if not topic.get("error_code")
            for partition in sorted(topic["partitions"], key=lambda p: p["partition"])
        ]
        missing = sorted(set(topics) - {tp.topic for tp in self._partitions})
        if missing:
            await self.close()
            raise LookupError(
                f"Kafka has no topic {', '.join(missing)}: is ARFLOW_TOPIC_PREFIX "
                f"({self._platform.topic_prefix!r}) the platform's, and is it running?"
            )

    async def snapshot(self) -> tuple[int, int]:
        ends = await self._consumer.end_offsets(self._partitions)  # type: ignore[attr-defined]
        lag = 0
        for group, topics in self._groups.items():
            committed = await self._admin.list_consumer_group_offsets(group)  # type: ignore[attr-defined]
            for tp, end in ends.items():
                if tp.topic in topics:
                    offset = committed[tp].offset if tp in committed and committed[tp].offset >= 0 else 0
                    lag += max(0, end - offset)
        return lag, sum(ends.values())

    async def close(self) -> None:
        if self._consumer is not None:
            await self._consumer.stop()
        if self._admin is not None:
            await self._admin.close()


@dataclass
class SettleStats:
    """How often and how long the replay waited for the platform."""

    count: int = 0
    seconds: float = 0.0
    timeouts: int = 0
    longest: float = 0.0
    warnings: list[str] = field(default_factory=list)


class Settler:
    """Waits until no group lags and the log stopped growing across a short quiet window."""

    def __init__(
        self,
        probe: LagProbe | None,
        pings: Sequence[Callable[[], Awaitable[object]]] = (),
        *,
        quiet: float = 0.02,
        timeout: float = 300.0,
        longest_poll: float = 0.05,
    ) -> None:
        self.probe = probe
        self.pings = list(pings)
        self.quiet = quiet
        self.longest_poll = longest_poll
        self.timeout = timeout
        self.stats = SettleStats()

    @property
    def enabled(self) -> bool:
        return self.probe is not None

    async def settle(self) -> None:
        """Return once the platform is idle (or, with a warning, after the timeout)."""
        if self.probe is None:
            return
        started = time.monotonic()
        interval = 0.002
        try:
            while time.monotonic() - started < self.timeout:
                lag, end = await self.probe.snapshot()
                if lag == 0:
                    quiet_from = time.monotonic()
                    # A handler's commit and its outbox relay's publish are a few ms apart: look again
                    # after every service answered a request (its event loop got its turn) and the
                    # quiet window passed, and accept only if nothing new was published meanwhile.
                    answers = await asyncio.gather(*(ping() for ping in self.pings))
                    rest = self.quiet - (time.monotonic() - quiet_from)
                    if rest > 0:
                        await asyncio.sleep(rest)  # the quiet window itself, bounded by `quiet`
                    # A ping that counts events still waiting in a service's outbox (an int) vetoes
                    # the quiet: a handler has committed and its relay has not published yet.
                    unpublished = sum(a for a in answers if isinstance(a, int) and not isinstance(a, bool))
                    if unpublished == 0 and await self.probe.snapshot() == (0, end):
                        return
                    interval = 0.002
                    continue
                await asyncio.sleep(interval)  # poll interval of a bounded wait on the bus
                interval = min(interval * 1.5, self.longest_poll)
            self.stats.timeouts += 1
            if len(self.stats.warnings) < 10:
                self.stats.warnings.append(f"the platform did not catch up within {self.timeout:.0f}s")
        finally:
            took = time.monotonic() - started
            self.stats.count += 1
            self.stats.seconds += took
            self.stats.longest = max(self.stats.longest, took)

    async def close(self) -> None:
        if self.probe is not None:
            await self.probe.close()


async def bus_probe(platform: PlatformSettings) -> LagProbe:
    """The probe for the platform's bus: Kafka in distributed mode, the SQLite log otherwise."""
    groups = consumer_groups(platform)
    if platform.mode == "distributed":
        probe = KafkaLagProbe(platform, groups)
        await probe.start()
        return probe
    return InProcessLagProbe(platform.data_dir / "bus.sqlite", groups, embedded_outboxes(platform))


OUTBOX_PENDING = re.compile(r"^arflow_outbox_pending(?:\{[^}]*\})? ([0-9.e+]+)$", re.MULTILINE)


def outbox_pending_of(metrics_text: str) -> int:
    """Events a service has committed and not yet published, from its /metrics page (0 if absent)."""
    return sum(int(float(value)) for value in OUTBOX_PENDING.findall(metrics_text))
