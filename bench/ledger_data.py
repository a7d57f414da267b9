"""What the ledger benchmarks share: a throw-away database, an invoice-service process, the data.

Each benchmark starts `arflow serve invoice-service` in distributed mode (PostgreSQL + Kafka)
on a fresh database and a unique topic prefix, loads invoices through POST /v1/invoice-imports,
and writes its figures as {"benchmarks": [...]} for the harness. Data is deterministic (seeded):
`count` open invoices of `customers` customers; `overdue_share` of them are past due at `as_of`
(due 1 to 400 days before it), the rest fall due within 60 days after it.
"""

import asyncio
import json
import os
import random
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import httpx

from arflow_cli.local import free_port
from arflow_runtime.outbox import RELAY_LOCK

API_KEY = "bench-key"
POSTGRES = os.environ.get("ARFLOW_BENCH_POSTGRES", "postgresql://arflow@127.0.0.1:55432")
KAFKA = os.environ.get("ARFLOW_BENCH_KAFKA", "127.0.0.1:19092")
AS_OF = date(2025, 6, 30)
"""The business day the benchmarks close and age (data is laid out around it)."""
FULL = {"invoices": 1_000_000, "customers": 100_000}
QUICK = {"invoices": 100_000, "customers": 10_000}
CSV_HEADER = b"invoice_number,customer_id,currency,amount,issue_date,due_date,salesperson_id\n"
CURRENCIES = ["EUR"] * 6 + ["USD"] * 3 + ["JPY"]


def size(quick: bool) -> dict[str, int]:
    """Invoices and customers at the chosen size (quick: a tenth)."""
    return QUICK if quick else FULL


