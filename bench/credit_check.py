"""Latency of POST /v1/credit-checks at a fixed open-loop rate, against a credit-service on loopback.

    uv run python bench/credit_check.py                         # 500/s for 10 s, SQLite, own service
    uv run python bench/credit_check.py --rate 200 --seconds 20
    uv run python bench/credit_check.py --postgres postgresql+asyncpg://arflow@127.0.0.1:55432
    uv run python bench/credit_check.py --url http://127.0.0.1:8001 --api-key KEY   # a running service
    uv run python bench/credit_check.py --postgres URL --quick --results out.json   # for `make bench`

Without --url it starts `arflow serve credit-service` (embedded mode: SQLite in a temporary
ARFLOW_DATA_DIR; with --postgres, a throw-away database on that server) as its own process,
seeds customers through PUT /v1/customers, and stops it at the end. Requests are sent on a fixed
schedule whatever the answers do (open loop), and each latency is measured from the moment its
request was due, so a slow service cannot hide its queue (no coordinated omission). The requests
are prebuilt HTTP/1.1 written on plain keep-alive connections: on a 2-core machine httpx's own
work per request would be CPU taken from the service under test. Prints p50/p90/p99/max and the
service's CPU time per check (from /proc); --json writes the figures to a file.

With --postgres the same run first measures the database's own floor: a raw asyncpg single-row
SELECT (the customer's row) then single-row INSERT (the answer), offered open loop at the same
rate over the same number of senders sharing a pool as large as the service's, in the same
throw-away database. Its p99 is the baseline of --results (`make bench`'s format); --quick runs a
tenth of the duration (and warm-up) at the same rate.

The warm-up runs at the measured rate: the service's pool opens the connections that rate needs
there (each a new PostgreSQL process, its set-up queries and prepared statements), not in the
measured seconds. Warmed up at 100/s, the first 2-3 s at 500/s queued behind those openings and
set the p99 (330-520 ms in three runs, against 98 ms warmed up at 500/s).
"""

import argparse
import asyncio
import itertools
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
from harness import KAFKA, HttpConnection, cpu_seconds, load_average, serving_pids

from arflow_cli.local import free_port

API_KEY = "bench-key"


@dataclass
class Figures:
    rate_per_second: float
    seconds: float
    sent: int
    answered: int
    failed: int
    achieved_per_second: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float
    decisions: dict[str, int]
    database: str
    service_cpu_ms_per_check: float | None = None
    baseline_p50_ms: float | None = None
    baseline_p99_ms: float | None = None
    baseline_achieved_per_second: float | None = None
    load_average_before: list[float] | None = None
    load_average_after: list[float] | None = None


