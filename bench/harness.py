"""What the `make bench` scripts share: databases, service processes, an open-loop sender, results.

A benchmark script builds its figures as `Result`s and ends with `finish(args, results)`, which
prints them and, given `--results FILE`, writes `{"benchmarks": [...]}` there for bench/run.py.
`--quick` asks for a tenth of the size (shorter steps, fewer rows) — a smoke run, not a figure.
"""

import argparse
import asyncio
import json
import math
import os
import subprocess
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import asyncpg

from arflow_cli.local import SERVICES, ServiceProcess, free_port

POSTGRES = os.environ.get("ARFLOW_BENCH_POSTGRES", "postgresql+asyncpg://arflow@127.0.0.1:55432")
KAFKA = os.environ.get("ARFLOW_BENCH_KAFKA", "127.0.0.1:19092")
API_KEY = "bench-key"
READY_WITHIN = 120.0


@dataclass
class Result:
    """One row of bench/results/latest.json."""

    name: str
    figure: float
    unit: str
    baseline: float | None
    baseline_unit: str
    params: dict[str, Any] = field(default_factory=dict)

    @property
    def ratio(self) -> float | None:
        """figure ÷ baseline (for latencies: how many times the baseline's latency it is)."""
        if self.figure is None or not self.baseline or math.isnan(self.baseline) or math.isnan(self.figure):
            return None
        return round(self.figure / self.baseline, 4)

    def as_json(self) -> dict[str, Any]:
        """The entry as latest.json has it (NaN, which JSON lacks, becomes null)."""
        entry = asdict(self)
        return _no_nan(
            {
                "name": entry["name"],
                "figure": entry["figure"],
                "unit": entry["unit"],
                "baseline": entry["baseline"],
                "baseline_unit": entry["baseline_unit"],
                "ratio": self.ratio,
                "params": entry["params"],
            }
        )


