"""Event pipeline: from an invoice's commit in the ledger to its effect in credit-service's exposure.

    uv run python bench/event_pipeline.py            # 20 s at 200/s, then the sustained-rate steps
    uv run python bench/event_pipeline.py --quick    # a tenth of the size

invoice-service and credit-service run as their own processes in distributed mode (a throw-away
PostgreSQL database each, a unique topic prefix on the real Kafka).

Latency. Invoices are posted at 200/s open loop. Two triggers, added to the throw-away
databases only, call pg_notify with the event id: one on invoice-service's `outbox` (the row
commits with the invoice) and one on credit-service's `inbox` (the row commits with the
exposure change). PostgreSQL delivers a notification when its transaction commits, so the
benchmark learns both commit instants without polling either service; the latency of an
invoice is the time between its two notifications (the same process and clock receives both).
Baseline: the same envelope bytes produced with raw aiokafka (acks=all, idempotent, linger 2 ms,
like the platform's producer) at the same rate to a topic of the same partitions, consumed by a
consumer group that commits every batch; latency from each send's due time to its receipt.

Sustained rate. InvoiceIssued envelopes (arflow_contracts.wrap, new event ids, invoice numbers
and 2,000 customers) are published straight to the ledger topic with aiokafka, faster than one
REST process could post them: this measures the consuming side. A burst first estimates
credit-service's drain rate; then rates around it are offered open loop for some seconds each
while the lag of credit-service's consumer group (end offsets − committed offsets, sampled every
0.5 s) is watched: 50, 75, 90 and 105 % of it, then two steps halving the gap between the
highest rate held and the lowest one above it that was not. A rate is held when the lag in the
last third of the step is on average no more than one second of offered events above the first
third. Baseline: the same envelopes produced as fast as possible and consumed by a raw aiokafka
group, events/s end to end.
"""

import asyncio
import json
import random
import tempfile
import uuid
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import asyncpg
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from harness import (
    KAFKA,
    LoadFigures,
    Result,
    arguments,
    cpu_seconds,
    distributed_service,
    dsn,
    finish,
    http_sender,
    load_average,
    open_loop,
    percentile,
    processes_argument,
    serving_pids,
    throwaway_database,
)

from arflow_contracts import wrap
from arflow_contracts.ledger import InvoiceIssuedV1

LATENCY_RATE = 200.0
CONNECTIONS = 32
WARM_UP_SECONDS = 2.0
CUSTOMERS = 2000
PARTITIONS = 6  # ARFLOW_TOPIC_PARTITIONS' default: the ledger topic has as many
WAIT_FOR_EFFECTS = 120.0
LAG_SAMPLE_SECONDS = 0.5

NOTIFY_TRIGGER = """
CREATE FUNCTION bench_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN PERFORM pg_notify(TG_ARGV[0], NEW.event_id); RETURN NEW; END $$;
CREATE TRIGGER bench_notify AFTER INSERT ON {table} FOR EACH ROW EXECUTE FUNCTION bench_notify('{channel}');
"""


@dataclass(eq=False)  # hashable: asyncpg keeps listeners in a set
class CommitClock:
    """When each event id's transaction committed, as notifications arrive (loop time)."""

    seen: dict[str, float] = field(default_factory=dict)
    arrived: asyncio.Event = field(default_factory=asyncio.Event)

    def __call__(self, _connection: Any, _pid: int, _channel: str, event_id: str) -> None:
        self.seen.setdefault(event_id, asyncio.get_running_loop().time())
        self.arrived.set()

    async def wait_for(self, event_ids: set[str], timeout: float) -> None:
        """Until every id has been seen, or the timeout passes (the caller counts what is missing)."""
        await self.wait_until(lambda: event_ids <= self.seen.keys(), timeout)

    async def wait_until(self, condition: Any, timeout: float) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not condition() and loop.time() < deadline:
            self.arrived.clear()
            try:
                async with asyncio.timeout(max(0.0, deadline - loop.time())):
                    await self.arrived.wait()
            except TimeoutError:
                break


