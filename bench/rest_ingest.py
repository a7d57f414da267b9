"""REST ingest: POST /v1/invoices open loop at stepped rates against invoice-service on PostgreSQL + Kafka.

    uv run python bench/rest_ingest.py                  # steps of 10 s from 100/s up
    uv run python bench/rest_ingest.py --quick          # steps of 2 s
    uv run python bench/rest_ingest.py --rates 200,300 --seconds 20 --keep-going

It starts invoice-service as its own process in distributed mode (a throw-away PostgreSQL
database, a unique topic prefix on the real Kafka), then offers invoices on a fixed schedule at
each rate in turn and stops at the first rate whose p99 exceeds 50 ms (or that loses a request);
between two such rates it tries the midpoint once. Latency is measured from when each request
was due, so queueing shows. Figures:

- rest_ingest: the highest rate held (invoices/s); baseline: the same rows (every row the service
  wrote per invoice: the invoice and its outbox event) inserted with raw asyncpg into copies of
  those tables (same columns and indexes), one transaction per invoice, as fast as 16
  connections go.
- rest_ingest_p99: p99 at that rate (ms); baseline: the p99 of those raw inserts offered open loop
  at the same rate.
"""

import asyncio
import json
import random
import tempfile
import uuid
from pathlib import Path
from typing import Any

import asyncpg
from harness import (
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
    processes_argument,
    serving_pids,
    throwaway_database,
)

P99_LIMIT_MS = 50.0
RATES = (100, 250, 400, 500, 600, 750, 1000, 1500, 2000, 3000, 4000)
CUSTOMERS = 1000
CONNECTIONS = 64
BASELINE_CONNECTIONS = 16
SKIPPED_TABLES = {"alembic_version"}


def invoice_body(run: str, index: int) -> bytes:
    """A plain invoice as an ERP posts it: number, customer, EUR amount, issue and due date."""
    cents = random.Random(index).randint(1_000, 5_000_000)
    return json.dumps(
        {
            "invoice_number": f"RI-{run}-{index:07d}",
            "customer_id": f"C-{index % CUSTOMERS:05d}",
            "currency": "EUR",
            "amount": f"{cents // 100}.{cents % 100:02d}",
            "issue_date": "2024-03-01",
            "due_date": "2024-03-31",
        }
    ).encode()


def held(figures: LoadFigures) -> bool:
    return figures.failed == 0 and float(figures.summary()["p99_ms"]) <= P99_LIMIT_MS


async def ledger_at_rest(database_url: str, invoices: int, timeout: float = 120.0) -> bool:
    """Wait until `invoices` are stored and every event is published (each step starts from rest).

    After a saturated step the service is still working through requests the client gave up on;
    the next step must not start on top of them. False if that did not happen within the timeout.
    """
    connection = await asyncpg.connect(dsn(database_url))
    try:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        query = (
            "SELECT (SELECT count(*) FROM invoices) >= $1 "
            "AND NOT EXISTS (SELECT 1 FROM outbox WHERE published_at IS NULL)"
        )
        while not await connection.fetchval(query, invoices):
            if loop.time() > deadline:
                return False
            await asyncio.sleep(0.1)  # polling interval of a bounded wait on the service
        return True
    finally:
        await connection.close()


