"""Shared helpers of the invoice-service tests: a running embedded ledger and problem+json checks."""

from dataclasses import dataclass
from typing import Any

import httpx
from fastapi import FastAPI

from arflow_contracts import EventEnvelope, topics
from arflow_invoice.settings import InvoiceSettings
from arflow_runtime.bus.memory import InProcessBus
from arflow_runtime.errors import PROBLEM_JSON
from arflow_runtime.outbox import pending_count
from arflow_runtime.settings import PlatformSettings
from arflow_testing import eventually
from arflow_testing.inprocess import runtime_of


@dataclass
class Ledger:
    """A running embedded ledger: its app and a client with the dev key."""

    app: FastAPI
    client: httpx.AsyncClient
    platform: PlatformSettings

    async def post(
        self, path: str, body: dict[str, Any], expect: int | tuple[int, ...] = (200, 201), **kwargs: Any
    ) -> dict[str, Any]:
        """POST and insist on the status."""
        response = await self.client.post(path, json=body, **kwargs)
        wanted = (expect,) if isinstance(expect, int) else expect
        assert response.status_code in wanted, response.text
        return response.json()  # type: ignore[no-any-return]

    async def get(self, path: str, **params: Any) -> Any:
        """GET and insist on 200."""
        response = await self.client.get(path, params=params)
        assert response.status_code == 200, response.text
        return response.json()

    async def events(self, *types: str) -> list[EventEnvelope]:
        """Every ledger event published so far (after the outbox drained), optionally of some types."""
        await drained(self.app)
        bus = runtime_of(self.app).bus
        assert isinstance(bus, InProcessBus)
        records = await bus.read_topic(self.platform.topic(topics.LEDGER))
        found = [EventEnvelope.from_bytes(record.value) for record in records]
        return [e for e in found if not types or e.event_type in types]


async def drained(app: FastAPI) -> None:
    """Wait until the outbox relay published everything.

    Stopping a service while its relay is being woken can hang on Python 3.11: asyncio.wait_for
    (in the runtime's Outbox.wait) swallows a cancellation that arrives as the wake event is set.
    Letting the relay go idle first keeps test teardown clear of that race.
    """
    runtime = runtime_of(app)
    await eventually(
        lambda: pending_count(runtime.database.engine),
        lambda n: n == 0,
        timeout=30,
        what="the outbox to drain",
    )


def ledger_settings(**overrides: Any) -> InvoiceSettings:
    """Settings for tests: no wall-clock day close."""
    return InvoiceSettings(day_close_schedule=False, **overrides)


def assert_problem(response: httpx.Response, status: int, *words: str) -> dict[str, Any]:
    """A problem+json with this status whose detail mentions every word."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM_JSON
    problem: dict[str, Any] = response.json()
    assert problem["status"] == status and problem["title"] and problem["detail"]
    for word in words:
        assert word.lower() in problem["detail"].lower(), problem
    return problem