async def listen(database_url: str, table: str, channel: str, clock: CommitClock) -> asyncpg.Connection:
    """Add the notifying trigger to `table` and listen to it."""
    connection = await asyncpg.connect(dsn(database_url))
    await connection.execute(NOTIFY_TRIGGER.format(table=table, channel=channel))
    await connection.add_listener(channel, clock)
    return connection


def invoice_body(run: str, index: int) -> bytes:
    cents = random.Random(index).randint(1_000, 5_000_000)
    return json.dumps(
        {
            "invoice_number": f"EP-{run}-{index:07d}",
            "customer_id": f"C-{index % CUSTOMERS:05d}",
            "currency": "EUR",
            "amount": f"{cents // 100}.{cents % 100:02d}",
            "issue_date": "2024-03-01",
            "due_date": "2024-03-31",
        }
    ).encode()


def latency_summary(committed: CommitClock, applied: CommitClock, ids: set[str]) -> dict[str, Any]:
    """Percentiles of commit → effect; an effect not seen by the end counts as seen then (a lower bound)."""
    now = asyncio.get_running_loop().time()
    latencies = [(applied.seen.get(i, now) - committed.seen[i]) * 1000 for i in ids]
    missing = len(ids - applied.seen.keys())
    return {
        "events": len(ids),
        "applied": len(ids) - missing,
        "missing": missing,
        "p50_ms": round(percentile(latencies, 0.50), 2),
        "p99_ms": round(percentile(latencies, 0.99), 2),
        "max_ms": round(max(latencies, default=float("nan")), 2),
        "lower_bound": missing > 0,
    }


async def pipeline_latency(
    invoice: Any, credit_url: str, invoice_url: str, args: Any, run: str
) -> tuple[dict[str, Any], LoadFigures]:
    committed, applied = CommitClock(), CommitClock()
    listeners = [
        await listen(invoice_url, "outbox", "bench_committed", committed),
        await listen(credit_url, "inbox", "bench_applied", applied),
    ]
    try:
        send, open_worker = http_sender(invoice, "/v1/invoices", lambda i: invoice_body(run, i))
        # Warm-up at the measured rate: the consumer group has joined, and both services' pools
        # hold the connections 200/s needs, once these are applied (warmed up with 20 invoices at
        # 20/s, the first half second measured opened them, and its 75 latencies over 100 ms were
        # more than the 40 slowest of 4,000 that set the p99).
        warm = await open_loop(
            LATENCY_RATE, WARM_UP_SECONDS, send, CONNECTIONS, open_worker, first_index=10_000_000
        )
        await committed.wait_until(lambda: len(committed.seen) >= warm.ok, WAIT_FOR_EFFECTS)
        await applied.wait_for(set(committed.seen), WAIT_FOR_EFFECTS)
        if warm.failed or not set(committed.seen) <= set(applied.seen):
            raise SystemExit(
                f"warm-up failed: {warm.failures}, {len(applied.seen)}/{len(committed.seen)} "
                f"applied; see {invoice.log_path}"
            )
        before = set(committed.seen)
        posted = await open_loop(LATENCY_RATE, args.seconds, send, CONNECTIONS, open_worker)
        # Requests the client stopped waiting for are still committed by a saturated service:
        # wait for them too, so that no later phase runs on top of them.
        stored = posted.sent - sum(n for why, n in posted.failures.items() if why.startswith("HTTP"))
        await committed.wait_until(lambda: len(committed.seen) - len(before) >= stored, WAIT_FOR_EFFECTS)
        ids = set(committed.seen) - before
        await applied.wait_for(ids, WAIT_FOR_EFFECTS)
        return latency_summary(committed, applied, ids), posted
    finally:
        for connection in listeners:
            await connection.close()


