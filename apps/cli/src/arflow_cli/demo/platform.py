"""The platform the demo talks to: one already running, or an embedded one it starts itself."""

import asyncio
import os
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import httpx

from arflow_cli.replay.client import DEFAULT_PORTS, Endpoints, Service

# The demo's own platform sends at any hour to anyone: history is replayed in minutes, so business
# hours and a daily rate limit measured on the wall clock would hold nearly every message back.
DEMO_SEND_RULES = {
    "NOTIFICATION_SEND_HOURS": "00:00-23:59:59",
    "NOTIFICATION_SEND_DAYS": "mon-sun",
    "NOTIFICATION_RATE_LIMIT_MESSAGES": "0",
}
DEMO_ENVIRONMENT = {
    "INVOICE_DAY_CLOSE_SCHEDULE": "false",  # the replay closes its own (historical) days
    **DEMO_SEND_RULES,
    "NOTIFICATION_PROVIDER_SECRET": "demo-provider-secret",
    "ARFLOW_LOG_LEVEL": "WARNING",
}
PORT_VARIABLES: dict[Service, str] = {
    "credit": "CREDIT_PORT",
    "ledger": "INVOICE_PORT",
    "dunning": "DUNNING_PORT",
    "notification": "NOTIFICATION_PORT",
}


async def answering(endpoints: Endpoints, path: str = "/healthz") -> dict[Service, bool]:
    """Which services answer 200 on `path` (no key needed)."""
    async with httpx.AsyncClient(timeout=3) as client:

        async def probe(url: str) -> bool:
            try:
                return (await client.get(url + path)).status_code == 200
            except httpx.HTTPError:
                return False

        results = await asyncio.gather(*(probe(url) for _, url in endpoints.items()))
    return dict(zip([s for s, _ in endpoints.items()], results, strict=True))


@dataclass
class StartedPlatform:
    """`arflow run` in a child process with the demo's settings; its log in a file."""

    data_dir: Path
    ports: dict[Service, int]
    log_path: Path
    environment: dict[str, str]
    process: subprocess.Popen[bytes] | None = None
    demo_send_rules: bool = True
    """False: notifications keep `make run`'s send window and rate limit."""

    @property
    def endpoints(self) -> Endpoints:
        return Endpoints.on_ports(ports=self.ports)

    async def start(self, ready_within: float = 180.0) -> None:
        """Start it and wait until every service is ready (/readyz)."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        # Keys of the caller's environment are not inherited: on loopback the development key does,
        # unless `environment` names keys of its own.
        inherited = {k: v for k, v in os.environ.items() if k != "ARFLOW_API_KEYS"}
        demo = (
            DEMO_ENVIRONMENT
            if self.demo_send_rules
            else {k: v for k, v in DEMO_ENVIRONMENT.items() if k not in DEMO_SEND_RULES}
        )
        env = {
            **inherited,
            **demo,
            **self.environment,
            "ARFLOW_MODE": "embedded",
            "ARFLOW_DATA_DIR": str(self.data_dir),
        }
        for service, port in self.ports.items():
            env[PORT_VARIABLES[service]] = str(port)
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(  # noqa: ASYNC220 - returns at once; readiness is awaited below
                [sys.executable, "-m", "arflow_cli.main", "run"],
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        loop = asyncio.get_running_loop()
        deadline = loop.time() + ready_within
        while not all((await answering(self.endpoints, "/readyz")).values()):
            if self.process.poll() is not None:
                raise RuntimeError(f"the platform exited; see {self.log_path}:\n{self._tail()}")
            if loop.time() > deadline:
                self.stop()
                raise TimeoutError(
                    f"the platform was not ready within {ready_within:.0f}s; see {self.log_path}"
                )
            await asyncio.sleep(0.2)  # polling interval of a bounded wait on readiness

    def _tail(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-2000:]
        except OSError:
            return ""

    def cpu_seconds(self) -> float | None:
        """CPU time the platform process used so far (Linux /proc), or None."""
        if self.process is None:
            return None
        try:
            fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            return None
        ticks = os.sysconf("SC_CLK_TCK")
        return (int(fields[11]) + int(fields[12])) / ticks  # utime + stime

    def stop(self) -> None:
        """SIGINT (a clean stop, as Ctrl-C), then SIGKILL if it does not stop in 30 s."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGINT)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)


def default_ports() -> dict[Service, int]:
    """The ports `make run` uses (from the same variables when set)."""
    return {
        service: int(os.environ.get(PORT_VARIABLES[service], port)) for service, port in DEFAULT_PORTS.items()
    }


def distributed_on_this_machine(var: Path) -> bool:
    """`make up` is running here: deploy/platform.sh keeps live pid files under var/platform/."""
    for pid_file in (var / "platform").glob("*.pid"):
        try:
            os.kill(int(pid_file.read_text().strip()), 0)
            return True
        except (ValueError, OSError):
            continue
    return False


def local_api_key(var: Path) -> str | None:
    """The key `make up` made for this machine (var/platform/api-keys), if any."""
    path = var / "platform" / "api-keys"
    try:
        fields = path.read_text().split()
    except OSError:
        return None
    return fields[1] if len(fields) >= 2 else None
