"""Fixtures shared by every test: real Kafka and PostgreSQL coordinates, unique names per test."""

import asyncio
import os
import socket
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest

from arflow_runtime.settings import PlatformSettings

# The servers deploy/kafka.sh and deploy/postgres.sh start (same port variables as the scripts).
KAFKA = os.environ.get("ARFLOW_TEST_KAFKA") or f"127.0.0.1:{os.environ.get('ARFLOW_KAFKA_PORT', '19092')}"
POSTGRES = os.environ.get("ARFLOW_TEST_POSTGRES") or (
    f"postgresql+asyncpg://arflow@127.0.0.1:{os.environ.get('ARFLOW_PG_PORT', '55432')}"
)


def _reachable(address: str) -> bool:
    host, _, port = address.rpartition(":")
    try:
        with socket.create_connection((host.split("@")[-1].split("//")[-1], int(port.split("/")[0])), 2):
            return True
    except OSError:
        return False


@pytest.fixture(scope="session")
def kafka_bootstrap() -> str:
    """The real broker that `make test` starts (deploy/kafka.sh); failing, not skipping, without it."""
    if not _reachable(KAFKA.split(",")[0]):
        pytest.fail(f"Kafka is not reachable at {KAFKA}: run `deploy/kafka.sh start` (make test does)")
    return KAFKA


@pytest.fixture(scope="session")
def postgres_server() -> str:
    """The real PostgreSQL that `make test` starts (deploy/postgres.sh)."""
    if not _reachable(POSTGRES.rsplit("@", 1)[1]):
        pytest.fail(f"PostgreSQL is not reachable at {POSTGRES}: run `deploy/postgres.sh start`")
    return POSTGRES


@pytest.fixture
def unique() -> str:
    """A short name unique to this test (topics, groups, databases)."""
    return "t" + uuid.uuid4().hex[:10]


def _run_sql_outside_the_test_loop(dsn: str, statement: str) -> None:
    """Run one admin statement on a private loop (works from sync and async fixtures alike)."""
    import asyncpg

    async def run() -> None:
        connection = await asyncpg.connect(dsn)
        try:
            await connection.execute(statement)
        finally:
            await connection.close()

    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, run()).result()


@pytest.fixture
def postgres_database(postgres_server: str, unique: str) -> Iterator[str]:
    """A fresh PostgreSQL database for this test, dropped afterwards."""
    admin = postgres_server.replace("postgresql+asyncpg", "postgresql") + "/postgres"
    _run_sql_outside_the_test_loop(admin, f'CREATE DATABASE "{unique}"')
    yield f"{postgres_server}/{unique}"
    _run_sql_outside_the_test_loop(admin, f'DROP DATABASE IF EXISTS "{unique}" WITH (FORCE)')


@pytest.fixture
def kafka_platform(kafka_bootstrap: str, unique: str) -> PlatformSettings:
    """Distributed-mode settings on the real broker, with topics and groups private to this test."""
    return PlatformSettings(
        mode="distributed",
        kafka_bootstrap_servers=kafka_bootstrap,
        topic_prefix=f"{unique}.",
        topic_partitions=3,
        api_keys="tester test-key *",
    )


@pytest.fixture
def embedded_platform(tmp_path: object, unique: str) -> Iterator[PlatformSettings]:
    """Embedded-mode settings with SQLite files in a temporary directory."""
    yield PlatformSettings(mode="embedded", data_dir=tmp_path, topic_prefix=f"{unique}.")  # type: ignore[arg-type]