async def ledger_payloads(invoice_url: str) -> list[tuple[bytes, bytes, list[tuple[str, bytes]]]]:
    """The (key, envelope, headers) of every event the ledger published, for the raw baseline."""
    connection = await asyncpg.connect(dsn(invoice_url))
    try:
        rows = await connection.fetch("SELECT message_key, payload, headers FROM outbox ORDER BY id")
    finally:
        await connection.close()
    return [
        (
            r["message_key"].encode(),
            bytes(r["payload"]),
            [(k, v.encode()) for k, v in json.loads(r["headers"])],
        )
        for r in rows
    ]


def producer() -> AIOKafkaProducer:
    """As the platform's KafkaBus produces: idempotent, acks=all, linger 2 ms."""
    return AIOKafkaProducer(
        bootstrap_servers=KAFKA, acks="all", enable_idempotence=True, linger_ms=2, request_timeout_ms=15000
    )


async def create_topic(topic: str) -> None:
    admin = AIOKafkaAdminClient(bootstrap_servers=KAFKA)
    await admin.start()
    try:
        await admin.create_topics([NewTopic(topic, num_partitions=PARTITIONS, replication_factor=1)])
    finally:
        await admin.close()


class RawConsumer:
    """A consumer group on one topic that notes when each message arrives and commits every batch."""

    def __init__(self, topic: str) -> None:
        self.arrivals: list[tuple[int, float]] = []  # (bench_index header or -1, when it arrived)
        self._consumer = AIOKafkaConsumer(
            topic,
            bootstrap_servers=KAFKA,
            group_id=f"{topic}.group",
            enable_auto_commit=False,
            auto_offset_reset="earliest",
        )
        self._task: asyncio.Task[None] | None = None
        self.received = asyncio.Event()

    async def __aenter__(self) -> "RawConsumer":
        await self._consumer.start()
        self._task = asyncio.create_task(self._run())
        return self

    async def __aexit__(self, *_: object) -> None:
        assert self._task is not None
        self._task.cancel()
        await asyncio.gather(self._task, return_exceptions=True)
        await self._consumer.stop()

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            batches = await self._consumer.getmany(timeout_ms=1000, max_records=500)
            now = loop.time()
            for messages in batches.values():
                self.arrivals.extend((_index_of(m.headers), now) for m in messages)
            if batches:
                await self._consumer.commit()
                self.received.set()

    async def wait_for(self, count: int, timeout: float) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while len(self.arrivals) < count and loop.time() < deadline:
            self.received.clear()
            try:
                async with asyncio.timeout(max(0.0, deadline - loop.time())):
                    await self.received.wait()
            except TimeoutError:
                break


def _index_of(headers: Any) -> int:
    """The benchmark's own header that numbers a message (-1 when absent)."""
    return next((int(value) for key, value in headers or () if key == "bench_index"), -1)


async def raw_latency(payloads: list[Any], rate: float, seconds: float, prefix: str) -> dict[str, Any]:
    """Raw aiokafka produce→consume latency of the ledger's own envelopes at `rate`, open loop."""
    topic = f"{prefix}bench.raw-latency"
    await create_topic(topic)
    sender = producer()
    await sender.start()
    try:
        async with RawConsumer(topic) as consumer:
            await (await sender.send(topic, b"warm-up", key=b"w"))
            await consumer.wait_for(1, 60)
            base = len(consumer.arrivals)
            total = int(rate * seconds)
            due: dict[int, float] = {}
            pending: list[asyncio.Future[Any]] = []

            async def send(index: int, _: None) -> str | None:
                key, value, headers = payloads[index % len(payloads)]
                due[index] = loop.time()
                numbered = [*headers, ("bench_index", str(index).encode())]
                pending.append(await sender.send(topic, value, key=key, headers=numbered))
                return None

            loop = asyncio.get_running_loop()
            await open_loop(rate, seconds, send, 1)
            await asyncio.gather(*pending)
            await consumer.wait_for(base + total, 60)
            latencies = [(at - due[index]) * 1000 for index, at in consumer.arrivals[base:] if index in due]
    finally:
        await sender.stop()
    return {
        "events": total,
        "received": len(latencies),
        "p50_ms": round(percentile(latencies, 0.5), 2),
        "p99_ms": round(percentile(latencies, 0.99), 2),
    }


