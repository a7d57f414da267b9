"""Dunning run over a day close: 1,000,000 open invoices of 100,000 customers, 20 % overdue.

    uv run python bench/dunning_run.py                      # full size (1M invoices, 100k customers)
    uv run python bench/dunning_run.py --quick              # a tenth (100k invoices, 10k customers)
    uv run python bench/dunning_run.py --quick --results var/bench/dunning.json

Distributed mode, as in production: dunning-service runs as its own process on a throw-away
PostgreSQL database (`--postgres`, default 127.0.0.1:55432) and real Kafka (`--kafka`, default
127.0.0.1:19092) under a unique topic prefix.

Setup (not timed):
1. the database is migrated and dunning's projection is loaded with COPY: the customers (risk
   classes A 20 %, B 40 %, C 25 %, D 10 %, unrated 5 %), ten invoices each, and the open cases.
   Loading by COPY bypasses the InvoiceIssued / CreditRatingChanged events on purpose: they are
   not what is measured, and publishing 1.1M of them would take longer than the run itself. The
   rows hold what dunning's own handlers would have written for a dunning that has been running
   but is one stage behind on every invoice (each invoice stands one stage before the stage its
   policy's calendar reached yesterday): so on the closed day every overdue invoice, and every
   invoice in its pre-due reminder window, moves one stage, and every stage of every default
   policy is reached by some invoice, with its messages, tasks, holds, fees, interest and agency
   handovers. Invoices that fell due yesterday have no case yet (the evaluation opens or joins one);
   customers whose invoices were overdue before have one;
2. the day's ledger events are published to the ledger topic as invoice-service's relay would:
   one InvoiceOverdue per overdue invoice (20 %: 200,000 at full size; a ledger loaded in bulk
   flags every overdue invoice at its first close), then the BusinessDayClosed.

Timed: from starting the dunning-service process until the business day is evaluated (its
`business_days` row finished), the consumer group's lag on the ledger topic is 0, and its outbox
is drained (every event published to Kafka). The conditions are polled in a bounded loop.

Baseline: one raw set-based SQL statement over the same rows in the same database, an
INSERT ... SELECT that works out the default class-B stage of every overdue invoice from its days
overdue: the floor a set-based evaluation cannot beat.
"""

import argparse
import asyncio
import json
import os
import random
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import asyncpg
import httpx
from harness import processes_argument

from arflow_contracts import topics, wrap
from arflow_contracts.ledger import BusinessDayClosedV1, InvoiceOverdueV1
from arflow_dunning.domain import DEFAULT_POLICIES, DunningPolicy
from arflow_runtime.bus.kafka import KafkaBus
from arflow_runtime.db import create_engine
from arflow_runtime.migrations import apply_migrations
from arflow_runtime.settings import PlatformSettings

API_KEY = "bench-key"
BUSINESS_DATE = date(2024, 6, 3)
NEVER = date(9999, 12, 31)
CLASSES = (
    ["A"] * 4 + ["B"] * 8 + ["C"] * 5 + ["D"] * 2 + [None]
)  # A 20 %, B 40 %, C 25 %, D 10 %, unrated 5 %
CURRENCIES = ["EUR"] * 7 + ["USD"] * 2 + ["GBP"]
INVOICES_PER_CUSTOMER = 10
OVERDUE_SHARE = 0.2
TIME_LIMIT_SECONDS = 1800


@dataclass
class Dataset:
    customers: list[tuple[Any, ...]] = field(default_factory=list)
    invoices: list[tuple[Any, ...]] = field(default_factory=list)
    cases: list[tuple[Any, ...]] = field(default_factory=list)
    overdue: list[InvoiceOverdueV1] = field(default_factory=list)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def calendar_index(
    policy: DunningPolicy, due: date, as_of: date, outstanding: Decimal, currency: str
) -> int | None:
    """The last stage the calendar reached by `as_of` (held before a stage whose minimum is not met)."""
    reached = None
    for index, stage in enumerate(policy.stages):
        if stage.due_on(due) > as_of or outstanding < stage.minimum_for(currency):
            break
        reached = index
    return reached


