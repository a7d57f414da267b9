"""Fixtures of the credit-service tests (helpers live in credit_harness)."""

from collections.abc import AsyncIterator

import pytest
from credit_harness import CreditService, running_credit_service

from arflow_runtime.settings import PlatformSettings


@pytest.fixture
async def credit(embedded_platform: PlatformSettings) -> AsyncIterator[CreditService]:
    """credit-service on SQLite with the in-process bus."""
    async with running_credit_service(embedded_platform) as service:
        yield service
