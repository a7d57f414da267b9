"""The IBM history replayed into the embedded platform, as `make demo` does: the time the replay takes.

    uv run python bench/demo_replay.py            # the whole sample: 100 customers, 2012-2014
    uv run python bench/demo_replay.py --quick    # its first 10 customers
    uv run python bench/demo_replay.py --results demo.json

Starts `arflow run` in a child process on free ports and a throw-away data directory, with the
settings `make run` has (the notification send window and rate limit too, so as on `make run` how
many emails go out depends on the time of day) and the demo's local SMTP sink; replays
../shared/data/ibm_accounts_receivable.csv with `arflow replay` (waiting for the platform around
every day close, as `make demo` does) and reports the replay's seconds and the platform's CPU
seconds. Baseline: the same replay sent again to the same
platform, where every request is answered from its idempotency key and every close is already
done: what posting and waiting cost when the platform has nothing to do. End to end in embedded
mode, so no Kafka or PostgreSQL; the demo's five-minute target is for the whole of `make demo`.
"""

import asyncio
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from harness import Result, arguments, finish, load_average

from arflow_cli.demo.platform import StartedPlatform
from arflow_cli.demo.sinks import SmtpSink
from arflow_cli.local import free_port
from arflow_cli.replay.client import DEFAULT_PORTS

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT.parent / "shared" / "data" / "ibm_accounts_receivable.csv"
QUICK_CUSTOMERS = 10
SUMMARY_LINE = re.compile(r"waited for the platform to catch up ([\d,]+) times, ([\d.]+)s in all")


def replay(platform: StartedPlatform, sample: Path, customers: int | None) -> dict[str, Any]:
    """`arflow replay` into the platform; its seconds, and what its summary says about waiting."""
    command = [
        sys.executable,
        "-m",
        "arflow_cli.main",
        "replay",
        str(sample),
        "--no-progress",
        "--ports",
        ",".join(str(platform.ports[service]) for service in DEFAULT_PORTS),
        *(["--customers", str(customers)] if customers else []),
    ]
    env = {**os.environ, "ARFLOW_MODE": "embedded", "ARFLOW_DATA_DIR": str(platform.data_dir)}
    started = time.monotonic()
    completed = subprocess.run(command, env=env, capture_output=True, text=True, timeout=1800, check=False)
    seconds = time.monotonic() - started
    if completed.returncode != 0:
        raise SystemExit(f"arflow replay failed ({completed.returncode}):\n{completed.stderr[-3000:]}")
    waits = SUMMARY_LINE.search(completed.stdout)
    return {
        "seconds": round(seconds, 1),
        "settles": int(waits.group(1).replace(",", "")) if waits else None,
        "settle_seconds": float(waits.group(2)) if waits else None,
    }


async def measure(quick: bool) -> list[Result]:
    if not SAMPLE.exists():
        raise SystemExit(f"{SAMPLE} is not there: this benchmark replays the shared IBM sample")
    customers = QUICK_CUSTOMERS if quick else None
    with tempfile.TemporaryDirectory(prefix="arflow-bench-demo-") as scratch:
        smtp = SmtpSink(Path(scratch) / "mail", free_port())
        platform = StartedPlatform(
            data_dir=Path(scratch) / "data",
            ports={service: free_port() for service in DEFAULT_PORTS},
            log_path=Path(scratch) / "platform.log",
            environment={"NOTIFICATION_SMTP_URL": smtp.url},
            demo_send_rules=False,
        )
        load_before = load_average()
        smtp.start()
        await platform.start()
        try:
            pid = platform.process.pid if platform.process else "?"
            print(f"arflow run pid {pid}; replaying", flush=True)
            cpu_before = platform.cpu_seconds() or 0.0
            first = replay(platform, SAMPLE, customers)
            cpu_used = (platform.cpu_seconds() or 0.0) - cpu_before
            print(f"  replay: {first}; platform CPU {cpu_used:.1f} s", flush=True)
            again = replay(platform, SAMPLE, customers)
            print(f"  again (nothing new): {again}", flush=True)
        finally:
            platform.stop()
            smtp.stop()
    return [
        Result(
            "demo_replay_ibm",
            first["seconds"],
            "s",
            again["seconds"],
            "s (the same replay again: nothing new)",
            {
                "sample": SAMPLE.name,
                "customers": customers or "all (100)",
                "platform": "embedded (arflow run with make run's settings, the demo's SMTP sink)",
                "platform_cpu_seconds": round(cpu_used, 1),
                "settles": first["settles"],
                "settle_seconds": first["settle_seconds"],
                "load_average_before": load_before,
                "load_average_after": load_average(),
            },
        )
    ]


def main() -> None:
    args = arguments(__doc__ or "").parse_args()
    finish(args, asyncio.run(measure(args.quick)))


if __name__ == "__main__":
    main()