def build_dataset(customers: int, seed: int = 7) -> Dataset:
    """Customers, invoices one stage behind their calendar, open cases and the day's overdue events."""
    rng = random.Random(seed)
    yesterday = BUSINESS_DATE - timedelta(days=1)
    data = Dataset()
    for c in range(customers):
        customer_id = f"C{c:07d}"
        risk_class = CLASSES[c % len(CLASSES)]
        data.customers.append(
            (
                customer_id,
                f"Customer {c}",
                "en",
                None,
                f"col-{c % 50}",
                f"sp-{c % 80}",
                risk_class,
                None if risk_class is None else {"A": 85, "B": 65, "C": 40, "D": 15}[risk_class],
                None if risk_class is None else yesterday - timedelta(days=30),
            )
        )
        policy = DEFAULT_POLICIES[risk_class or "B"]
        case_id = str(uuid.UUID(int=rng.getrandbits(128)))
        has_case = False
        for n in range(INVOICES_PER_CUSTOMER):
            number = f"INV-{c * INVOICES_PER_CUSTOMER + n:08d}"
            if rng.random() < OVERDUE_SHARE:
                due = BUSINESS_DATE - timedelta(days=rng.randint(1, 120))
            else:
                due = BUSINESS_DATE + timedelta(days=rng.randint(0, 60))
            currency = rng.choice(CURRENCIES)
            amount = Decimal(rng.randint(2_000, 900_000)) / 100
            contract = rng.random() < 0.3
            calendar = calendar_index(policy, due, yesterday, amount, currency)
            stage = None if calendar is None or calendar == 0 else calendar - 1
            reached_on = None if stage is None else yesterday - timedelta(days=1)
            following = 0 if stage is None else stage + 1
            next_due = (
                NEVER
                if following >= len(policy.stages)
                else max(policy.stages[following].due_on(due), (reached_on or date.min) + timedelta(days=1))
            )
            in_case = due < yesterday
            has_case = has_case or in_case
            data.invoices.append(
                (
                    number,
                    customer_id,
                    currency,
                    amount,
                    amount,
                    amount,
                    Decimal(0),
                    due - timedelta(days=30),
                    due,
                    f"sp-{c % 80}",
                    "0.08" if contract else None,
                    "ACT/360" if contract else None,
                    None,
                    "open",
                    policy.id,
                    None if stage is None else policy.stages[stage].key,
                    None if stage is None else policy.stages[stage].days,
                    reached_on,
                    next_due,
                    0,
                    False,
                    None,
                    case_id if in_case else None,
                    None,
                    None,
                    None,
                )
            )
            if due < BUSINESS_DATE:
                data.overdue.append(
                    InvoiceOverdueV1(
                        invoice_number=number,
                        customer_id=customer_id,
                        due_date=due,
                        as_of=BUSINESS_DATE,
                        outstanding=amount,
                        currency=currency,
                        days_overdue=(BUSINESS_DATE - due).days,
                    )
                )
        if has_case:
            data.cases.append(
                (case_id, customer_id, "open", yesterday - timedelta(days=10), None, None, customer_id)
            )
    return data


INVOICE_COLUMNS = [
    "invoice_number",
    "customer_id",
    "currency",
    "amount",
    "outstanding",
    "principal_outstanding",
    "charges_outstanding",
    "issue_date",
    "due_date",
    "salesperson_id",
    "late_interest_rate",
    "day_count",
    "dunning_fee",
    "status",
    "policy_id",
    "stage",
    "stage_days",
    "stage_reached_on",
    "next_stage_due_on",
    "open_disputes",
    "excluded",
    "promise_id",
    "case_id",
    "interest_charged_through",
    "paid_date",
    "settled_on",
]
CUSTOMER_COLUMNS = [
    "customer_id",
    "name",
    "locale",
    "segment",
    "collector_id",
    "salesperson_id",
    "risk_class",
    "score",
    "rated_on",
]
CASE_COLUMNS = [
    "case_id",
    "customer_id",
    "status",
    "opened_on",
    "closed_on",
    "close_reason",
    "open_customer_id",
]


@asynccontextmanager
async def throwaway_database(server: str) -> Any:
    name = f"dunning_bench_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(f"{server}/postgres")
    await admin.execute(f'CREATE DATABASE "{name}"')
    await admin.close()
    try:
        yield f"{server}/{name}"
    finally:
        admin = await asyncpg.connect(f"{server}/postgres")
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


