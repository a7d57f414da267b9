"""Dunning policies through the API: the shipped defaults, replacing one, adding one, refusing bad ones."""

import copy
from collections.abc import AsyncIterator
from datetime import date, timedelta
from pathlib import Path

import httpx
import pytest
from dunning_support import PROBLEM_JSON, DunningFeed, close_days, issued, profile

from arflow_dunning.main import create_app
from arflow_runtime.bus.memory import InProcessBus
from arflow_runtime.settings import PlatformSettings
from arflow_testing.inprocess import service_client

Api = tuple[httpx.AsyncClient, DunningFeed]
DUE = date(2024, 5, 1)

PUBLIC_SECTOR = {
    "name": "Public sector: letters only, no hold",
    "segments": ["public"],
    "stages": [
        {
            "key": "reminder_1",
            "days": 14,
            "actions": [{"type": "notification", "channels": ["letter"], "template": "dunning.reminder_1"}],
        },
        {
            "key": "formal_demand",
            "days": 45,
            "minimum_amounts": {"EUR": "100"},
            "actions": [
                {
                    "type": "notification",
                    "channels": ["letter"],
                    "template": "dunning.formal_demand",
                    "formal_demand": True,
                },
                {"type": "task", "task": "call", "assignee": "salesperson"},
                {"type": "fee", "amounts": {"EUR": "5.00"}},
            ],
        },
    ],
}


async def test_the_shipped_defaults_are_in_force_for_classes_a_to_d(dunning_api: Api) -> None:
    client, _ = dunning_api
    policies = (await client.get("/v1/dunning-policies")).json()
    assert [(p["policy_id"], p["risk_classes"], p["version"], p["built_in"]) for p in policies] == [
        (f"default-{c.lower()}", [c], 0, True) for c in "ABCD"
    ]
    b = await client.get("/v1/dunning-policies/default-b")
    assert b.headers["etag"] == '"0"'
    assert [(s["key"], s["days"]) for s in b.json()["stages"]] == [
        ("friendly_reminder", -3),
        ("reminder_1", 1),
        ("reminder_2", 7),
        ("formal_demand", 15),
        ("final_notice", 30),
        ("lawyer_letter", 60),
        ("agency_handover", 90),
    ]
    final = b.json()["stages"][4]["actions"]
    assert [a["type"] for a in final] == ["credit_hold", "notification", "fee", "interest"]
    assert final[2]["amounts"]["EUR"] == "15.00"
    assert b.json()["stages"][5]["minimum_amounts"]["EUR"] == "250"
    assert (await client.get("/v1/dunning-policies/nope")).status_code == 404


async def test_a_replaced_default_takes_effect_and_if_match_guards_against_lost_updates(
    dunning_api: Api,
) -> None:
    client, feed = dunning_api
    b = (await client.get("/v1/dunning-policies/default-b")).json()
    changed = {k: b[k] for k in ("name", "risk_classes", "segments", "stages")}
    changed["stages"] = copy.deepcopy(changed["stages"][1:])  # no pre-due reminder any more
    changed["stages"][0]["days"] = 3
    replaced = await client.put("/v1/dunning-policies/default-b", json=changed, headers={"If-Match": '"0"'})
    assert replaced.status_code == 200, replaced.text
    assert (replaced.json()["version"], replaced.headers["etag"]) == (1, '"1"')
    stale = await client.put("/v1/dunning-policies/default-b", json=changed, headers={"If-Match": '"0"'})
    assert stale.status_code == 412 and stale.headers["content-type"] == PROBLEM_JSON

    await feed.feed(issued("A-1", "C-1", DUE))
    await close_days(feed, DUE - timedelta(days=5), DUE + timedelta(days=3))
    (reached,) = await feed.published("DunningStageReached")
    assert (reached.data["stage_name"], reached.data["as_of"]) == ("Reminder 1", "2024-05-04")


