"""`make bench`: run every benchmark, write bench/results/latest.json, print the figures and targets.

    uv run python bench/run.py                 # full size (make bench), under 20 minutes
    uv run python bench/run.py --quick         # a tenth of the size (make bench QUICK=1)
    uv run python bench/run.py --only rest_ingest.py,event_pipeline.py

Each script runs as its own process with `--results <file>` (and `--quick`); a script that fails
or overruns its time is reported as failed and the others still run; a script not written yet is
listed as missing. The exit status is non-zero when any script failed. A full run writes
bench/results/latest.json (committed: the figures of record); a quick run writes
bench/results/latest-quick.json, so a smoke run never replaces them.

The topics a script created under its `bench…` prefixes are deleted when it ends: a broker
holding thousands of partitions takes minutes to start (deploy/kafka.sh gives it 60 s).
"""

import argparse
import asyncio
import datetime
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.errors import KafkaError
from harness import KAFKA

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
SCRIPTS = (
    "rest_ingest.py",
    "bulk_import.py",
    "event_pipeline.py",
    "day_close.py",
    "dunning_run.py",
    "aging.py",
    "credit_check.py",
    "demo_replay.py",
)
SCRIPT_TIMEOUT = {"full": 900.0, "quick": 180.0}
POSTGRES_SERVER = os.environ.get("ARFLOW_BENCH_POSTGRES", "postgresql+asyncpg://arflow@127.0.0.1:55432")
SCRIPT_ARGS = {
    "credit_check.py": ("--postgres", POSTGRES_SERVER, "--processes", "2"),
    "rest_ingest.py": ("--processes", "2"),
    "dunning_run.py": ("--processes", "2"),
}
"""credit_check.py starts in embedded mode unless told: it is measured on PostgreSQL and Kafka.
The service under test runs as two processes on one port, the deployment docs/operations.md
recommends for a busy service on two cores: invoice-service for REST ingest, credit-service for
credit checks, dunning-service for the dunning run (both processes consume, the partitions split
between them). event_pipeline.py keeps one process of each service: two invoice-service
processes were no better at 200/s, and two credit-service processes, though they consume about
half as fast again, made the p99 at 200/s worse (docs/performance.md)."""
BENCH_TOPICS = "bench"
"""Every benchmark's topic prefix starts so (bench<run id>.); nothing else on the broker does."""
DAY_CLOSE_PARTS = ("day_close_dunning_1m", "dunning_run_1m")
"""The invoice-service part (bench/day_close.py) and dunning's part (bench/dunning_run.py)."""


@dataclass(frozen=True)
class Target:
    """What the performance issue asks of a figure (and, optionally, of its ratio to the baseline)."""

    at_least: float | None = None
    at_most: float | None = None
    ratio_at_least: float | None = None

    def met(self, figure: float | None, ratio: float | None) -> bool | None:
        if figure is None:
            return None
        if self.at_least is not None and figure < self.at_least:
            return False
        if self.at_most is not None and figure > self.at_most:
            return False
        return not (self.ratio_at_least is not None and (ratio is None or ratio < self.ratio_at_least))

    def __str__(self) -> str:
        parts = [
            f"≥ {self.at_least:g}" if self.at_least is not None else "",
            f"≤ {self.at_most:g}" if self.at_most is not None else "",
            f"ratio ≥ {self.ratio_at_least:g}" if self.ratio_at_least is not None else "",
        ]
        return ", ".join(part for part in parts if part)


TARGETS = {
    "rest_ingest": Target(at_least=1000, ratio_at_least=0.30),
    "rest_ingest_p99": Target(at_most=50),
    "event_pipeline_p99": Target(at_most=250),
    "event_pipeline_sustained": Target(at_least=2000),
    "bulk_import": Target(at_least=50_000, ratio_at_least=0.25),
    "day_close_dunning_1m": Target(at_most=60),
    "aging_1m": Target(at_most=2),
    "credit_check_p99": Target(at_most=20),
    "demo_replay_ibm": Target(at_most=300),  # issue 7: make run + make demo under five minutes
}
"""The issue's first targets; benchmarks without one show '—'."""