async def load(dsn: str, data: Dataset) -> None:
    """Migrate as the service would, then COPY dunning's projection in."""
    engine = create_engine(dsn.replace("postgresql://", "postgresql+asyncpg://"))
    try:
        await apply_migrations(engine, "arflow_dunning.migrations")
    finally:
        await engine.dispose()
    connection = await asyncpg.connect(dsn)
    try:
        await connection.copy_records_to_table(
            "dunning_customers", records=data.customers, columns=CUSTOMER_COLUMNS
        )
        await connection.copy_records_to_table(
            "watched_invoices", records=data.invoices, columns=INVOICE_COLUMNS
        )
        await connection.copy_records_to_table("collection_cases", records=data.cases, columns=CASE_COLUMNS)
        yesterday = BUSINESS_DATE - timedelta(days=1)
        now = datetime.now(UTC)
        await connection.execute(
            "INSERT INTO business_days (business_date, status, evaluations, invoices_evaluated,"
            " stages_reached,"
            " started_at, finished_at) VALUES ($1, 'finished', 1, 0, 0, $2, $2)",
            yesterday,
            now,
        )
        await connection.execute("ANALYZE")
    finally:
        await connection.close()


async def publish_day(platform: PlatformSettings, data: Dataset) -> float:
    """The ledger's events of the day on the ledger topic; returns the seconds it took."""
    bus = KafkaBus(platform, client_id="dunning-bench-ledger")
    await bus.start()
    started = time.perf_counter()
    try:
        topic = platform.topic(topics.LEDGER)
        await bus.ensure_topics([topic])
        events = [*data.overdue, BusinessDayClosedV1(business_date=BUSINESS_DATE)]
        for start in range(0, len(events), 5000):
            batch = []
            for event in events[start : start + 5000]:
                envelope = wrap(event, producer="invoice-service")
                batch.append((topic, envelope.customer_id.encode(), envelope.to_bytes(), envelope.headers()))
            await bus.publish_many(batch)
    finally:
        await bus.stop()
    return time.perf_counter() - started


@dataclass
class Progress:
    ready: float | None = None
    evaluated: float | None = None
    consumed: float | None = None
    drained: float | None = None


async def wait_for_run(
    dsn: str,
    platform: PlatformSettings,
    process: subprocess.Popen[bytes],
    url: str,
    started: float,
    limit: float,
) -> Progress:
    """Poll readiness, the day's row, the group's lag and the outbox until all are done (bounded)."""
    progress = Progress()
    bus = KafkaBus(platform, client_id="dunning-bench-watch")
    await bus.start()
    connection = await asyncpg.connect(dsn)
    group = platform.topic_prefix + "dunning-service"
    try:
        async with httpx.AsyncClient(timeout=2) as client:
            while time.perf_counter() - started < limit:
                if process.poll() is not None:
                    raise SystemExit("dunning-service exited during the run")
                now = time.perf_counter() - started
                if progress.ready is None:
                    try:
                        if (await client.get(f"{url}/readyz")).status_code == 200:
                            progress.ready = now
                    except httpx.TransportError:
                        pass
                else:
                    status = await connection.fetchval(
                        "SELECT status FROM business_days WHERE business_date = $1", BUSINESS_DATE
                    )
                    if progress.evaluated is None and status == "finished":
                        progress.evaluated = now
                    if (
                        progress.consumed is None
                        and await bus.lag(group, [platform.topic(topics.LEDGER)]) == 0
                    ):
                        progress.consumed = now
                    if progress.evaluated is not None and progress.consumed is not None:
                        pending = await connection.fetchval(
                            "SELECT count(*) FROM outbox WHERE published_at IS NULL"
                        )
                        if pending == 0:
                            progress.drained = time.perf_counter() - started
                            return progress
                await asyncio.sleep(0.25)  # polling the service's progress, bounded by `limit`
    finally:
        await connection.close()
        await bus.stop()
    raise SystemExit(f"dunning did not finish the day within {limit:.0f} s: {progress}")