async def step_rates(
    send: Any, open_worker: Any, args: Any, database_url: str, pid: int, stored: int
) -> tuple[list[LoadFigures], list[dict[str, Any]]]:
    """Run the rate steps; stop after the first that does not hold (unless --keep-going)."""
    steps: list[LoadFigures] = []
    summaries: list[dict[str, Any]] = []
    next_index = 0

    async def run(rate: float) -> LoadFigures:
        nonlocal next_index, stored
        cpu_before = cpu_seconds(pid)
        figures = await open_loop(rate, args.seconds, send, CONNECTIONS, open_worker, first_index=next_index)
        cpu_during = cpu_seconds(pid) - cpu_before
        next_index += figures.sent
        steps.append(figures)
        # What the service refused (an HTTP error) is not stored; whatever else was sent will be.
        stored_now = figures.sent - sum(n for why, n in figures.failures.items() if why.startswith("HTTP"))
        stored += stored_now
        settled = await ledger_at_rest(database_url, stored)
        # CPU the service process spent per invoice (until it was at rest again): the figure the
        # machine's load changes least.
        cpu_per_invoice = (cpu_seconds(pid) - cpu_before) * 1000 / max(1, stored_now)
        summaries.append(
            figures.summary()
            | {
                "held": held(figures),
                "settled": settled,
                "load_average": load_average(),
                "service_cpu_ms_per_invoice": round(cpu_per_invoice, 2),
                "service_cpu_share": round(cpu_during / figures.elapsed, 2),
            }
        )
        print(f"  {rate:g}/s: {summaries[-1]}", flush=True)
        return figures

    rates = [float(r) for r in args.rates.split(",")] if args.rates else list(RATES)
    best: float | None = None
    for rate in rates:
        if held(await run(rate)):
            best = rate
            continue
        if args.keep_going:
            continue
        if best is None:  # even the first rate is too much: halve until one holds
            lower = rate / 2
            while lower >= 10 and not held(await run(lower)):
                lower /= 2
        elif not args.quick:
            middle = round((best + rate) / 2)
            if middle not in (best, rate):
                await run(middle)
        break
    return steps, summaries


async def table_counts(connection: asyncpg.Connection) -> dict[str, int]:
    """Row counts of every table with rows; those with one row per invoice make the baseline."""
    tables = await connection.fetch(
        "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"
    )
    counts = {}
    for row in tables:
        if row["tablename"] not in SKIPPED_TABLES:
            counts[row["tablename"]] = await connection.fetchval(f'SELECT count(*) FROM "{row["tablename"]}"')
    return {name: count for name, count in counts.items() if count}


def _columns(row: asyncpg.Record) -> str:
    return ", ".join(f'"{column}"' for column in row.keys())


class RawInserts:
    """The rows invoice-service wrote, inserted again into copies of its tables with plain asyncpg."""

    def __init__(self, tables: list[str], rows: dict[str, list[asyncpg.Record]]) -> None:
        self.tables = tables
        self.rows = rows
        self.count = min(len(found) for found in rows.values())
        self.statements = {
            table: f'INSERT INTO "bench_copy_{table}" ({_columns(rows[table][0])}) '
            f"VALUES ({', '.join(f'${i}' for i in range(1, len(rows[table][0]) + 1))})"
            for table in tables
        }

    @classmethod
    async def capture(cls, connection: asyncpg.Connection, tables: list[str]) -> "RawInserts":
        rows = {}
        for table in tables:
            rows[table] = await connection.fetch(f'SELECT * FROM "{table}" ORDER BY 1')
            await connection.execute(f'CREATE TABLE "bench_copy_{table}" (LIKE "{table}" INCLUDING ALL)')
        return cls(tables, rows)

    async def insert(self, connection: asyncpg.Connection, index: int) -> None:
        """One invoice's rows in one transaction, as the service commits them."""
        async with connection.transaction():
            for table in self.tables:
                await connection.execute(self.statements[table], *self.rows[table][index].values())

    async def empty(self, connection: asyncpg.Connection) -> None:
        await connection.execute("TRUNCATE " + ", ".join(f'"bench_copy_{table}"' for table in self.tables))


async def raw_throughput(pool: asyncpg.Pool, raw: RawInserts, count: int) -> float:
    """Inserts per second (invoices' rows, one transaction each) with BASELINE_CONNECTIONS in parallel."""
    loop = asyncio.get_running_loop()

    async def share(start: int) -> None:
        async with pool.acquire() as connection:
            for index in range(start, count, BASELINE_CONNECTIONS):
                await raw.insert(connection, index)

    started = loop.time()
    await asyncio.gather(*(share(start) for start in range(BASELINE_CONNECTIONS)))
    return count / (loop.time() - started)


async def raw_open_loop(pool: asyncpg.Pool, raw: RawInserts, rate: float, seconds: float) -> LoadFigures:
    async def send(index: int, _: None) -> str | None:
        async with pool.acquire() as connection:
            await raw.insert(connection, index % raw.count)
        return None

    return await open_loop(rate, min(seconds, raw.count / rate), send, BASELINE_CONNECTIONS)


