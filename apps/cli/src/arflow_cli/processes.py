"""One service, several processes, one port: what `arflow serve` does when <SERVICE>_PROCESSES > 1.

A Python process uses one core. This one opens the listening socket and starts the service's
processes on it: the first runs everything the service runs (API, consumers, background jobs,
outbox relay), the others all but the background jobs (`<SERVICE>_PROCESS_ROLE=replica`): every
process is a member of the service's consumer groups, so the partitions are split between them.
The kernel hands each new connection to one of them. They share the metrics directory of prometheus-client's
multiprocess mode, so /metrics tells the whole service's figures whichever process answers.

Only with PostgreSQL and Kafka: SQLite and the in-process bus belong to one process. Advisory
locks already serialise writes per customer across processes, and the relays take turns.
If one process dies, the others are stopped and the command exits non-zero, for the supervisor
(systemd, Kubernetes, `make up`) to restart the service as a whole, as for a single process.
"""

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
from types import FrameType

from arflow_runtime.log import configure_logging, get_logger
from arflow_runtime.metrics import MULTIPROCESS_DIR
from arflow_runtime.settings import PlatformSettings, ServiceSettings

log = get_logger(__name__)

STOP_SECONDS = 40.0
"""How long the processes get to stop (each shutdown step is bounded at 10 s) before a SIGKILL."""


class CannotServe(SystemExit):
    """Several processes were asked for where they cannot work; the message says what to change."""


def check_processes_allowed(name: str, settings: ServiceSettings, platform: PlatformSettings) -> None:
    """Several processes need a shared database and a shared broker."""
    prefix = str(settings.model_config.get("env_prefix", ""))
    url = settings.resolved_database_url(platform, name)
    if platform.mode != "distributed" or not url.startswith("postgresql"):
        raise CannotServe(
            f"{prefix}PROCESSES={settings.processes} needs ARFLOW_MODE=distributed and a PostgreSQL "
            f"{prefix}DATABASE_URL: SQLite and the in-process bus belong to one process. "
            f"Set {prefix}PROCESSES=1 or switch to PostgreSQL and Kafka."
        )


def open_listener(host: str, port: int) -> socket.socket:
    """The listening socket every process of the service accepts connections on."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    listener = socket.socket(family, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind((host, port))
    listener.listen(2048)
    listener.set_inheritable(True)
    return listener


def child_command(name: str, listener: socket.socket) -> list[str]:
    return [sys.executable, "-m", "arflow_cli.main", "serve", name, "--listen-fd", str(listener.fileno())]


def serve_processes(name: str, settings: ServiceSettings, platform: PlatformSettings) -> int:
    """Start the service's processes on one socket; return when they have stopped (exit status)."""
    configure_logging(platform.log_level)
    prefix = str(settings.model_config.get("env_prefix", ""))
    listener = open_listener(settings.host, settings.port)
    metrics_dir = tempfile.mkdtemp(prefix=f"arflow-{name}-metrics-")
    children: list[subprocess.Popen[bytes]] = []
    stopping = False

    def stop(signum: int, _frame: FrameType | None) -> None:
        nonlocal stopping
        stopping = True
        for child in children:
            with contextlib.suppress(ProcessLookupError):
                child.send_signal(signal.SIGTERM)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        for index in range(settings.processes):
            env = {**os.environ, MULTIPROCESS_DIR: metrics_dir}
            env[f"{prefix}PROCESS_ROLE"] = "all" if index == 0 else "replica"
            children.append(
                subprocess.Popen(child_command(name, listener), pass_fds=[listener.fileno()], env=env)
            )
        log.info("service.processes.started", service=name, processes=[c.pid for c in children])
        pid, status = os.wait()  # the first process to end ends the service
        died = not stopping  # nobody asked it to stop
        if died:
            log.error(
                "service.process.exited", service=name, pid=pid, status=os.waitstatus_to_exitcode(status)
            )
            stop(signal.SIGTERM, None)
        codes = {pid: os.waitstatus_to_exitcode(status)}
        for child in children:
            if child.pid in codes:
                continue
            try:
                codes[child.pid] = child.wait(timeout=STOP_SECONDS)
            except subprocess.TimeoutExpired:
                child.kill()
                codes[child.pid] = child.wait()
        clean = all(code in (0, -signal.SIGTERM) for code in codes.values())
        return 0 if clean and not died else 1
    finally:
        for child in children:
            if child.poll() is None:
                child.kill()
                child.wait()
        listener.close()
        shutil.rmtree(metrics_dir, ignore_errors=True)