def invoice_csv(count: int, customers: int, *, overdue_share: float = 0.2, seed: int = 7) -> bytes:
    """`count` invoices as the import's CSV; `overdue_share` of them past due at AS_OF."""
    rng = random.Random(seed)
    lines = [CSV_HEADER]
    overdue_every = round(1 / overdue_share) if overdue_share else 0
    for n in range(count):
        currency = CURRENCIES[n % len(CURRENCIES)]
        cents = rng.randrange(1_000, 5_000_000)
        amount = str(cents // 100 * 100) if currency == "JPY" else f"{cents // 100}.{cents % 100:02d}"
        if overdue_every and n % overdue_every == 0:
            due = AS_OF - timedelta(days=rng.randrange(1, 401))
        else:
            due = AS_OF + timedelta(days=rng.randrange(0, 61))
        issue = due - timedelta(days=60)
        lines.append(
            f"INV-{n:08d},C-{n % customers:06d},{currency},{amount},{issue},{due},S-{n % 50:02d}\n".encode()
        )
    return b"".join(lines)


def overdue_count(count: int, overdue_share: float = 0.2) -> int:
    """How many of `invoice_csv(count)`'s invoices are past due at AS_OF."""
    every = round(1 / overdue_share)
    return (count + every - 1) // every


async def chunks(data: bytes, size: int = 1 << 20) -> AsyncIterator[bytes]:
    """A body streamed in 1 MiB pieces."""
    for start in range(0, len(data), size):
        yield data[start : start + size]


@asynccontextmanager
async def throwaway_database(prefix: str) -> AsyncIterator[str]:
    """A fresh database on the benchmark PostgreSQL (asyncpg DSN), dropped afterwards."""
    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(f"{POSTGRES}/postgres")
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    try:
        yield f"{POSTGRES}/{name}"
    finally:
        admin = await asyncpg.connect(f"{POSTGRES}/postgres")
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await admin.close()


@contextmanager
def invoice_service(dsn: str, **settings: str) -> Iterator[str]:
    """invoice-service as its own process (distributed mode) on `dsn`; yields its base URL.

    `settings` are extra environment variables, e.g. INVOICE_OUTBOX_BATCH_SIZE="5000".
    """
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="arflow-bench-") as data_dir:
        env = {
            **os.environ,
            "ARFLOW_MODE": "distributed",
            "ARFLOW_DATA_DIR": data_dir,
            "ARFLOW_LOG_LEVEL": "WARNING",
            "ARFLOW_API_KEYS": f"bench {API_KEY} *",
            "ARFLOW_KAFKA_BOOTSTRAP_SERVERS": KAFKA,
            "ARFLOW_TOPIC_PREFIX": f"bench{uuid.uuid4().hex[:8]}.",
            "INVOICE_DATABASE_URL": dsn.replace("postgresql://", "postgresql+asyncpg://"),
            "INVOICE_DAY_CLOSE_SCHEDULE": "false",
            "INVOICE_HOST": "127.0.0.1",
            "INVOICE_PORT": str(port),
            **settings,
        }
        log_path = Path(data_dir) / "invoice-service.log"
        with open(log_path, "wb") as log:
            process = subprocess.Popen(
                [sys.executable, "-m", "arflow_cli.main", "serve", "invoice-service"],
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
            try:
                url = f"http://127.0.0.1:{port}"
                _wait_until_ready(url, process, log_path)
                yield url
            finally:
                process.terminate()
                try:
                    process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    process.kill()


def _wait_until_ready(url: str, process: subprocess.Popen[bytes], log: Path, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"invoice-service exited:\n{log.read_text()[-3000:]}")
        try:
            if httpx.get(f"{url}/readyz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)  # polling a starting process for readiness
    raise SystemExit(f"invoice-service not ready after {timeout}s:\n{log.read_text()[-3000:]}")


def client(url: str) -> httpx.AsyncClient:
    """An HTTP client with the benchmark key and no time limit on long requests."""
    return httpx.AsyncClient(base_url=url, headers={"Authorization": f"Bearer {API_KEY}"}, timeout=900)


async def import_invoices(http: httpx.AsyncClient, data: bytes) -> tuple[float, dict[str, Any]]:
    """POST the CSV to /v1/invoice-imports (streamed); seconds taken and the answer."""
    started = time.perf_counter()
    response = await http.post(
        "/v1/invoice-imports", content=chunks(data), headers={"Content-Type": "text/csv"}
    )
    elapsed = time.perf_counter() - started
    if response.status_code not in (200, 201):
        raise SystemExit(f"import failed: {response.status_code} {response.text[:2000]}")
    return elapsed, response.json()


async def mark_published(dsn: str) -> int:
    """Mark the loaded data's InvoiceIssued rows published, so later figures measure only their own events.

    In the relay's turn (its advisory lock), as the relays mark rows: the service's relay claims a
    batch by updating it, and the two updates locking the same rows in different orders deadlock.
    """
    connection = await asyncpg.connect(dsn)
    try:
        async with connection.transaction():
            await connection.execute("SELECT pg_advisory_xact_lock($1)", RELAY_LOCK)
            status = await connection.execute(
                "UPDATE outbox SET published_at = now() WHERE published_at IS NULL"
            )
        await connection.execute("VACUUM ANALYZE outbox")
        await connection.execute("VACUUM ANALYZE invoices")
        return int(status.split()[-1])
    finally:
        await connection.close()


async def wait_for(probe: Any, done: Any, timeout: float, what: str, interval: float = 0.05) -> float:
    """Poll `probe()` until `done(value)`; returns the monotonic time it became true."""
    deadline = time.monotonic() + timeout
    while True:
        value = await probe()
        if done(value):
            return time.monotonic()
        if time.monotonic() > deadline:
            raise SystemExit(f"timed out after {timeout}s waiting for {what} (last: {value})")
        await asyncio.sleep(interval)  # polling the database for a condition, with a deadline


@dataclass
class Figure:
    """One benchmark result in the harness's format."""

    name: str
    figure: float
    unit: str
    baseline: float
    baseline_unit: str
    params: dict[str, Any]

    def as_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "figure": round(self.figure, 4),
            "unit": self.unit,
            "baseline": round(self.baseline, 4),
            "baseline_unit": self.baseline_unit,
            "ratio": round(self.figure / self.baseline, 4) if self.baseline else None,
            "params": self.params,
        }


def report(figures: list[Figure], results: Path | None) -> None:
    """Print a table and, with --results, write {"benchmarks": [...]}."""
    print(f"{'benchmark':<24}{'figure':>16}  {'baseline':>16}  {'ratio':>8}")
    for f in figures:
        row = f.as_json()
        print(
            f"{f.name:<24}{f.figure:>12.3f} {f.unit:<4}{f.baseline:>12.3f} {f.baseline_unit:<4}"
            f"{row['ratio'] if row['ratio'] is not None else '-':>8}"
        )
        for key, value in f.params.items():
            print(f"    {key}: {value}")
    if results is not None:
        results.write_text(json.dumps({"benchmarks": [f.as_json() for f in figures]}, indent=2) + "\n")
