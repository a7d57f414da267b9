"""Latency of POST /v1/credit-checks at a fixed open-loop rate, against a credit-service on loopback.

    uv run python bench/credit_check.py                         # 500/s for 10 s, SQLite, own service
    uv run python bench/credit_check.py --rate 200 --seconds 20
    uv run python bench/credit_check.py --postgres postgresql+asyncpg://arflow@127.0.0.1:55432
    uv run python bench/credit_check.py --url http://127.0.0.1:8001 --api-key KEY   # a running service

Without --url it starts `arflow serve credit-service` (embedded mode: SQLite in a temporary
ARFLOW_DATA_DIR; with --postgres, a throw-away database on that server) as its own process,
seeds customers through PUT /v1/customers, and stops it at the end. Requests are sent on a fixed
schedule whatever the answers do (open loop), and each latency is measured from the moment its
request was due, so a slow service cannot hide its queue (no coordinated omission). Prints
p50/p90/p99/max; --json writes the figures to a file.
"""

import argparse
import asyncio
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import httpx

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


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


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


@contextmanager
def credit_service(database_url: str | None) -> Any:
    """Start credit-service as its own process on a free loopback port; yield its base URL."""
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="arflow-bench-") as data_dir:
        env = {
            **os.environ, "ARFLOW_MODE": "embedded", "ARFLOW_DATA_DIR": data_dir,
            "ARFLOW_LOG_LEVEL": "WARNING", "ARFLOW_API_KEYS": f"bench {API_KEY} *",
            "CREDIT_PORT": str(port), "CREDIT_HOST": "127.0.0.1",
        }
        if database_url:
            env["CREDIT_DATABASE_URL"] = database_url
        log = open(Path(data_dir) / "credit-service.log", "wb")  # noqa: SIM115  (closed below)
        process = subprocess.Popen([sys.executable, "-m", "arflow_cli.main", "serve", "credit-service"],
                                   env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            url = f"http://127.0.0.1:{port}"
            wait_until_ready(url, process, Path(data_dir) / "credit-service.log")
            yield url
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


async def open_loop(client: httpx.AsyncClient, customers: list[str], rate: float, seconds: float,
                    connections: int, drain: float = 60.0) -> tuple[list[float], int, Counter[str], float]:
    """Send rate x seconds checks on a fixed schedule; latencies in ms from each request's due time.

    A scheduler queues each request when it is due; `connections` senders take them in order. A
    request waiting for a free sender is late, and its latency says so. Requests unanswered
    `drain` seconds after the last was due count as failed (a saturated service would otherwise
    keep the run going for as long as its queue is).
    """
    total = int(rate * seconds)
    latencies: list[float] = []  # of every request that came back, successful or not
    decisions: Counter[str] = Counter()
    failed = 0  # transport errors and non-2xx answers
    run = uuid.uuid4().hex[:6]
    loop = asyncio.get_running_loop()
    start = loop.time() + 0.2
    due_requests: asyncio.Queue[tuple[int, float] | None] = asyncio.Queue()

    async def sender() -> None:
        nonlocal failed
        while (item := await due_requests.get()) is not None:
            index, due = item
            body = {"order_id": f"B-{run}-{index}", "customer_id": random.choice(customers),
                    "amount": f"{random.randint(100, 500_000) / 100:.2f}", "currency": "EUR"}
            try:
                response = await client.post("/v1/credit-checks", json=body)
            except httpx.HTTPError:
                failed += 1
                latencies.append((loop.time() - due) * 1000)
                continue
            latencies.append((loop.time() - due) * 1000)
            if response.status_code in (200, 201):
                decisions[response.json()["decision"]] += 1
            else:
                failed += 1

    senders = [asyncio.create_task(sender()) for _ in range(connections)]
    for index in range(total):
        due = start + index / rate
        delay = due - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)  # the open-loop schedule: queue each request when it is due
        due_requests.put_nowait((index, due))
    for _ in senders:
        due_requests.put_nowait(None)
    _, late = await asyncio.wait(senders, timeout=drain)
    for task in late:
        task.cancel()
    await asyncio.gather(*late, return_exceptions=True)
    failed += total - len(latencies)  # still queued or in flight when the drain ran out
    return latencies, failed, decisions, loop.time() - start


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))] if ordered else float("nan")


async def measure(url: str, api_key: str, args: argparse.Namespace) -> Figures:
    limits = httpx.Limits(max_connections=args.connections, max_keepalive_connections=args.connections)
    async with httpx.AsyncClient(base_url=url, headers={"Authorization": f"Bearer {api_key}"},
                                 limits=limits, timeout=60) as client:
        customers = [f"BENCH-{index:04d}" for index in range(args.customers)]
        await seed(client, customers)
        if args.warmup:
            await open_loop(client, customers, min(args.rate, 100), args.warmup, args.connections)
        latencies, failed, decisions, elapsed = await open_loop(
            client, customers, args.rate, args.seconds, args.connections, args.drain)
    sent = int(args.rate * args.seconds)
    return Figures(
        rate_per_second=args.rate, seconds=args.seconds, sent=sent, answered=sum(decisions.values()),
        failed=failed, achieved_per_second=round(sum(decisions.values()) / elapsed, 1),
        p50_ms=round(statistics.median(latencies), 2), p90_ms=round(percentile(latencies, 0.90), 2),
        p99_ms=round(percentile(latencies, 0.99), 2), max_ms=round(max(latencies), 2),
        decisions=dict(decisions), database=args.url or ("postgresql" if args.postgres else "sqlite"),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rate", type=float, default=500, help="requests per second (default 500)")
    parser.add_argument("--seconds", type=float, default=10, help="measured duration (default 10)")
    parser.add_argument("--warmup", type=float, default=2, help="warm-up seconds at up to 100/s (default 2)")
    parser.add_argument("--drain", type=float, default=60, help="seconds to wait for late answers")
    parser.add_argument("--customers", type=int, default=200, help="customers the checks spread over")
    parser.add_argument("--connections", type=int, default=64, help="HTTP connections (default 64)")
    parser.add_argument("--url", help="a running credit-service instead of starting one")
    parser.add_argument("--api-key", default=API_KEY, help="key with credit:check, credit:write (--url)")
    parser.add_argument("--postgres", help="server URL, e.g. postgresql+asyncpg://arflow@127.0.0.1:55432")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args()
    if args.url:
        figures = asyncio.run(measure(args.url, args.api_key, args))
    elif args.postgres:
        with throwaway_database(args.postgres) as database, credit_service(database) as url:
            figures = asyncio.run(measure(url, API_KEY, args))
    else:
        with credit_service(None) as url:
            figures = asyncio.run(measure(url, API_KEY, args))
    print(f"POST /v1/credit-checks, open loop at {figures.rate_per_second:g}/s for {figures.seconds:g}s "
          f"({figures.database}): sent {figures.sent}, answered {figures.answered}, "
          f"failed {figures.failed}, achieved {figures.achieved_per_second}/s")
    print(f"latency ms: p50 {figures.p50_ms}  p90 {figures.p90_ms}  p99 {figures.p99_ms}  "
          f"max {figures.max_ms}")
    print(f"decisions: {figures.decisions}")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(asdict(figures), indent=2) + "\n")


if __name__ == "__main__":
    main()