def issued_envelopes(run: str, start: int, count: int) -> list[tuple[bytes, bytes, list[tuple[str, bytes]]]]:
    """InvoiceIssued envelopes as the ledger would publish them, with new invoice numbers."""
    issue = date(2024, 3, 1)
    envelopes = []
    for index in range(start, start + count):
        customer = f"C-{index % CUSTOMERS:05d}"
        data = InvoiceIssuedV1(
            invoice_number=f"EV-{run}-{index:08d}",
            customer_id=customer,
            currency="EUR",
            amount=Decimal(random.Random(index).randint(1_000, 5_000_000)) / 100,
            issue_date=issue,
            due_date=issue + timedelta(days=30),
        )
        envelope = wrap(data, producer="invoice-service")
        envelopes.append((customer.encode(), envelope.to_bytes(), envelope.headers()))
    return envelopes


class LagGauge:
    """Consumer lag of one group on one topic: end offsets minus committed offsets."""

    def __init__(self, group: str, topic: str) -> None:
        self.group, self.topic = group, topic
        self._admin = AIOKafkaAdminClient(bootstrap_servers=KAFKA)
        self._consumer = AIOKafkaConsumer(bootstrap_servers=KAFKA, enable_auto_commit=False)
        self._partitions = [TopicPartition(topic, p) for p in range(PARTITIONS)]

    async def __aenter__(self) -> "LagGauge":
        await self._admin.start()
        await self._consumer.start()
        return self

    async def __aexit__(self, *_: object) -> None:
        await self._consumer.stop()
        await self._admin.close()

    async def lag(self) -> int:
        committed = await self._admin.list_consumer_group_offsets(self.group, partitions=self._partitions)
        ends = await self._consumer.end_offsets(self._partitions)
        return sum(end - max(0, committed[tp].offset if tp in committed else 0) for tp, end in ends.items())

    async def drained(self, timeout: float) -> float | None:
        """Seconds until the lag is zero (sampled), or None if it is not within the timeout."""
        loop = asyncio.get_running_loop()
        started = loop.time()
        while await self.lag() > 0:
            if loop.time() - started > timeout:
                return None
            await asyncio.sleep(0.1)  # sampling interval of a bounded wait on the consumer
        return loop.time() - started


async def publish_at(sender: AIOKafkaProducer, topic: str, envelopes: list[Any], rate: float) -> None:
    """Publish the envelopes on a fixed schedule (in 10 ms slices), then wait for every ack."""
    loop = asyncio.get_running_loop()
    start, sent, acks = loop.time(), 0, []
    while sent < len(envelopes):
        due = min(len(envelopes), int((loop.time() - start) * rate) + 1)
        for key, value, headers in envelopes[sent:due]:
            acks.append(await sender.send(topic, value, key=key, headers=headers))
        sent = due
        await asyncio.sleep(0.01)  # the schedule's slice: what fell due meanwhile is sent next
    await asyncio.gather(*acks)


REFINING_STEPS = 2
"""Steps that halve the gap between the highest rate held and the lowest one above it that was not:
the ladder's rungs are 15-50 % apart, so which rung the limit fell under decided the figure
(1,452 and 1,968/s in two runs of the same code)."""


