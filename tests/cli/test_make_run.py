"""`make run` starts all four services on embedded defaults, quickly, and Ctrl-C stops them cleanly."""

import os
import signal
import subprocess
import time
from pathlib import Path

import httpx

from arflow_testing.processes import free_port

ROOT = Path(__file__).resolve().parents[2]
SERVICES = ("CREDIT", "INVOICE", "DUNNING", "NOTIFICATION")


def test_make_run_answers_healthz_on_all_four_ports_within_30_seconds_and_stops_on_ctrl_c(
    tmp_path: Path,
) -> None:
    ports = {name: free_port() for name in SERVICES}
    env = {
        **os.environ,
        "ARFLOW_DATA_DIR": str(tmp_path / "data"),
        **{f"{name}_PORT": str(port) for name, port in ports.items()},
    }
    env.pop("ARFLOW_API_KEYS", None)
    output = (tmp_path / "run.log").open("w+b")
    started = time.monotonic()
    process = subprocess.Popen(
        ["make", "--no-print-directory", "run"],
        cwd=ROOT,
        env=env,
        stdout=output,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        healthy: set[str] = set()
        while len(healthy) < len(ports) and time.monotonic() - started < 30:
            assert process.poll() is None, (tmp_path / "run.log").read_text()
            for name, port in ports.items():
                try:
                    if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                        healthy.add(name)
                except httpx.TransportError:
                    pass
            time.sleep(0.1)  # polling interval of the bounded wait
        elapsed = time.monotonic() - started
        assert healthy == set(ports), f"healthy after {elapsed:.1f}s: {sorted(healthy)}"
        log = (tmp_path / "run.log").read_text()
        assert "arflow-dev-key" in log and all(f":{port}" in log for port in ports.values())
    finally:
        os.killpg(process.pid, signal.SIGINT)  # what Ctrl-C in a terminal sends
        code = process.wait(timeout=30)
    assert "arflow stopped." in (tmp_path / "run.log").read_text()
    assert "Traceback" not in (tmp_path / "run.log").read_text()
    # make itself reports the interrupt (killed by SIGINT); the platform below it stopped cleanly.
    assert code in (0, -signal.SIGINT, 130)
    assert (tmp_path / "data" / "invoice-service.sqlite").exists()
