"""The distributed topology on this machine: one process per service, own PostgreSQL database each.

Used by the system tests, the chaos run and the benchmarks (Kafka and PostgreSQL come from deploy/).
"""

import asyncio
import os
import signal
import socket
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg
import httpx

SERVICES = {
    "credit-service": ("CREDIT", "credit"),
    "invoice-service": ("INVOICE", "invoice"),
    "dunning-service": ("DUNNING", "dunning"),
    "notification-service": ("NOTIFICATION", "notification"),
}


def free_port() -> int:
    """A TCP port on loopback that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _dsn(url: str) -> str:
    return url.replace("postgresql+asyncpg", "postgresql")


@dataclass
class ServiceProcess:
    """One service started with `arflow serve NAME`, its own database and log file."""

    name: str
    env: dict[str, str]
    port: int
    database_url: str
    log_path: Path
    api_key: str
    process: subprocess.Popen[bytes] | None = None
    client: httpx.AsyncClient = field(init=False)

    def __post_init__(self) -> None:
        self.client = httpx.AsyncClient(
            base_url=self.url, headers={"Authorization": f"Bearer {self.api_key}"}, timeout=30
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self, ready_within: float = 90.0) -> None:
        """Start the process and wait until /readyz answers 200."""
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(  # noqa: ASYNC220 - returns at once; readiness is awaited below
            [sys.executable, "-m", "arflow_cli.main", "serve", self.name],
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        deadline = asyncio.get_running_loop().time() + ready_within
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited: {self.log_path.read_text()[-3000:]}")
            try:
                if (await self.client.get("/readyz")).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            if asyncio.get_running_loop().time() > deadline:
                raise TimeoutError(f"{self.name} not ready after {ready_within:.0f}s")
            await asyncio.sleep(0.1)  # polling interval of a bounded wait on readiness

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def kill(self) -> None:
        """SIGKILL: the process dies wherever it is, committing nothing more."""
        if self.running:
            assert self.process is not None
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=30)

    def pause(self) -> None:
        """SIGSTOP: frozen, holding its connections, missing its heartbeats."""
        if self.running:
            assert self.process is not None
            self.process.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        """SIGCONT after pause()."""
        if self.running:
            assert self.process is not None
            self.process.send_signal(signal.SIGCONT)

    def terminate(self) -> None:
        """SIGTERM and wait for a clean stop."""
        if self.running:
            assert self.process is not None
            self.process.send_signal(signal.SIGCONT)
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()

    async def sql(self, query: str, *args: Any) -> list[asyncpg.Record]:
        """Query this service's own database directly (for checks only)."""
        connection = await asyncpg.connect(_dsn(self.database_url))
        try:
            return list(await connection.fetch(query, *args))
        finally:
            await connection.close()


class LocalPlatform:
    """Four service processes with databases `<prefix>_<service>` on one PostgreSQL server."""

    def __init__(
        self,
        kafka: str,
        postgres: str,
        prefix: str,
        workdir: Path,
        api_key: str = "local-key",
        extra_env: dict[str, str] | None = None,
    ) -> None:
        self.kafka, self.postgres, self.prefix, self.workdir = kafka, postgres, prefix, workdir
        self.api_key = api_key
        self.extra_env = extra_env or {}
        self.services: dict[str, ServiceProcess] = {}

    async def create(self) -> dict[str, ServiceProcess]:
        """Create the databases and describe the processes (not started yet)."""
        admin = await asyncpg.connect(_dsn(self.postgres) + "/postgres")
        try:
            for name, (env_prefix, short) in SERVICES.items():
                database = f"{self.prefix}_{short}"
                await admin.execute(f'CREATE DATABASE "{database}"')
                port = free_port()
                url = f"{self.postgres}/{database}"
                env = {
                    **os.environ,
                    "ARFLOW_MODE": "distributed",
                    "ARFLOW_KAFKA_BOOTSTRAP_SERVERS": self.kafka,
                    "ARFLOW_TOPIC_PREFIX": f"{self.prefix}.",
                    "ARFLOW_TOPIC_PARTITIONS": "3",
                    "ARFLOW_API_KEYS": f"operator {self.api_key} *",
                    f"{env_prefix}_DATABASE_URL": url,
                    f"{env_prefix}_PORT": str(port),
                    **self.extra_env,
                }
                self.services[name] = ServiceProcess(
                    name, env, port, url, self.workdir / f"{name}.log", self.api_key
                )
        finally:
            await admin.close()
        return self.services

    async def destroy(self) -> None:
        """Stop every process and drop the databases."""
        for service in self.services.values():
            service.terminate()
            await service.client.aclose()
        admin = await asyncpg.connect(_dsn(self.postgres) + "/postgres")
        try:
            for _, short in SERVICES.values():
                await admin.execute(f'DROP DATABASE IF EXISTS "{self.prefix}_{short}" WITH (FORCE)')
        finally:
            await admin.close()