async def baseline(database_url: str, rate: float | None, seconds: float) -> dict[str, Any]:
    connection = await asyncpg.connect(dsn(database_url))
    try:
        counts = await table_counts(connection)
        tables = [name for name, count in counts.items() if count == counts["invoices"]]
        raw = await RawInserts.capture(connection, tables)
    finally:
        await connection.close()
    pool = await asyncpg.create_pool(
        dsn(database_url), min_size=BASELINE_CONNECTIONS, max_size=BASELINE_CONNECTIONS
    )
    try:
        per_second = await raw_throughput(pool, raw, raw.count)
        async with pool.acquire() as connection:
            await raw.empty(connection)
        at_rate = await raw_open_loop(pool, raw, rate, seconds) if rate else None
    finally:
        await pool.close()
    return {
        "tables": tables,
        "row_counts": counts,
        "rows_per_invoice": len(tables),
        "invoices": raw.count,
        "per_second": per_second,
        "at_rate": at_rate.summary() if at_rate else None,
    }


async def measure(args: Any) -> list[Result]:
    run = uuid.uuid4().hex[:6]
    with tempfile.TemporaryDirectory(prefix="arflow-bench-") as workdir:
        async with (
            throwaway_database("invoice") as database_url,
            distributed_service(
                "invoice-service", database_url, f"bench{run}.", Path(workdir), processes=args.processes
            ) as service,
        ):
            send, open_worker = http_sender(service, "/v1/invoices", lambda i: invoice_body(run, i))
            print(
                f"invoice-service pid {serving_pids(service.process)}; warming up; "
                f"load average {load_average()}",
                flush=True,
            )
            warm = await open_loop(50, 1 if args.quick else 3, send, 8, open_worker, first_index=10_000_000)
            if warm.failed:
                raise SystemExit(f"invoice-service refuses invoices: {warm.failures}; see {service.log_path}")
            assert service.process is not None
            steps, summaries = await step_rates(
                send, open_worker, args, database_url, service.process.pid, warm.ok
            )
            held_steps = [s for s in steps if held(s)]
            best = max(held_steps, key=lambda s: s.rate) if held_steps else None
            print("raw asyncpg baseline ...", flush=True)
            raw = await baseline(database_url, best.rate if best else None, args.seconds)
    params = {
        "p99_limit_ms": P99_LIMIT_MS,
        "step_seconds": args.seconds,
        "connections": CONNECTIONS,
        "customers": CUSTOMERS,
        "steps": summaries,
        "baseline": {key: raw[key] for key in ("tables", "rows_per_invoice", "invoices")}
        | {"connections": BASELINE_CONNECTIONS},
        "quick": args.quick,
        "service": f"invoice-service, {args.processes} process(es) on one port, PostgreSQL + Kafka",
        "processes": args.processes,
    }
    figure = best.rate if best else 0.0
    p99 = float(best.summary()["p99_ms"]) if best else float("nan")
    raw_p99 = float(raw["at_rate"]["p99_ms"]) if raw["at_rate"] else float("nan")
    return [
        Result(
            "rest_ingest",
            figure,
            "invoices/s",
            round(raw["per_second"], 1),
            "invoices/s (raw asyncpg)",
            params | {"p50_ms": best.summary()["p50_ms"] if best else None, "p99_ms": p99},
        ),
        Result(
            "rest_ingest_p99",
            p99,
            "ms",
            raw_p99,
            "ms (raw asyncpg at the same rate)",
            {"rate_per_s": figure, "baseline_at_rate": raw["at_rate"], "quick": args.quick},
        ),
    ]


def main() -> None:
    parser = arguments(__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, help="seconds per rate step (default 10, quick 2)")
    parser.add_argument("--rates", help="comma-separated rates instead of the default steps")
    parser.add_argument("--keep-going", action="store_true", help="run every rate, even after one fails")
    processes_argument(parser, "invoice-service", 1)
    args = parser.parse_args()
    args.seconds = args.seconds or (2.0 if args.quick else 10.0)
    finish(args, asyncio.run(measure(args)))


if __name__ == "__main__":
    main()