@asynccontextmanager
async def broker_admin() -> AsyncIterator[AIOKafkaAdminClient | None]:
    """An admin client on the benchmarks' broker, or None when it cannot be reached."""
    admin = AIOKafkaAdminClient(bootstrap_servers=KAFKA, request_timeout_ms=30000)
    try:
        await admin.start()
    except KafkaError:
        await admin.close()
        yield None
        return
    try:
        yield admin
    finally:
        await admin.close()


async def _bench_topics_on(admin: AIOKafkaAdminClient) -> set[str]:
    return {t for t in await admin.list_topics() if t.startswith(BENCH_TOPICS)}


async def bench_topics() -> set[str]:
    """The benchmarks' topics on the broker (empty if it cannot be reached)."""
    async with broker_admin() as admin:
        return await _bench_topics_on(admin) if admin else set()


async def delete_topics_since(before: set[str]) -> None:
    """Delete the benchmarks' topics not in `before`; a failure is reported, never fatal."""
    async with broker_admin() as admin:
        if admin is None:
            return
        created = await _bench_topics_on(admin) - before
        try:
            if created:
                await admin.delete_topics(sorted(created))
                print(f"deleted the {len(created)} topics the script created", flush=True)
        except KafkaError as error:
            print(f"could not delete the script's topics ({type(error).__name__}); they stay", flush=True)


def run_script(script: str, quick: bool) -> dict[str, Any]:
    """Run one script; afterwards delete the topics it created."""
    before = asyncio.run(bench_topics())
    try:
        return _run_script(script, quick)
    finally:
        asyncio.run(delete_topics_since(before))


def _run_script(script: str, quick: bool) -> dict[str, Any]:
    """Run one benchmark script; its entries and how it went."""
    path = BENCH / script
    if not path.exists():
        return {"script": script, "status": "missing", "seconds": 0.0, "benchmarks": []}
    timeout = SCRIPT_TIMEOUT["quick" if quick else "full"]
    with tempfile.TemporaryDirectory(prefix="arflow-bench-run-") as scratch:
        results = Path(scratch) / "results.json"
        command = [
            sys.executable,
            str(path),
            "--results",
            str(results),
            *(["--quick"] if quick else []),
            *SCRIPT_ARGS.get(script, ()),
        ]
        print(f"\n=== {script} ({'quick' if quick else 'full'}) ===", flush=True)
        started = time.monotonic()
        try:
            completed = subprocess.run(command, cwd=ROOT, timeout=timeout, check=False)
            status = "ok" if completed.returncode == 0 else f"failed (exit {completed.returncode})"
        except subprocess.TimeoutExpired:
            status = f"failed (over {timeout:.0f} s)"
        seconds = round(time.monotonic() - started, 1)
        benchmarks: list[dict[str, Any]] = []
        if status == "ok":
            try:
                benchmarks = list(json.loads(results.read_text())["benchmarks"])
            except (OSError, ValueError, KeyError, TypeError) as error:
                status = f"failed (no results: {type(error).__name__})"
    return {"script": script, "status": status, "seconds": seconds, "benchmarks": benchmarks}