@contextmanager
def throwaway_database(server: str) -> Any:
    """A fresh PostgreSQL database on `server` (an async SQLAlchemy URL without a database), dropped after."""
    import asyncpg

    name = f"credit_bench_{uuid.uuid4().hex[:8]}"
    admin = server.replace("postgresql+asyncpg", "postgresql") + "/postgres"

    async def run(statement: str) -> None:
        connection = await asyncpg.connect(admin)
        try:
            await connection.execute(statement)
        finally:
            await connection.close()

    asyncio.run(run(f'CREATE DATABASE "{name}"'))
    try:
        yield f"{server}/{name}"
    finally:
        asyncio.run(run(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@dataclass
class Service:
    """A credit-service the benchmark talks to: its URL and, when it started it, its process id."""

    url: str
    pid: int | None = None


@contextmanager
def credit_service(database_url: str | None, processes: int = 1) -> Any:
    """Start credit-service on a free loopback port; yield it.

    One process in embedded mode; with several (CREDIT_PROCESSES, PostgreSQL only) in
    distributed mode on the benchmarks' Kafka, as several processes need.
    """
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="arflow-bench-") as data_dir:
        env = {
            **os.environ,
            "ARFLOW_MODE": "embedded",
            "ARFLOW_DATA_DIR": data_dir,
            "ARFLOW_LOG_LEVEL": "WARNING",
            "ARFLOW_API_KEYS": f"bench {API_KEY} *",
            "CREDIT_PORT": str(port),
            "CREDIT_HOST": "127.0.0.1",
            "CREDIT_PROCESSES": str(processes),
        }
        if database_url:
            env["CREDIT_DATABASE_URL"] = database_url
        if processes > 1:
            env["ARFLOW_MODE"] = "distributed"
            env["ARFLOW_KAFKA_BOOTSTRAP_SERVERS"] = KAFKA
            env["ARFLOW_TOPIC_PREFIX"] = f"benchcc{uuid.uuid4().hex[:6]}."
        log = open(Path(data_dir) / "credit-service.log", "wb")  # noqa: SIM115  (closed below)
        process = subprocess.Popen(
            [sys.executable, "-m", "arflow_cli.main", "serve", "credit-service"],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            url = f"http://127.0.0.1:{port}"
            wait_until_ready(url, process, Path(data_dir) / "credit-service.log")
            print(f"credit-service pid {serving_pids(process)} (for a profiler)", flush=True)
            yield Service(url, process.pid)
        finally:
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
            log.close()


def wait_until_ready(url: str, process: subprocess.Popen[bytes], log: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"credit-service exited:\n{log.read_text()[-3000:]}")
        try:
            if httpx.get(f"{url}/readyz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)  # polling a starting process for readiness
    raise SystemExit(f"credit-service not ready after {timeout}s")


async def seed(client: httpx.AsyncClient, customers: list[str]) -> None:
    """Give every customer a profile (and so a credit account and a first rating)."""
    for customer in customers:
        response = await client.put(f"/v1/customers/{customer}", json={"name": f"Bench customer {customer}"})
        response.raise_for_status()


Send = Callable[[int], Awaitable[str | None]]
"""Make request number `index`; its outcome (a decision), or None when it failed."""


async def open_loop(
    send: Send, rate: float, seconds: float, senders: int, drain: float = 60.0
) -> tuple[list[float], int, Counter[str], float]:
    """Make rate x seconds requests on a fixed schedule; latencies in ms from each request's due time.

    A scheduler queues each request when it is due; `senders` workers take them in order. A
    request waiting for a free worker is late, and its latency says so. Requests unanswered
    `drain` seconds after the last was due count as failed (a saturated service would otherwise
    keep the run going for as long as its queue is).
    """
    total = int(rate * seconds)
    latencies: list[float] = []  # of every request that came back, successful or not
    outcomes: Counter[str] = Counter()
    failed = 0  # transport errors and non-2xx answers
    loop = asyncio.get_running_loop()
    start = loop.time() + 0.2
    due_requests: asyncio.Queue[tuple[int, float] | None] = asyncio.Queue()

    async def worker() -> None:
        nonlocal failed
        while (item := await due_requests.get()) is not None:
            index, due = item
            try:
                outcome = await send(index)
            except (OSError, asyncio.IncompleteReadError, ConnectionError, asyncpg_errors()):
                outcome = None
            latencies.append((loop.time() - due) * 1000)
            if outcome is None:
                failed += 1
            else:
                outcomes[outcome] += 1

    workers = [asyncio.create_task(worker()) for _ in range(senders)]
    for index in range(total):
        due = start + index / rate
        delay = due - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)  # the open-loop schedule: queue each request when it is due
        due_requests.put_nowait((index, due))
    for _ in workers:
        due_requests.put_nowait(None)
    _, late = await asyncio.wait(workers, timeout=drain)
    for task in late:
        task.cancel()
    await asyncio.gather(*late, return_exceptions=True)
    failed += total - len(latencies)  # still queued or in flight when the drain ran out
    return latencies, failed, outcomes, loop.time() - start


def asyncpg_errors() -> type[Exception]:
    import asyncpg

    return asyncpg.PostgresError  # type: ignore[no-any-return]


def check_sender(
    url: str, api_key: str, customers: list[str], senders: int
) -> tuple[Send, Callable[[], None]]:
    """Credit checks over `senders` connections (one per worker at a time); and how to close them."""
    run = uuid.uuid4().hex[:6]
    numbers = itertools.count()  # order ids stay unique across the warm-up and the measured run
    host, _, port = url.removeprefix("http://").partition(":")
    idle = [HttpConnection(host, int(port), {"Authorization": f"Bearer {api_key}"}) for _ in range(senders)]
    every = list(idle)

    async def send(_: int) -> str | None:
        connection = idle.pop()
        try:
            body = json.dumps(
                {
                    "order_id": f"B-{run}-{next(numbers)}",
                    "customer_id": random.choice(customers),
                    "amount": f"{random.randint(100, 500_000) / 100:.2f}",
                    "currency": "EUR",
                }
            ).encode()
            status, answer = await connection.request("POST", "/v1/credit-checks", body)
        finally:
            idle.append(connection)
        return str(json.loads(answer)["decision"]) if status in (200, 201) else None

    def close() -> None:
        for connection in every:
            connection.close()

    return send, close


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))] if ordered else float("nan")


