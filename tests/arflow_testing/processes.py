"""Run services as real processes in distributed mode (Kafka + PostgreSQL), as `make up` does."""

import os
import signal
import socket
import subprocess
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest

from arflow_testing.waiting import eventually

API_KEY = "test-key"
SERVICES = {
    "credit-service": ("CREDIT", "credit"),
    "invoice-service": ("INVOICE", "invoice"),
    "dunning-service": ("DUNNING", "dunning"),
    "notification-service": ("NOTIFICATION", "notification"),
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class ServiceProcess:
    """One service started with `arflow serve NAME` and its own PostgreSQL database."""

    name: str
    env: dict[str, str]
    port: int
    database_url: str
    log_path: Path
    process: subprocess.Popen[bytes] | None = None
    client: httpx.AsyncClient = field(init=False)

    def __post_init__(self) -> None:
        self.client = httpx.AsyncClient(
            base_url=f"http://127.0.0.1:{self.port}",
            headers={"Authorization": f"Bearer {API_KEY}"},
            timeout=10,
        )

    async def start(self) -> None:
        """Start the process and wait until /readyz answers 200."""
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(  # noqa: ASYNC220 - returns at once; readiness is awaited below
            [sys.executable, "-m", "arflow_cli.main", "serve", self.name],
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )

        async def ready() -> int:
            assert self.process is not None
            if self.process.poll() is not None:
                raise AssertionError(f"{self.name} exited: {self.log_path.read_text()[-3000:]}")
            try:
                return (await self.client.get("/readyz")).status_code
            except httpx.TransportError:
                return 0

        await eventually(ready, lambda status: status == 200, timeout=90, what=f"{self.name} ready")

    def kill(self) -> None:
        """SIGKILL: the process dies wherever it is, committing nothing more."""
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=30)

    def terminate(self) -> None:
        """SIGTERM and wait for a clean stop."""
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()

    async def sql(self, query: str, *args: Any) -> list[asyncpg.Record]:
        """Query this service's own database directly (for assertions only)."""
        connection = await asyncpg.connect(self.database_url.replace("postgresql+asyncpg", "postgresql"))
        try:
            return list(await connection.fetch(query, *args))
        finally:
            await connection.close()


@pytest.fixture
async def distributed_platform(
    kafka_bootstrap: str, postgres_server: str, unique: str, tmp_path: Path
) -> AsyncIterator[dict[str, ServiceProcess]]:
    """The four services, each its own process and database, on the real broker (not yet started)."""
    admin = await asyncpg.connect(postgres_server.replace("postgresql+asyncpg", "postgresql") + "/postgres")
    services: dict[str, ServiceProcess] = {}
    try:
        for name, (prefix, short) in SERVICES.items():
            database = f"{unique}_{short}"
            await admin.execute(f'CREATE DATABASE "{database}"')
            port = free_port()
            url = f"{postgres_server}/{database}"
            env = {
                **os.environ,
                "ARFLOW_MODE": "distributed",
                "ARFLOW_KAFKA_BOOTSTRAP_SERVERS": kafka_bootstrap,
                "ARFLOW_TOPIC_PREFIX": f"{unique}.",
                "ARFLOW_TOPIC_PARTITIONS": "3",
                "ARFLOW_API_KEYS": f"tester {API_KEY} *",
                f"{prefix}_DATABASE_URL": url,
                f"{prefix}_PORT": str(port),
            }
            services[name] = ServiceProcess(name, env, port, url, tmp_path / f"{name}.log")
        yield services
    finally:
        for service in services.values():
            service.terminate()
            await service.client.aclose()
        for _, short in SERVICES.values():
            await admin.execute(f'DROP DATABASE IF EXISTS "{unique}_{short}" WITH (FORCE)')
        await admin.close()