def day_close_dunning(benchmarks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """day_close_dunning_1m = the ledger's part + dunning's part; both parts stay, the ledger's renamed.

    bench/day_close.py names its part day_close_dunning_1m; it becomes day_close_dunning_1m_ledger
    so that the name is left to the sum (present only when both parts are).
    """
    ledger_name, dunning_name = DAY_CLOSE_PARTS
    renamed = [
        {**entry, "name": f"{ledger_name}_ledger"} if entry["name"] == ledger_name else entry
        for entry in benchmarks
    ]
    parts = {entry["name"]: entry for entry in benchmarks if entry["name"] in DAY_CLOSE_PARTS}
    if len(parts) < len(DAY_CLOSE_PARTS):
        return renamed
    ledger, dunning = parts[ledger_name], parts[dunning_name]
    figure = ledger["figure"] + dunning["figure"]
    baselines = (ledger.get("baseline"), dunning.get("baseline"))
    baseline = baselines[0] + baselines[1] if None not in baselines else None  # type: ignore[operator]
    combined = {
        "name": ledger_name,
        "figure": round(figure, 3),
        "unit": ledger["unit"],
        "baseline": None if baseline is None else round(baseline, 3),
        "baseline_unit": ledger["baseline_unit"],
        "ratio": round(figure / baseline, 4) if baseline else None,
        "params": {
            "sum_of": [f"{ledger_name}_ledger", dunning_name],
            "ledger": ledger["params"],
            "dunning": dunning["params"],
        },
    }
    return [*renamed, combined]


def _capture(command: list[str]) -> str | None:
    try:
        return subprocess.run(
            command, cwd=ROOT, capture_output=True, text=True, timeout=30, check=True
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None


def _cpu_model() -> str | None:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or None


def _memory_gib() -> float | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    return None


def _kafka_version() -> str | None:
    """The version deploy/kafka.sh fetched (it records it beside the jars)."""
    marker = Path(os.environ.get("ARFLOW_VAR", ROOT / "var")) / "kafka" / "libs" / "VERSION"
    try:
        return marker.read_text().strip()
    except OSError:
        return None


def _postgres_version() -> str | None:
    sys.path.insert(0, str(BENCH))
    import asyncio

    import asyncpg
    from harness import POSTGRES, dsn

    async def version() -> str:
        connection = await asyncpg.connect(dsn(POSTGRES) + "/postgres")
        try:
            return str(await connection.fetchval("SHOW server_version"))
        finally:
            await connection.close()

    try:
        return asyncio.run(version())
    except (OSError, asyncpg.PostgresError):
        return None


def machine(load_before: list[float], quick: bool) -> dict[str, Any]:
    return {
        "cpu_count": os.cpu_count(),
        "cpu_model": _cpu_model(),
        "memory_gib": _memory_gib(),
        "python": platform.python_version(),
        "kafka": _kafka_version(),
        "postgres": _postgres_version(),
        "load_average_before": load_before,
        "load_average_after": [round(v, 2) for v in os.getloadavg()],
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "git_commit": _capture(["git", "rev-parse", "HEAD"]),
        "git_dirty": bool(_capture(["git", "status", "--porcelain", "--untracked-files=no"])),
        "quick": quick,
    }


def _number(value: Any) -> str:
    return "—" if value is None else f"{value:,.4g}" if isinstance(value, float) else f"{value:,}"


def table(benchmarks: list[dict[str, Any]], runs: list[dict[str, Any]]) -> str:
    rows = [("name", "figure", "unit", "baseline", "ratio", "target", "met?")]
    for entry in benchmarks:
        target = TARGETS.get(entry["name"])
        met = target.met(entry["figure"], entry["ratio"]) if target else None
        rows.append(
            (
                entry["name"],
                _number(entry["figure"]),
                entry["unit"],
                _number(entry["baseline"]),
                _number(entry["ratio"]),
                str(target) if target else "—",
                "—" if met is None else "yes" if met else "NO",
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)) for row in rows]
    lines.insert(1, "  ".join("-" * width for width in widths))
    lines.append("")
    lines.extend(f"{run['script']}: {run['status']} ({run['seconds']} s)" for run in runs)
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="every benchmark at a tenth of the size")
    parser.add_argument("--only", help="comma-separated scripts to run (default: all)")
    parser.add_argument("--output", type=Path, help="the JSON file (default bench/results/latest.json)")
    args = parser.parse_args()
    scripts = args.only.split(",") if args.only else list(SCRIPTS)
    output = args.output or BENCH / "results" / ("latest-quick.json" if args.quick else "latest.json")
    load_before = [round(v, 2) for v in os.getloadavg()]
    started = time.monotonic()
    runs = [run_script(script, args.quick) for script in scripts]
    benchmarks = day_close_dunning([entry for run in runs for entry in run["benchmarks"]])
    document = {
        "machine": machine(load_before, args.quick),
        "benchmarks": benchmarks,
        "scripts": [{key: run[key] for key in ("script", "status", "seconds")} for run in runs],
    }
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n")
    print(
        f"\n{table(benchmarks, runs)}\n\n{len(scripts)} scripts in {time.monotonic() - started:.0f} s; "
        f"written to {output.relative_to(ROOT) if output.is_relative_to(ROOT) else output}"
    )
    if any(run["status"].startswith("failed") for run in runs):
        raise SystemExit(1)


if __name__ == "__main__":
    main()
