"""Fixtures of the notification-service tests: real SMTP and HTTP servers on loopback, a test clock."""

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from notification_support import MONDAY_10_SHANGHAI, HttpProvider, SmtpServer, TestClock

from arflow_runtime.bus.memory import InProcessBus
from arflow_runtime.settings import PlatformSettings


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    server = SmtpServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def provider() -> Iterator[HttpProvider]:
    server = HttpProvider()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def clock() -> TestClock:
    return TestClock(MONDAY_10_SHANGHAI)


@pytest.fixture
async def memory_bus(tmp_path: Path) -> AsyncIterator[InProcessBus]:
    bus = InProcessBus(tmp_path / "bus.sqlite", partitions=3)
    await bus.start()
    yield bus
    await bus.stop()


@pytest.fixture
def platform(tmp_path: Path, unique: str) -> PlatformSettings:
    """Embedded mode: the service's SQLite file under tmp_path, topics private to the test."""
    return PlatformSettings(mode="embedded", data_dir=tmp_path, topic_prefix=f"{unique}.")