async def outcome(dsn: str) -> dict[str, Any]:
    connection = await asyncpg.connect(dsn)
    try:
        stages = await connection.fetch(
            "SELECT policy_id, stage, count(*) AS n FROM stage_reached WHERE reached_on = $1"
            " GROUP BY policy_id, stage ORDER BY policy_id, min(stage_position)",
            BUSINESS_DATE,
        )
        events = await connection.fetch(
            'SELECT substring(headers from \'"ce_type", "([A-Za-z]+)"\') AS type, count(*) AS n'
            " FROM outbox GROUP BY 1 ORDER BY 1"
        )
        cases = await connection.fetchval(
            "SELECT count(*) FROM collection_cases WHERE opened_on = $1", BUSINESS_DATE
        )
        return {
            "stages": [(r["policy_id"], r["stage"], r["n"]) for r in stages],
            "events": {r["type"]: r["n"] for r in events},
            "cases_opened": cases,
        }
    finally:
        await connection.close()


BASELINE_SQL = """
INSERT INTO bench_baseline_stage (invoice_number, customer_id, stage)
SELECT invoice_number, customer_id,
       CASE WHEN $1::date - due_date >= 90 AND outstanding >= 250 THEN 'agency_handover'
            WHEN $1::date - due_date >= 60 AND outstanding >= 250 THEN 'lawyer_letter'
            WHEN $1::date - due_date >= 30 THEN 'final_notice'
            WHEN $1::date - due_date >= 15 THEN 'formal_demand'
            WHEN $1::date - due_date >= 7 THEN 'reminder_2'
            ELSE 'reminder_1' END
FROM watched_invoices WHERE status = 'open' AND outstanding > 0 AND due_date < $1::date
"""


async def baseline(dsn: str) -> float:
    """Seconds of one set-based statement working out the stage of every overdue invoice."""
    connection = await asyncpg.connect(dsn)
    try:
        await connection.execute(
            "CREATE TABLE bench_baseline_stage (invoice_number text, customer_id text, stage text)"
        )
        started = time.perf_counter()
        await connection.execute(BASELINE_SQL, BUSINESS_DATE)
        return time.perf_counter() - started
    finally:
        await connection.close()


