"""No service exposes a way to change or delete the audit log: across all four services' routes.

credit-service's own tests (tests/credit_service/test_credit_service_maker_checker.py) prove the
rest: its audit store offers append and read only, no statement in it updates or deletes audit
rows, and database triggers refuse UPDATE, DELETE and TRUNCATE on the table.
"""

from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute

from arflow_cli.services import SERVICES
from arflow_runtime.settings import PlatformSettings

READ_ONLY = {"GET", "HEAD"}


def app_of(name: str) -> FastAPI:
    """The service's app as it is served (not started: routes and OpenAPI need no servers)."""
    return SERVICES[name].create_app(platform=PlatformSettings(api_keys="auditor audit-key *"))  # type: ignore[no-any-return]


def audit_operations(app: FastAPI) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    for route in app.routes:
        if isinstance(route, APIRoute) and "audit" in route.path.lower():
            found += [(method, route.path) for method in sorted(route.methods)]
    spec: dict[str, Any] = app.openapi()
    for path, methods in spec["paths"].items():
        if "audit" in path.lower():
            found += [(method.upper(), path) for method in methods]
    return found


@pytest.mark.parametrize("service", sorted(SERVICES))
def test_no_service_routes_anything_but_reads_to_the_audit_log(service: str) -> None:
    writes = [(m, p) for m, p in audit_operations(app_of(service)) if m not in READ_ONLY]
    assert writes == [], f"{service} can change the audit log: {writes}"


def test_the_audit_log_is_readable_where_it_lives() -> None:
    assert ("GET", "/v1/audit") in audit_operations(app_of("credit-service"))
    elsewhere = [s for s in SERVICES if s != "credit-service" and audit_operations(app_of(s))]
    assert elsewhere == []