async def measure(service: Service, api_key: str, args: argparse.Namespace) -> Figures:
    async with httpx.AsyncClient(
        base_url=service.url, headers={"Authorization": f"Bearer {api_key}"}, timeout=60
    ) as client:
        customers = [f"BENCH-{index:04d}" for index in range(args.customers)]
        await seed(client, customers)
    send, close = check_sender(service.url, api_key, customers, args.connections)
    try:
        if args.warmup:
            await open_loop(send, args.rate, args.warmup, args.connections)
        load_before = load_average()
        cpu_before = cpu_seconds(service.pid) if service.pid else 0.0
        latencies, failed, decisions, elapsed = await open_loop(
            send, args.rate, args.seconds, args.connections, args.drain
        )
        cpu_used = cpu_seconds(service.pid) - cpu_before if service.pid else None
    finally:
        close()
    sent = int(args.rate * args.seconds)
    answered = sum(decisions.values())
    return Figures(
        rate_per_second=args.rate,
        seconds=args.seconds,
        sent=sent,
        answered=answered,
        failed=failed,
        achieved_per_second=round(answered / elapsed, 1),
        p50_ms=round(statistics.median(latencies), 2),
        p90_ms=round(percentile(latencies, 0.90), 2),
        p99_ms=round(percentile(latencies, 0.99), 2),
        max_ms=round(max(latencies), 2),
        decisions=dict(decisions),
        database=args.url or ("postgresql" if args.postgres else "sqlite"),
        service_cpu_ms_per_check=round(cpu_used * 1000 / answered, 2) if cpu_used and answered else None,
        load_average_before=load_before,
        load_average_after=load_average(),
    )


SERVICE_POOL = 30
"""Connections credit-service's engine may open (arflow_runtime.db: pool 10 + overflow 20)."""


async def database_floor(database_url: str, args: argparse.Namespace) -> tuple[float, float, float]:
    """p50, p99 and achieved rate of raw asyncpg SELECT-one-row + INSERT-one-row at the check rate."""
    import asyncpg

    dsn = database_url.replace("postgresql+asyncpg", "postgresql")
    setup = await asyncpg.connect(dsn)
    try:
        await setup.execute(
            "CREATE TABLE floor_accounts (customer_id varchar(128) PRIMARY KEY, credit_limit numeric(19,4));"
            "CREATE TABLE floor_checks (order_id varchar(128) PRIMARY KEY, customer_id varchar(128), "
            "amount numeric(19,4));"
        )
        customers = [f"BENCH-{index:04d}" for index in range(args.customers)]
        await setup.executemany(
            "INSERT INTO floor_accounts VALUES ($1, 10000)", [(customer,) for customer in customers]
        )
    finally:
        await setup.close()
    pool = await asyncpg.create_pool(dsn, min_size=min(10, SERVICE_POOL), max_size=SERVICE_POOL)
    run = uuid.uuid4().hex[:6]
    numbers = itertools.count()

    async def send(_: int) -> str | None:
        customer = random.choice(customers)
        async with pool.acquire() as connection:
            await connection.fetchrow(
                "SELECT credit_limit FROM floor_accounts WHERE customer_id = $1", customer
            )
            await connection.execute(
                "INSERT INTO floor_checks VALUES ($1, $2, $3)",
                f"F-{run}-{next(numbers)}",
                customer,
                Decimal(random.randint(100, 500_000)) / 100,
            )
        return "done"

    try:
        if args.warmup:
            await open_loop(send, args.rate, args.warmup, args.connections)
        latencies, _, outcomes, elapsed = await open_loop(
            send, args.rate, args.seconds, args.connections, args.drain
        )
    finally:
        await pool.close()
    return (
        round(statistics.median(latencies), 2),
        round(percentile(latencies, 0.99), 2),
        round(sum(outcomes.values()) / elapsed, 1),
    )