async def sustained_rate(prefix: str, credit_pid: int, args: Any, run: str) -> dict[str, Any]:
    """Probe credit-service's drain rate, then offer rates around it; the highest held wins."""
    topic, group = f"{prefix}ledger.events", f"{prefix}credit-service"
    sender = producer()
    await sender.start()
    next_index = 0

    def envelopes(count: int) -> list[Any]:
        nonlocal next_index
        made = issued_envelopes(run, next_index, count)
        next_index += count
        return made

    try:
        async with LagGauge(group, topic) as gauge:
            burst = envelopes(args.burst)
            started = asyncio.get_running_loop().time()
            cpu_before = cpu_seconds(credit_pid)
            await publish_at(sender, topic, burst, 1e9)
            waited = await gauge.drained(600)
            if waited is None:
                raise SystemExit("credit-service did not drain the burst within 10 minutes")
            elapsed = asyncio.get_running_loop().time() - started
            drain_rate = len(burst) / elapsed
            probe = {
                "burst": len(burst),
                "seconds": round(elapsed, 2),
                "events_per_s": round(drain_rate, 1),
                "credit_cpu_ms_per_event": round(
                    (cpu_seconds(credit_pid) - cpu_before) * 1000 / len(burst), 2
                ),
            }
            print(f"  burst: {probe}", flush=True)
            steps: list[dict[str, Any]] = []

            async def offer(rate: float) -> bool:
                step = await lag_step(
                    gauge, sender, topic, envelopes(int(rate * args.step_seconds)), rate, args.step_seconds
                )
                steps.append(step)
                print(f"  {rate:g}/s: {step}", flush=True)
                return bool(step["held"])

            for share in (0.5, 0.75, 0.9, 1.05):
                if not await offer(max(1, round(drain_rate * share))):
                    break
            if not any(step["held"] for step in steps):  # even half the drain rate grows: halve it
                rate = steps[0]["rate"] / 2
                while rate >= 1 and not await offer(round(rate, 1)):
                    rate /= 2
            for _ in range(REFINING_STEPS):  # halve the gap between the highest held and the next
                low = max((step["rate"] for step in steps if step["held"]), default=None)
                above = [step["rate"] for step in steps if not step["held"] and low and step["rate"] > low]
                if low is None or not above or min(above) - low < low * 0.05:
                    break
                await offer(round((low + min(above)) / 2))
    finally:
        await sender.stop()
    held = [s["rate"] for s in steps if s["held"]]
    return {"sustained": max(held, default=0), "probe": probe, "steps": steps}


async def lag_step(
    gauge: LagGauge, sender: AIOKafkaProducer, topic: str, envelopes: list[Any], rate: float, seconds: float
) -> dict[str, Any]:
    loop = asyncio.get_running_loop()
    samples: list[tuple[float, int]] = []
    publishing = asyncio.create_task(publish_at(sender, topic, envelopes, rate))
    start = loop.time()
    while not publishing.done():
        samples.append((loop.time() - start, await gauge.lag()))
        await asyncio.wait({publishing}, timeout=LAG_SAMPLE_SECONDS)  # the sampling interval
    await publishing
    duration = loop.time() - start
    third = [lag for at, lag in samples if at <= duration / 3] or [0]
    last = [lag for at, lag in samples if at >= 2 * duration / 3] or [0]
    growth = sum(last) / len(last) - sum(third) / len(third)
    drained = await gauge.drained(300)
    return {
        "rate": rate,
        "seconds": round(duration, 2),
        "events": len(envelopes),
        "lag_first_third": round(sum(third) / len(third)),
        "lag_last_third": round(sum(last) / len(last)),
        "lag_max": max(lag for _, lag in samples) if samples else 0,
        "drained_after_s": None if drained is None else round(drained, 2),
        "held": growth <= rate and drained is not None,
    }


async def raw_throughput(envelopes: list[Any], prefix: str) -> dict[str, Any]:
    """Raw aiokafka: produce every envelope as fast as possible while a group consumes them."""
    topic = f"{prefix}bench.raw-throughput"
    await create_topic(topic)
    sender = producer()
    await sender.start()
    try:
        async with RawConsumer(topic) as consumer:
            await (await sender.send(topic, b"warm-up", key=b"w"))
            await consumer.wait_for(1, 60)
            loop = asyncio.get_running_loop()
            started = loop.time()
            await publish_at(sender, topic, envelopes, 1e9)
            await consumer.wait_for(1 + len(envelopes), 300)
            elapsed = consumer.arrivals[-1][1] - started
    finally:
        await sender.stop()
    return {
        "events": len(envelopes),
        "received": len(consumer.arrivals) - 1,
        "seconds": round(elapsed, 2),
        "events_per_s": round(len(envelopes) / elapsed, 1),
    }


