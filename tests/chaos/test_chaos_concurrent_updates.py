"""Updates carry ETags: a stale If-Match is 412, a missing one 428, and of concurrent updates made
against the same ETag exactly one wins (no lost update), on real PostgreSQL.

The rule (docs/security.md): creating needs no If-Match; replacing a stored resource needs the
ETag of the version replaced, or `*`; a shipped default (version 0) is not stored, so the first
override of it needs none.
"""

import asyncio
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from arflow_credit.main import create_app as credit_app
from arflow_credit.settings import CreditSettings
from arflow_dunning.main import create_app as dunning_app
from arflow_dunning.settings import DunningSettings
from arflow_notification.main import create_app as notification_app
from arflow_notification.settings import NotificationSettings
from arflow_runtime.bus.memory import InProcessBus
from arflow_runtime.errors import PROBLEM_JSON
from arflow_runtime.settings import PlatformSettings
from arflow_testing.inprocess import service_client

pytestmark = pytest.mark.postgres
WRITERS = 8


@dataclass(frozen=True)
class Resource:
    """A PUT-able resource of one service and how to make distinct valid versions of it."""

    name: str
    path: str
    app: Callable[[str, PlatformSettings, InProcessBus], FastAPI]
    version: Callable[[int], dict[str, Any]]
    read_back: Callable[[dict[str, Any]], Any]


def dunning_policy(n: int) -> dict[str, Any]:
    return {
        "name": f"Public sector v{n}",
        "segments": ["public"],
        "stages": [
            {
                "key": "reminder_1",
                "days": 10 + n,
                "actions": [
                    {"type": "notification", "channels": ["letter"], "template": "dunning.reminder_1"}
                ],
            },
        ],
    }


def template(n: int) -> dict[str, Any]:
    return {"subject": f"Reminder v{n}", "body": "Dear {{ customer.name }}, version " + str(n) + "."}


def profile(n: int) -> dict[str, Any]:
    return {"name": f"Harbour Supplies v{n}", "country": "DE", "locale": "en"}


RESOURCES = [
    Resource(
        "dunning policy",
        "/v1/dunning-policies/public-sector",
        lambda url, platform, bus: dunning_app(DunningSettings(database_url=url), platform, bus),
        dunning_policy,
        lambda body: body["name"],
    ),
    Resource(
        "notification template",
        "/v1/templates/chaos.custom/en",
        lambda url, platform, bus: notification_app(NotificationSettings(database_url=url), platform, bus),
        template,
        lambda body: body["subject"],
    ),
    Resource(
        "customer profile",
        "/v1/customers/C-ETAG-1",
        lambda url, platform, bus: credit_app(CreditSettings(database_url=url), platform, bus),
        profile,
        lambda body: body["name"],
    ),
]


@pytest.fixture(params=RESOURCES, ids=[r.name for r in RESOURCES])
async def service(
    request: pytest.FixtureRequest, postgres_database: str, tmp_path: Path, unique: str
) -> AsyncIterator[tuple[httpx.AsyncClient, Resource]]:
    resource: Resource = request.param
    bus = InProcessBus(partitions=3)
    await bus.start()
    platform = PlatformSettings(mode="embedded", data_dir=tmp_path, topic_prefix=f"{unique}.")
    async with service_client(resource.app(postgres_database, platform, bus)) as client:
        yield client, resource
    await bus.stop()


async def test_create_without_if_match_then_428_412_and_the_current_etag(
    service: tuple[httpx.AsyncClient, Resource],
) -> None:
    client, resource = service
    created = await client.put(resource.path, json=resource.version(1))
    assert created.status_code in (200, 201), created.text
    first = created.headers["ETag"]

    missing = await client.put(resource.path, json=resource.version(2))
    assert missing.status_code == 428, missing.text
    assert missing.headers["content-type"] == PROBLEM_JSON
    assert missing.json()["type"].endswith("/precondition-required")

    updated = await client.put(resource.path, json=resource.version(2), headers={"If-Match": first})
    assert updated.status_code == 200, updated.text
    second = updated.headers["ETag"]
    assert second != first
    assert (await client.get(resource.path)).headers["ETag"] == second

    stale = await client.put(resource.path, json=resource.version(3), headers={"If-Match": first})
    assert stale.status_code == 412 and stale.headers["content-type"] == PROBLEM_JSON
    assert resource.read_back((await client.get(resource.path)).json()) == resource.read_back(
        resource.version(2)
    )

    overwrite = await client.put(resource.path, json=resource.version(4), headers={"If-Match": "*"})
    assert overwrite.status_code == 200, overwrite.text


async def test_of_concurrent_updates_against_one_etag_exactly_one_wins(
    service: tuple[httpx.AsyncClient, Resource],
) -> None:
    client, resource = service
    created = await client.put(resource.path, json=resource.version(0))
    assert created.status_code in (200, 201), created.text
    etag = created.headers["ETag"]

    answers = await asyncio.gather(
        *(
            client.put(resource.path, json=resource.version(n), headers={"If-Match": etag})
            for n in range(1, WRITERS + 1)
        )
    )
    statuses = sorted(a.status_code for a in answers)
    assert statuses == [200] + [412] * (WRITERS - 1), [(a.status_code, a.text[:200]) for a in answers]
    [winner] = [n for n, a in enumerate(answers, 1) if a.status_code == 200]
    now = await client.get(resource.path)
    assert resource.read_back(now.json()) == resource.read_back(resource.version(winner))
    assert now.headers["ETag"] == answers[winner - 1].headers["ETag"]