def start_dunning(
    dsn: str, platform: PlatformSettings, log_path: Path, processes: int
) -> tuple[subprocess.Popen[bytes], str, Any]:
    port = free_port()
    env = {
        **os.environ,
        "ARFLOW_MODE": "distributed",
        "ARFLOW_LOG_LEVEL": "WARNING",
        "ARFLOW_API_KEYS": f"bench {API_KEY} *",
        "ARFLOW_KAFKA_BOOTSTRAP_SERVERS": platform.kafka_bootstrap_servers,
        "ARFLOW_TOPIC_PREFIX": platform.topic_prefix,
        "DUNNING_DATABASE_URL": dsn.replace("postgresql://", "postgresql+asyncpg://"),
        # The relay publishes bigger batches than the default 500: a close asks for hundreds of
        # thousands of messages, and each batch is one round of sends and one UPDATE.
        "DUNNING_OUTBOX_BATCH_SIZE": "5000",
        "DUNNING_PROCESSES": str(processes),
        "DUNNING_PORT": str(port),
        "DUNNING_HOST": "127.0.0.1",
    }
    log = open(log_path, "wb")  # noqa: SIM115  (closed by the caller)
    process = subprocess.Popen(
        [sys.executable, "-m", "arflow_cli.main", "serve", "dunning-service"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    return process, f"http://127.0.0.1:{port}", log


async def run(args: argparse.Namespace) -> dict[str, Any]:
    customers = args.customers or (10_000 if args.quick else 100_000)
    started = time.perf_counter()
    data = build_dataset(customers)
    print(
        f"built {len(data.invoices):,} invoices of {customers:,} customers, {len(data.overdue):,} overdue"
        f" ({time.perf_counter() - started:.1f} s)",
        flush=True,
    )
    platform = PlatformSettings(
        mode="distributed",
        kafka_bootstrap_servers=args.kafka,
        topic_prefix=f"bench{uuid.uuid4().hex[:8]}.",
    )
    async with throwaway_database(args.postgres) as dsn:
        started = time.perf_counter()
        await load(dsn, data)
        print(f"loaded by COPY ({time.perf_counter() - started:.1f} s)", flush=True)
        published = await publish_day(platform, data)
        print(f"published {len(data.overdue) + 1:,} ledger events ({published:.1f} s)", flush=True)
        with tempfile.TemporaryDirectory(prefix="arflow-bench-") as directory:
            log_path = Path(directory) / "dunning-service.log"
            process, url, log = start_dunning(dsn, platform, log_path, args.processes)
            started = time.perf_counter()
            try:
                progress = await wait_for_run(dsn, platform, process, url, started, args.limit)
            except SystemExit:
                print(log_path.read_text()[-4000:], file=sys.stderr)
                raise
            finally:
                process.terminate()
                try:
                    process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    process.kill()
                log.close()
        figures = await outcome(dsn)
        base = await baseline(dsn)
    assert progress.drained is not None
    return {
        "customers": customers,
        "invoices": len(data.invoices),
        "overdue_events": len(data.overdue),
        "publish_seconds": round(published, 2),
        "progress": progress,
        "baseline": base,
        **figures,
    }


def report(result: dict[str, Any]) -> None:
    progress: Progress = result["progress"]
    print()
    print(
        f"dunning run over a day close: {result['invoices']:,} open invoices,"
        f" {result['customers']:,} customers,"
        f" {result['overdue_events']:,} InvoiceOverdue + 1 BusinessDayClosed"
    )
    rows = [
        ("service ready (process start → /readyz)", progress.ready),
        ("business day evaluated", progress.evaluated),
        ("ledger topic consumed (lag 0)", progress.consumed),
        ("outbox drained (total, the figure)", progress.drained),
        ("baseline: one INSERT … SELECT of the stages", result["baseline"]),
    ]
    for label, seconds in rows:
        print(f"  {label:<46} {seconds:>8.2f} s")
    print(f"  {'cases opened':<46} {result['cases_opened']:>8,}")
    print("  stages reached on the day:")
    for policy, stage, count in result["stages"]:
        print(f"    {policy:<10} {stage:<20} {count:>9,}")
    print("  events in dunning's outbox:")
    for event_type, count in result["events"].items():
        print(f"    {event_type:<31} {count:>9,}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a tenth: 100k invoices of 10k customers")
    parser.add_argument("--customers", type=int, help="customers (ten invoices each); overrides the size")
    parser.add_argument("--postgres", default="postgresql://arflow@127.0.0.1:55432", help="PostgreSQL server")
    parser.add_argument("--kafka", default="127.0.0.1:19092", help="Kafka bootstrap servers")
    parser.add_argument(
        "--limit", type=float, default=TIME_LIMIT_SECONDS, help="give up after this many seconds"
    )
    parser.add_argument("--results", type=Path, help="write the figure as JSON to this file")
    processes_argument(parser, "dunning-service", 1)
    args = parser.parse_args()
    result = asyncio.run(run(args))
    report(result)
    if args.results:
        figure = result["progress"].drained
        args.results.parent.mkdir(parents=True, exist_ok=True)
        args.results.write_text(
            json.dumps(
                {
                    "benchmarks": [
                        {
                            "name": "dunning_run_1m",
                            "figure": round(figure, 3),
                            "unit": "s",
                            "baseline": round(result["baseline"], 3),
                            "baseline_unit": "s",
                            "ratio": round(figure / result["baseline"], 1),
                            "params": {
                                "customers": result["customers"],
                                "invoices": result["invoices"],
                                "overdue_events": result["overdue_events"],
                                "quick": args.quick,
                                "database": "postgresql",
                                "bus": "kafka",
                                "processes": args.processes,
                                "ready_seconds": round(progress_or_zero(result["progress"].ready), 2),
                                "evaluated_seconds": round(progress_or_zero(result["progress"].evaluated), 2),
                                "consumed_seconds": round(progress_or_zero(result["progress"].consumed), 2),
                                "stages_reached": sum(n for _, _, n in result["stages"]),
                                "events_published": sum(result["events"].values()),
                            },
                        }
                    ]
                },
                indent=2,
            )
            + "\n"
        )


def progress_or_zero(value: float | None) -> float:
    return value or 0.0


if __name__ == "__main__":
    main()