async def measure(args: Any) -> list[Result]:
    run = uuid.uuid4().hex[:6]
    prefix = f"bench{run}."
    load_before = load_average()
    with tempfile.TemporaryDirectory(prefix="arflow-bench-") as workdir:
        async with (
            throwaway_database("invoice") as invoice_url,
            throwaway_database("credit") as credit_url,
            distributed_service(
                "invoice-service", invoice_url, prefix, Path(workdir), processes=args.processes
            ) as invoice,
            distributed_service(
                "credit-service", credit_url, prefix, Path(workdir), processes=args.credit_processes
            ) as credit,
        ):
            print(
                f"invoice-service pid {serving_pids(invoice.process)}, credit-service pid "
                f"{serving_pids(credit.process)}; latency at {LATENCY_RATE:g}/s for "
                f"{args.seconds:g} s; load average {load_before}",
                flush=True,
            )
            latency, posted = await pipeline_latency(invoice, credit_url, invoice_url, args, run)
            print(f"  pipeline: {latency}; posting: {posted.summary()}", flush=True)
            payloads = await ledger_payloads(invoice_url)
            raw = await raw_latency(payloads, LATENCY_RATE, args.seconds, prefix)
            print(f"  raw aiokafka: {raw}", flush=True)
            assert credit.process is not None
            print("sustained rate (events published straight to the ledger topic)", flush=True)
            sustained = await sustained_rate(prefix, credit.process.pid, args, run)
            raw_rate = await raw_throughput(issued_envelopes(run, 50_000_000, args.raw_events), prefix)
            print(f"  raw aiokafka: {raw_rate}", flush=True)
    common = {
        "quick": args.quick,
        "load_average_before": load_before,
        "load_average_after": load_average(),
        "services": f"invoice-service ({args.processes} process(es) on one port) and credit-service "
        f"({args.credit_processes}), distributed",
        "invoice_service_processes": args.processes,
        "credit_service_processes": args.credit_processes,
    }
    method = "pg_notify triggers on the ledger's outbox and credit's inbox (commit → commit)"
    feed = "InvoiceIssued envelopes published straight to the ledger topic"
    return [
        Result(
            "event_pipeline_p99",
            latency["p99_ms"],
            "ms",
            raw["p99_ms"],
            "ms (raw aiokafka produce→consume)",
            common
            | {
                "rate_per_s": LATENCY_RATE,
                "seconds": args.seconds,
                "pipeline": latency,
                "posting": posted.summary(),
                "baseline": raw,
                "method": method,
            },
        ),
        Result(
            "event_pipeline_sustained",
            sustained["sustained"],
            "events/s",
            raw_rate["events_per_s"],
            "events/s (raw aiokafka produce→consume)",
            common
            | sustained
            | {"step_seconds": args.step_seconds, "baseline": raw_rate, "customers": CUSTOMERS, "feed": feed},
        ),
    ]


def main() -> None:
    parser = arguments(__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, help="seconds at 200 invoices/s (default 20, quick 2)")
    parser.add_argument("--step-seconds", type=float, help="seconds per sustained step (default 15, quick 3)")
    parser.add_argument("--burst", type=int, help="events of the drain-rate probe (default 1000, quick 100)")
    parser.add_argument("--raw-events", type=int, help="events of the raw baseline (50000, quick 5000)")
    processes_argument(parser, "invoice-service", 1)
    parser.add_argument(
        "--credit-processes",
        type=int,
        default=1,
        help="processes serving credit-service, each a member of its consumer group (default 1)",
    )
    args = parser.parse_args()
    args.seconds = args.seconds or (2.0 if args.quick else 20.0)
    args.step_seconds = args.step_seconds or (3.0 if args.quick else 15.0)
    args.burst = args.burst or (100 if args.quick else 1000)
    args.raw_events = args.raw_events or (5000 if args.quick else 50_000)
    finish(args, asyncio.run(measure(args)))


if __name__ == "__main__":
    main()
