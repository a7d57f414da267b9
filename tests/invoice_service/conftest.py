"""Fixtures for invoice-service tests: an embedded ledger (SQLite, in-process bus) behind an ASGI client."""

from collections.abc import AsyncIterator

import pytest
from ledger_support import Ledger, drained, ledger_settings

from arflow_invoice.main import create_app
from arflow_runtime.settings import PlatformSettings
from arflow_testing.inprocess import service_client


@pytest.fixture
async def ledger(embedded_platform: PlatformSettings) -> AsyncIterator[Ledger]:
    """An embedded invoice-service with the dev key (every scope)."""
    app = create_app(settings=ledger_settings(), platform=embedded_platform)
    async with service_client(app) as client:
        yield Ledger(app, client, embedded_platform)
        await drained(app)
