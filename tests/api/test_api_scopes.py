"""Every operation of every service declares one scope and refuses a key without it."""

import re

import httpx
import pytest

from arflow_testing.platform_keys import KEYS, SERVICES

OPEN = {"/healthz", "/readyz", "/metrics"}
# Plausible path values, so a request gets as far as authentication (this walk probes scopes,
# not parameter validation).
SAMPLE_PATH_VALUES = {"locale": "en", "key": "dunning.reminder_1", "risk_class": "B", "class": "B"}


def sample_path(path: str) -> str:
    return re.sub(r"\{([^}]+)\}", lambda m: SAMPLE_PATH_VALUES.get(m.group(1), "X-1"), path)


def operations(spec: dict) -> list[tuple[str, str, dict]]:  # type: ignore[type-arg]
    return [
        (method.upper(), path, operation)
        for path, methods in spec["paths"].items()
        for method, operation in methods.items()
        if path not in OPEN
    ]


@pytest.mark.parametrize("service", sorted(SERVICES))
def test_every_operation_declares_exactly_one_scope_and_refuses_keys_without_it(
    service: str, platform_urls: dict[str, str]
) -> None:
    base = platform_urls[service]
    spec = httpx.get(base + "/openapi.json").json()
    walked = []
    for method, path, operation in operations(spec):
        security = operation.get("security")
        assert security and len(security) == 1, f"{method} {path} declares no scope"
        [scopes] = security[0].values()
        assert len(scopes) == 1, f"{method} {path}: {scopes}"
        url = base + sample_path(path)
        body = {} if method in ("POST", "PUT", "PATCH") else None
        anonymous = httpx.request(method, url, json=body)
        assert anonymous.status_code == 401, f"{method} {path} without a key: {anonymous.status_code}"
        outsider = httpx.request(
            method, url, json=body, headers={"Authorization": f"Bearer {KEYS['nothing']}"}
        )
        assert outsider.status_code == 403, f"{method} {path} without {scopes[0]}: {outsider.status_code}"
        assert outsider.json()["required_scopes"] == scopes
        walked.append(f"{method} {path}")
    assert walked, f"{service} has no operations?"
    print(f"{service}: {len(walked)} operations walked")


@pytest.mark.parametrize("service", sorted(SERVICES))
def test_health_readiness_and_metrics_need_no_key(service: str, platform_urls: dict[str, str]) -> None:
    for path in sorted(OPEN):
        assert httpx.get(platform_urls[service] + path).status_code == 200
