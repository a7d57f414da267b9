"""Run services as real processes in distributed mode (Kafka + PostgreSQL), as `make up` does."""

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from arflow_cli.local import SERVICES, LocalPlatform, ServiceProcess, free_port

API_KEY = "test-key"

__all__ = ["API_KEY", "SERVICES", "ServiceProcess", "distributed_platform", "free_port"]


@pytest.fixture
async def distributed_platform(
    kafka_bootstrap: str, postgres_server: str, unique: str, tmp_path: Path
) -> AsyncIterator[dict[str, ServiceProcess]]:
    """The four services, each its own process and database, on the real broker (not yet started)."""
    platform = LocalPlatform(kafka_bootstrap, postgres_server, unique, tmp_path, api_key=API_KEY)
    try:
        yield await platform.create()
    finally:
        await platform.destroy()