def _no_nan(value: Any) -> Any:
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, dict):
        return {key: _no_nan(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_no_nan(item) for item in value]
    return value


def arguments(description: str) -> argparse.ArgumentParser:
    """The options every benchmark takes; scripts add their own."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--results", type=Path, help="write {'benchmarks': [...]} to this JSON file")
    parser.add_argument("--quick", action="store_true", help="a tenth of the size (a smoke run)")
    return parser


def finish(args: argparse.Namespace, results: list[Result]) -> None:
    """Print the figures and write them where bench/run.py asked."""
    for result in results:
        baseline = "—" if result.baseline is None else f"{result.baseline:g} {result.baseline_unit}"
        print(f"{result.name}: {result.figure:g} {result.unit} (baseline {baseline}, ratio {result.ratio})")
    if args.results:
        args.results.parent.mkdir(parents=True, exist_ok=True)
        document = {"benchmarks": [result.as_json() for result in results]}
        args.results.write_text(json.dumps(document, indent=2) + "\n")


def percentile(values: list[float], share: float) -> float:
    """The nearest-rank percentile (share in 0..1); NaN for no values."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(share * len(ordered)) - 1))]


def dsn(url: str) -> str:
    """An asyncpg DSN from an async SQLAlchemy URL."""
    return url.replace("postgresql+asyncpg", "postgresql")


def unique_name(what: str) -> str:
    return f"bench_{what}_{uuid.uuid4().hex[:8]}"


@asynccontextmanager
async def throwaway_database(what: str) -> AsyncIterator[str]:
    """A fresh PostgreSQL database (its SQLAlchemy URL), dropped afterwards whatever happens."""
    name = unique_name(what)
    admin = await asyncpg.connect(dsn(POSTGRES) + "/postgres")
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    try:
        yield f"{POSTGRES}/{name}"
    finally:
        admin = await asyncpg.connect(dsn(POSTGRES) + "/postgres")
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await admin.close()


@asynccontextmanager
async def distributed_service(
    name: str,
    database_url: str,
    topic_prefix: str,
    workdir: Path,
    extra_env: dict[str, str] | None = None,
    processes: int = 1,
) -> AsyncIterator[ServiceProcess]:
    """`arflow serve NAME` in distributed mode (PostgreSQL + Kafka), ready; `processes` on its port."""
    env_prefix, _ = SERVICES[name]
    env = {
        **os.environ,
        "ARFLOW_MODE": "distributed",
        "ARFLOW_KAFKA_BOOTSTRAP_SERVERS": KAFKA,
        "ARFLOW_TOPIC_PREFIX": topic_prefix,
        "ARFLOW_API_KEYS": f"bench {API_KEY} *",
        "ARFLOW_LOG_LEVEL": "WARNING",
        f"{env_prefix}_DATABASE_URL": database_url,
        f"{env_prefix}_HOST": "127.0.0.1",
        f"{env_prefix}_PROCESSES": str(processes),
        **(extra_env or {}),
    }
    port = free_port()
    env[f"{env_prefix}_PORT"] = str(port)
    service = ServiceProcess(name, env, port, database_url, workdir / f"{name}.log", API_KEY)
    try:
        await service.start(ready_within=READY_WITHIN)
        yield service
    finally:
        service.terminate()
        await service.client.aclose()


def _stat(pid: int) -> list[str]:
    return Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()


def descendants(pid: int) -> list[int]:
    """The processes a process started, and theirs (a service run as several processes)."""
    parents: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parents.setdefault(int(_stat(int(entry.name))[1]), []).append(int(entry.name))
            except (OSError, IndexError):
                continue  # ended while we looked
    found, todo = [], list(parents.get(pid, []))
    while todo:
        child = todo.pop()
        found.append(child)
        todo.extend(parents.get(child, []))
    return found


def serving_pids(process: "subprocess.Popen[bytes] | None") -> str:
    """The process ids serving a service started as `process` (the processes it started, or itself)."""
    if process is None:
        return "?"
    return " ".join(map(str, descendants(process.pid) or [process.pid]))


def processes_argument(parser: argparse.ArgumentParser, service: str, default: int) -> None:
    """--processes: how many processes serve the service under test on its port."""
    parser.add_argument(
        "--processes",
        type=int,
        default=default,
        help=f"processes serving {service} on its port (<SERVICE>_PROCESSES; default {default})",
    )


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) a process and the processes it started have used so far, from /proc."""
    total = 0
    for process in [pid, *descendants(pid)]:
        try:
            fields = _stat(process)
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def load_average() -> list[float]:
    return [round(value, 2) for value in os.getloadavg()]


class HttpConnection:
    """One keep-alive HTTP/1.1 connection on loopback, as little client work per request as possible.

    The load generator shares the machine with the service: httpx's per-request work would be
    CPU taken from the service under test, so the sender writes prebuilt requests itself.
    """

    def __init__(self, host: str, port: int, headers: dict[str, str]) -> None:
        self._host, self._port = host, port
        self._fixed = "".join(f"{k}: {v}\r\n" for k, v in {"Host": f"{host}:{port}", **headers}.items())
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None

    async def request(self, method: str, path: str, body: bytes = b"") -> tuple[int, bytes]:
        """Send one request and read its whole answer: (status, body).

        A kept-alive connection the server closed while idle (uvicorn does after 5 s) fails before
        any answer: then the request goes once more on a new connection, as HTTP clients do.
        """
        head = (
            f"{method} {path} HTTP/1.1\r\n{self._fixed}Content-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\n\r\n"
        ).encode() + body
        reused = self._writer is not None and not self._writer.is_closing()
        if reused and self._reader is not None and self._reader.at_eof():
            self.close()
            reused = False
        try:
            return await self._exchange(head)
        except (ConnectionError, asyncio.IncompleteReadError):
            if not reused:
                raise
        return await self._exchange(head)

    async def _exchange(self, head: bytes) -> tuple[int, bytes]:
        if self._writer is None or self._writer.is_closing():
            self._reader, self._writer = await asyncio.open_connection(self._host, self._port)
        assert self._reader is not None
        self._writer.write(head)
        try:
            return await self._answer(self._reader)
        except BaseException:
            self.close()  # a half-read answer leaves the connection unusable
            raise

    async def _answer(self, reader: asyncio.StreamReader) -> tuple[int, bytes]:
        status_line = await reader.readline()
        if not status_line:
            raise ConnectionError("the server closed the connection")
        status = int(status_line.split()[1])
        length, chunked, close = 0, False, False
        while (line := await reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.partition(b":")
            name = name.strip().lower()
            if name == b"content-length":
                length = int(value)
            elif name == b"transfer-encoding":
                chunked = b"chunked" in value.lower()
            elif name == b"connection":
                close = b"close" in value.lower()
        if chunked:
            parts = []
            while size := int((await reader.readline()).split(b";")[0], 16):
                parts.append(await reader.readexactly(size))
                await reader.readexactly(2)
            await reader.readline()
            body = b"".join(parts)
        else:
            body = await reader.readexactly(length)
        if close:
            self.close()
        return status, body

    def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
            self._writer = None


@dataclass
class LoadFigures:
    """What one open-loop run saw."""

    rate: float
    seconds: float
    sent: int
    ok: int
    failed: int
    elapsed: float
    latencies_ms: list[float]
    failures: dict[str, int]

    @property
    def achieved(self) -> float:
        return self.ok / self.elapsed if self.elapsed else 0.0

    def summary(self) -> dict[str, Any]:
        return {
            "offered_per_s": self.rate,
            "seconds": self.seconds,
            "sent": self.sent,
            "ok": self.ok,
            "failed": self.failed,
            "achieved_per_s": round(self.achieved, 1),
            "p50_ms": round(percentile(self.latencies_ms, 0.50), 2),
            "p99_ms": round(percentile(self.latencies_ms, 0.99), 2),
            "max_ms": round(max(self.latencies_ms, default=float("nan")), 2),
            "failures": self.failures,
        }


Send = Callable[[int, Any], Awaitable[str | None]]
"""send(index, worker_state) → None when it succeeded, else why not; the worker state is what
`open_worker` gave that worker (closed at the end if it has a close())."""


async def open_loop(
    rate: float,
    seconds: float,
    send: Send,
    workers: int,
    open_worker: Callable[[], Any] = lambda: None,
    drain: float = 30.0,
    first_index: int = 0,
) -> LoadFigures:
    """Issue rate × seconds operations on a fixed schedule; latencies in ms from when each was due.

    The schedule queues each operation when it is due whatever the answers do; `workers` senders
    take them in order. An operation waiting for a free worker is already late, and its latency
    says so (no coordinated omission). Operations unanswered `drain` seconds after the last was due
    count as failed, so a saturated target cannot stretch a run without limit.
    """
    total = int(rate * seconds)
    latencies: list[float] = []
    failures: dict[str, int] = {}
    answered = 0
    loop = asyncio.get_running_loop()
    start = loop.time() + 0.05
    due_queue: asyncio.Queue[tuple[int, float] | None] = asyncio.Queue()

    async def worker() -> None:
        nonlocal answered
        state = open_worker()
        try:
            while (item := await due_queue.get()) is not None:
                index, due = item
                try:
                    failure = await send(first_index + index, state)
                except (OSError, asyncio.IncompleteReadError, ValueError, asyncpg.PostgresError) as error:
                    failure = type(error).__name__
                latencies.append((loop.time() - due) * 1000)
                answered += 1
                if failure is not None:
                    failures[failure] = failures.get(failure, 0) + 1
        finally:
            if callable(close := getattr(state, "close", None)):
                close()

    tasks = [asyncio.create_task(worker()) for _ in range(workers)]
    for index in range(total):
        due = start + index / rate
        delay = due - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)  # the schedule itself: each operation is queued when due
        due_queue.put_nowait((index, due))
    for _ in tasks:
        due_queue.put_nowait(None)
    _, late = await asyncio.wait(tasks, timeout=drain)
    for task in late:
        task.cancel()
    await asyncio.gather(*late, return_exceptions=True)
    elapsed = loop.time() - start
    if total > answered:
        failures["unanswered"] = total - answered
    failed = sum(failures.values())
    return LoadFigures(rate, seconds, total, total - failed, failed, elapsed, latencies, failures)


def http_sender(service: ServiceProcess, path: str, body_for: Callable[[int], bytes]) -> tuple[Send, Any]:
    """A `send` that POSTs body_for(index) to path and wants a 2xx; plus the worker factory."""

    async def send(index: int, connection: HttpConnection) -> str | None:
        status, _ = await connection.request("POST", path, body_for(index))
        return None if 200 <= status < 300 else f"HTTP {status}"

    def open_worker() -> HttpConnection:
        return HttpConnection("127.0.0.1", service.port, {"Authorization": f"Bearer {API_KEY}"})

    return send, open_worker
