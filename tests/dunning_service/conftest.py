"""dunning-service fixtures: its handlers on a fresh database, the running app, real processes."""

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from dunning_support import SMALL_BATCHES, DunningFeed, fresh_feed

from arflow_dunning.main import create_app
from arflow_runtime.bus.memory import InProcessBus
from arflow_runtime.settings import PlatformSettings
from arflow_testing.inprocess import service_client
from arflow_testing.processes import distributed_platform  # noqa: F401  (fixture)


@pytest.fixture
async def dunning(tmp_path: Path) -> AsyncIterator[DunningFeed]:
    """dunning-service's handlers on a fresh SQLite database."""
    async with fresh_feed(tmp_path) as feed:
        yield feed


@pytest.fixture
async def dunning_api(
    embedded_platform: PlatformSettings,
) -> AsyncIterator[tuple[httpx.AsyncClient, DunningFeed]]:
    """The running app (API, relay, jobs) and a feed into its own database."""
    bus = InProcessBus(partitions=3)
    await bus.start()
    app = create_app(platform=embedded_platform, bus=bus, rules=SMALL_BATCHES)
    async with service_client(app) as client:
        yield client, DunningFeed(app.state.runtime.database)
    await bus.stop()
