"""Services started inside the test process (ASGI), sharing one in-process bus or a real broker."""

import contextlib
from collections.abc import AsyncIterator
from typing import Any

import httpx
from fastapi import FastAPI

from arflow_contracts import EventData, EventEnvelope, wrap
from arflow_runtime.bus.base import Bus
from arflow_runtime.service import ServiceRuntime
from arflow_runtime.settings import PlatformSettings

DEV_HEADERS = {"Authorization": "Bearer arflow-dev-key"}


@contextlib.asynccontextmanager
async def service_client(
    app: FastAPI, headers: dict[str, str] | None = None
) -> AsyncIterator[httpx.AsyncClient]:
    """Start an app (migrations, consumers, relay) and give an HTTP client to it."""
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://service", headers=headers or DEV_HEADERS
        ) as client:
            yield client


def runtime_of(app: FastAPI) -> ServiceRuntime:
    """The running service behind an app (after its lifespan started)."""
    return app.state.runtime  # type: ignore[no-any-return]


async def publish(
    bus: Bus,
    platform: PlatformSettings,
    data: EventData,
    *,
    customer_id: str | None = None,
    producer: str = "test",
    **envelope: Any,
) -> EventEnvelope:
    """Put an event on the bus exactly as a producing service's relay would."""
    wrapped = wrap(data, customer_id=customer_id, producer=producer, **envelope)
    await bus.ensure_topics([platform.topic(data.topic)])
    await bus.publish(
        platform.topic(data.topic), wrapped.customer_id.encode(), wrapped.to_bytes(), wrapped.headers()
    )
    return wrapped


async def consumed_everything(app: FastAPI) -> bool:
    """Whether the service's consumer group has committed everything on the topics it reads."""
    runtime = runtime_of(app)
    return all([await loop.bus.lag(loop.group_id, loop.topics) == 0 for loop in runtime.consumers])