def results_document(figures: Figures, args: argparse.Namespace) -> dict[str, Any]:
    """The figures in `make bench`'s format (docs/performance.md)."""
    baseline = figures.baseline_p99_ms
    return {
        "benchmarks": [
            {
                "name": "credit_check_p99",
                "figure": figures.p99_ms,
                "unit": "ms",
                "baseline": baseline,
                "baseline_unit": "ms",
                "ratio": round(figures.p99_ms / baseline, 3) if baseline else None,
                "params": {
                    "rate": figures.rate_per_second,
                    "seconds": figures.seconds,
                    "database": figures.database,
                    "p50_ms": figures.p50_ms,
                    "p90_ms": figures.p90_ms,
                    "max_ms": figures.max_ms,
                    "achieved_per_second": figures.achieved_per_second,
                    "sent": figures.sent,
                    "failed": figures.failed,
                    "decisions": figures.decisions,
                    "connections": args.connections,
                    "processes": args.processes,
                    "customers": args.customers,
                    "quick": args.quick,
                    "service_cpu_ms_per_check": figures.service_cpu_ms_per_check,
                    "load_average_before": figures.load_average_before,
                    "load_average_after": figures.load_average_after,
                    "baseline": {
                        "what": "raw asyncpg SELECT one row + INSERT one row, open loop at the same rate",
                        "p50_ms": figures.baseline_p50_ms,
                        "p99_ms": figures.baseline_p99_ms,
                        "achieved_per_second": figures.baseline_achieved_per_second,
                        "pool": SERVICE_POOL,
                    },
                },
            }
        ]
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rate", type=float, default=500, help="requests per second (default 500)")
    parser.add_argument("--seconds", type=float, default=10, help="measured duration (default 10)")
    parser.add_argument(
        "--warmup", type=float, default=2, help="warm-up seconds at the measured rate (default 2)"
    )
    parser.add_argument("--drain", type=float, default=60, help="seconds to wait for late answers")
    parser.add_argument("--customers", type=int, default=200, help="customers the checks spread over")
    parser.add_argument("--connections", type=int, default=64, help="HTTP connections (default 64)")
    parser.add_argument("--url", help="a running credit-service instead of starting one")
    parser.add_argument("--api-key", default=API_KEY, help="key with credit:check, credit:write (--url)")
    parser.add_argument("--postgres", help="server URL, e.g. postgresql+asyncpg://arflow@127.0.0.1:55432")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.add_argument(
        "--results", type=Path, help="write the figures in `make bench`'s format to this file"
    )
    parser.add_argument("--quick", action="store_true", help="a tenth of the duration and warm-up, same rate")
    parser.add_argument(
        "--processes",
        type=int,
        default=1,
        help="CREDIT_PROCESSES of the service started (several: distributed mode, needs --postgres)",
    )
    args = parser.parse_args()
    if args.processes > 1 and not args.postgres:
        parser.error("--processes above 1 needs --postgres (several processes share PostgreSQL and Kafka)")
    if args.quick:
        args.seconds, args.warmup = args.seconds / 10, args.warmup / 10
    if args.url:
        figures = asyncio.run(measure(Service(args.url), args.api_key, args))
    elif args.postgres:
        with throwaway_database(args.postgres) as database:
            floor = asyncio.run(database_floor(database, args))
            with credit_service(database, args.processes) as service:
                figures = asyncio.run(measure(service, API_KEY, args))
        figures.baseline_p50_ms, figures.baseline_p99_ms, figures.baseline_achieved_per_second = floor
    else:
        with credit_service(None) as service:
            figures = asyncio.run(measure(service, API_KEY, args))
    print(
        f"POST /v1/credit-checks, open loop at {figures.rate_per_second:g}/s for {figures.seconds:g}s "
        f"({figures.database}): sent {figures.sent}, answered {figures.answered}, "
        f"failed {figures.failed}, achieved {figures.achieved_per_second}/s"
    )
    print(
        f"latency ms: p50 {figures.p50_ms}  p90 {figures.p90_ms}  p99 {figures.p99_ms}  max {figures.max_ms}"
    )
    print(f"decisions: {figures.decisions}")
    print(
        f"service CPU per check: {figures.service_cpu_ms_per_check} ms; "
        f"load average {figures.load_average_before} -> {figures.load_average_after}"
    )
    if figures.baseline_p99_ms is not None:
        print(
            f"baseline (raw asyncpg SELECT+INSERT at the same rate): p50 {figures.baseline_p50_ms}  "
            f"p99 {figures.baseline_p99_ms} ms, achieved {figures.baseline_achieved_per_second}/s"
        )
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(asdict(figures), indent=2) + "\n")
    if args.results:
        args.results.parent.mkdir(parents=True, exist_ok=True)
        args.results.write_text(json.dumps(results_document(figures, args), indent=2) + "\n")


if __name__ == "__main__":
    main()
