"""Maker-checker limit changes and the append-only audit log."""

import ast
import inspect
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from credit_harness import CreditService, credit_core, day_closed, invoice
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

import arflow_credit
from arflow_credit.store import audit as audit_store

TODAY = date(2024, 5, 2)


async def request_limit(credit: CreditService, limit: str = "25000.00") -> dict[str, Any]:
    response = await credit.maker.post(
        "/v1/customers/C-1/limit-changes",
        json={"new_limit": limit, "currency": "EUR", "reason": "grew with us"},
    )
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


async def test_the_requester_may_not_approve_its_own_limit_change(credit: CreditService) -> None:
    await credit.feed(day_closed(TODAY))
    request = await request_limit(credit)
    assert (request["status"], request["requested_by"], request["previous_limit"]) == (
        "pending",
        "maker",
        "10000.00",
    )

    # "checker" holds credit:write too, so it can make a request that it then may not approve itself
    own = (
        await credit.checker.post(
            "/v1/customers/C-1/limit-changes", json={"new_limit": "1.00", "currency": "EUR", "reason": "mine"}
        )
    ).json()
    refused = await credit.checker.post(f"/v1/customers/C-1/limit-changes/{own['request_id']}/approve")

    assert refused.status_code == 403
    assert refused.headers["content-type"] == "application/problem+json"
    body = refused.json()
    assert body["type"].endswith("credit-self-approval") and "may not decide" in body["detail"]
    still = (await credit.reader.get(f"/v1/customers/C-1/limit-changes/{own['request_id']}")).json()
    assert still["status"] == "pending"
    assert (await credit.reader.get("/v1/customers/C-1/credit")).json()["limit"] == "10000.00"


async def test_another_principal_with_credit_approve_applies_the_change(credit: CreditService) -> None:
    await credit.feed(day_closed(TODAY))
    request = await request_limit(credit)
    url = f"/v1/customers/C-1/limit-changes/{request['request_id']}"

    no_scope = await credit.maker.post(f"{url}/approve")
    approved = await credit.checker.post(f"{url}/approve", json={"reason": "reviewed the accounts"})
    twice = await credit.checker.post(f"{url}/approve")

    assert (no_scope.status_code, no_scope.json()["required_scopes"]) == (403, ["credit:approve"])
    assert approved.status_code == 200
    assert (approved.json()["status"], approved.json()["decided_by"]) == ("approved", "checker")
    assert twice.status_code == 409 and "already approved" in twice.json()["detail"]
    view = (await credit.reader.get("/v1/customers/C-1/credit")).json()
    assert (view["limit"], view["limit_source"]) == ("25000.00", "customer")


async def test_a_rejection_needs_a_reason_and_leaves_the_limit(credit: CreditService) -> None:
    await credit.feed(day_closed(TODAY))
    request = await request_limit(credit)
    url = f"/v1/customers/C-1/limit-changes/{request['request_id']}/reject"

    unexplained = await credit.checker.post(url, json={})
    rejected = await credit.checker.post(url, json={"reason": "payment history too short"})

    assert unexplained.status_code == 422 and unexplained.json()["errors"][0]["field"] == "reason"
    assert (rejected.json()["status"], rejected.json()["decision_reason"]) == (
        "rejected",
        "payment history too short",
    )
    assert (await credit.reader.get("/v1/customers/C-1/credit")).json()["limit"] == "10000.00"