async def test_a_segment_policy_wins_for_its_customers(dunning_api: Api) -> None:
    client, feed = dunning_api
    created = await client.put("/v1/dunning-policies/public-sector", json=PUBLIC_SECTOR)
    assert created.status_code == 201, created.text
    assert created.json()["version"] == 1 and not created.json()["built_in"]
    await feed.feed(profile("GOV-1", collector="col-9", segment="public", salesperson_id="sp-3"))
    await feed.feed(issued("G-1", "GOV-1", DUE, "150.00"))
    await feed.feed(issued("G-2", "GOV-1", DUE, "40.00"))
    await close_days(feed, DUE - timedelta(days=5), DUE + timedelta(days=50))
    reached = await feed.published("DunningStageReached")
    assert [(r.data["policy_id"], r.data["stage_name"], r.data["invoice_numbers"]) for r in reached] == [
        ("public-sector", "Reminder 1", ["G-1", "G-2"]),
        ("public-sector", "Formal demand", ["G-1"]),  # G-2 is below the stage's minimum
    ]
    (task,) = await feed.published("CollectionTaskCreated")
    assert task.data["collector_id"] == "sp-3"
    (fee,) = await feed.published("ChargeRequested")
    assert (fee.data["invoice_number"], fee.data["amount"]) == ("G-1", "5.00")


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (lambda p: p["stages"].reverse(), "invalid-dunning-policy"),  # days out of order
        (lambda p: p["stages"][0].update(actions=[]), "validation-error"),
        (lambda p: p["stages"][0]["actions"].append({"type": "teleport"}), "validation-error"),
        (lambda p: p["stages"][1]["actions"][2].update(amounts={"EUR": 5.0}), "validation-error"),  # float
        (lambda p: p["stages"][1].update(key="Formal Demand"), "validation-error"),
        (lambda p: p.update(risk_classes=["E"]), "validation-error"),
        (lambda p: p["stages"][1].update(key="reminder_1"), "invalid-dunning-policy"),  # repeated key
    ],
)
async def test_a_malformed_policy_is_a_422_problem(dunning_api: Api, change: object, problem: str) -> None:
    client, _ = dunning_api
    body = copy.deepcopy(PUBLIC_SECTOR)
    change(body)  # type: ignore[operator]
    response = await client.put("/v1/dunning-policies/public-sector", json=body)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == PROBLEM_JSON
    assert response.json()["type"].endswith(problem)


async def test_no_risk_class_may_be_left_without_a_policy(dunning_api: Api) -> None:
    client, _ = dunning_api
    a = (await client.get("/v1/dunning-policies/default-a")).json()
    body = {k: a[k] for k in ("name", "segments", "stages")} | {"risk_classes": ["B"]}
    response = await client.put("/v1/dunning-policies/default-a", json=body)
    assert response.status_code == 422 and "risk class A" in response.json()["detail"]
    catch_all = {k: a[k] for k in ("name", "segments", "stages")}  # any class
    assert (await client.put("/v1/dunning-policies/fallback", json=catch_all)).status_code == 201
    assert (await client.put("/v1/dunning-policies/default-a", json=body)).status_code == 200


async def test_unit_costs_can_be_set_by_an_admin(dunning_api: Api) -> None:
    client, _ = dunning_api
    response = await client.put("/v1/dunning-unit-costs", json={"costs": {"letter": "2.10", "call": "12"}})
    assert response.status_code == 200
    costs = (await client.get("/v1/dunning-unit-costs")).json()["costs"]
    assert (costs["letter"], costs["call"], costs["email"]) == ("2.10", "12.00", "0.05")
    assert (await client.put("/v1/dunning-unit-costs", json={"costs": {"letter": 2.1}})).status_code == 422


@pytest.fixture
async def scoped(tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    keys = (
        "reader read-key dunning:read;collector work-key dunning:work,dunning:read;"
        "admin admin-key dunning:admin"
    )
    bus = InProcessBus()
    await bus.start()
    app = create_app(platform=PlatformSettings(data_dir=tmp_path, api_keys=keys), bus=bus)
    async with service_client(app, headers={}) as client:
        yield client
    await bus.stop()


async def test_policies_need_dunning_admin_and_collector_actions_dunning_work(
    scoped: httpx.AsyncClient,
) -> None:
    def key(name: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {name}-key"}

    assert (await scoped.get("/v1/dunning-policies", headers=key("read"))).status_code == 200
    put = await scoped.put("/v1/dunning-policies/public-sector", json=PUBLIC_SECTOR, headers=key("work"))
    assert put.status_code == 403 and put.json()["required_scopes"] == ["dunning:admin"]
    assert (
        await scoped.put("/v1/dunning-policies/public-sector", json=PUBLIC_SECTOR, headers=key("admin"))
    ).status_code == 201
    note = await scoped.post("/v1/cases/C/notes", json={"text": "x"}, headers=key("read"))
    assert note.status_code == 403 and note.json()["required_scopes"] == ["dunning:work"]
    assert (
        await scoped.post("/v1/cases/C/notes", json={"text": "x"}, headers=key("work"))
    ).status_code == 404
    assert (await scoped.get("/v1/worklist")).status_code == 401