async def test_every_change_is_in_the_audit_log_with_who_when_before_after_and_why(
    credit: CreditService,
) -> None:
    await credit.feed(day_closed(TODAY))
    await credit.maker.put("/v1/customers/C-1", json={"name": "Acme", "email": "ap@acme.example"})
    request = await request_limit(credit)
    await credit.checker.post(
        f"/v1/customers/C-1/limit-changes/{request['request_id']}/approve", json={"reason": "reviewed"}
    )
    await credit.maker.post("/v1/customers/C-1/holds", json={"reason": "legal review"})
    await credit.maker.put(
        "/v1/credit-policies/B", json={"limit": "40000.00", "currency": "EUR", "terms_days": 30}
    )

    customer = (await credit.reader.get("/v1/audit", params={"customer_id": "C-1"})).json()
    everything = (await credit.reader.get("/v1/audit")).json()

    steps = [(e["subject"], e["action"], e["actor"]) for e in customer if e["subject"] != "risk_class"]
    assert steps == [
        ("customer_profile", "created", "maker"),
        ("limit_change", "requested", "maker"),
        ("limit_change", "approved", "checker"),
        ("credit_hold", "placed", "maker"),
    ]
    approval = next(e for e in customer if e["action"] == "approved")
    assert (approval["before"]["limit"], approval["after"]["limit"], approval["reason"]) == (
        "10000.00",
        "25000.00",
        "reviewed",
    )
    assert approval["business_date"] == "2024-05-02" and approval["recorded_at"].endswith("Z")
    profile = customer[0]
    assert profile["after"]["email"] == "<set>"  # personal data stays out of the audit log
    policy = everything[-1]
    assert (policy["subject"], policy["subject_id"], policy["customer_id"]) == ("credit_policy", "B", None)
    assert (policy["before"]["limit_amount"], policy["after"]["limit_amount"]) == ("50000.00", "40000.00")
    ids = [e["id"] for e in everything]
    assert ids == sorted(ids)
    page = (await credit.reader.get("/v1/audit", params={"after_id": ids[1], "limit": 2})).json()
    assert [e["id"] for e in page] == ids[2:4]


def all_routes(app: FastAPI) -> list[tuple[str, set[str]]]:
    """Every (path, methods) the app serves, through included routers, and as OpenAPI documents them."""
    found: list[tuple[str, set[str]]] = []

    def walk(routes: list[Any], prefix: str = "") -> None:
        for route in routes:
            nested = getattr(getattr(route, "original_router", None), "routes", None)
            if nested is not None:
                walk(nested, prefix + getattr(getattr(route, "include_context", None), "prefix", ""))
            elif hasattr(route, "methods"):
                found.append((prefix + route.path, set(route.methods or ())))

    walk(list(app.routes))
    for path, operations in app.openapi()["paths"].items():
        found.append((path, {method.upper() for method in operations}))
    return found


async def test_the_audit_log_has_no_update_or_delete_path(credit: CreditService) -> None:
    routes = all_routes(credit.app)
    audit_routes = [(path, methods) for path, methods in routes if "audit" in path]

    assert audit_routes and all(methods <= {"GET", "HEAD"} for _, methods in audit_routes), audit_routes
    assert {path for path, _ in routes} >= {"/v1/audit", "/v1/credit-checks", "/v1/customers/{customer_id}"}
    for method in ("PUT", "PATCH", "DELETE", "POST"):
        response = await credit.checker.request(method, "/v1/audit", json={})
        assert response.status_code == 405 and response.headers["content-type"] == "application/problem+json"


def test_the_audit_store_offers_appending_and_reading_only() -> None:
    public = {
        name
        for name, member in inspect.getmembers(audit_store, inspect.isfunction)
        if member.__module__ == audit_store.__name__ and not name.startswith("_")
    }
    assert public == {"append_audit", "audit_trail"}

    # Nowhere in the service is the audit table the target of an UPDATE or DELETE.
    package = Path(arflow_credit.__file__).parent
    for source in package.rglob("*.py"):
        tree = ast.parse(source.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", "")) in (
                "update",
                "delete",
            ):
                targets = {getattr(arg, "id", None) for arg in node.args}
                assert "AuditEntry" not in targets, f"{source}: {ast.unparse(node)}"
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                lowered = node.value.lower()
                for verb in ("update audit_log", "delete from audit_log", "truncate audit_log"):
                    assert verb not in lowered, f"{source}: {node.value[:80]}"


@pytest.mark.parametrize("backend", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def test_the_database_refuses_to_rewrite_the_audit_log(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    url = (
        request.getfixturevalue("postgres_database")
        if backend == "postgres"
        else f"sqlite+aiosqlite:///{tmp_path}/credit.sqlite"
    )
    async with credit_core(url) as core:
        await core.feed(day_closed(TODAY))
        await core.feed(invoice("INV-1", "C-1", "10.00", TODAY, TODAY))  # a first rating: one audit entry
        for statement in ("UPDATE audit_log SET actor = 'mallory'", "DELETE FROM audit_log"):
            async with core.database.engine.connect() as connection:
                with pytest.raises(DBAPIError, match="append-only"):
                    await connection.execute(text(statement))
        async with core.database.engine.connect() as connection:
            assert (await connection.execute(text("SELECT actor FROM audit_log"))).scalars().all() == [
                "system"
            ]
