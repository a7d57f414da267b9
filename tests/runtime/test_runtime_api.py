"""What every service's HTTP surface promises: problem+json, auth and scopes, health, metrics."""

from collections.abc import AsyncIterator, Sequence
from pathlib import Path

import httpx
import pytest
from structlog.testing import capture_logs

from arflow_cli.replay.settle import outbox_pending_of
from arflow_invoice.main import create_app
from arflow_runtime.auth import ConfigurationError, parse_api_keys
from arflow_runtime.bus.base import Outgoing
from arflow_runtime.bus.memory import InProcessBus
from arflow_runtime.errors import PROBLEM_JSON
from arflow_runtime.settings import PlatformSettings

INVOICE = {
    "invoice_number": "A-1",
    "customer_id": "C-1",
    "currency": "EUR",
    "amount": "10.00",
    "issue_date": "2024-01-01",
    "due_date": "2024-01-31",
}


async def client_for(
    platform: PlatformSettings, bus: InProcessBus | None = None
) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(platform=platform, bus=bus)
    async with app.router.lifespan_context(app):
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://test"
        ) as client:
            yield client


@pytest.fixture
async def client(tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    keys = "erp erp-key invoices:write,invoices:read;reader read-key invoices:read"
    async for c in client_for(PlatformSettings(data_dir=tmp_path, api_keys=keys)):
        yield c


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


async def test_an_unknown_route_is_a_problem_json_404(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/no-such-thing")
    assert response.status_code == 404
    assert response.headers["content-type"] == PROBLEM_JSON
    assert response.json()["status"] == 404
    assert "/docs" in response.json()["detail"]


async def test_a_wrong_method_is_a_problem_json_405(client: httpx.AsyncClient) -> None:
    response = await client.delete("/healthz")
    assert response.status_code == 405
    assert response.headers["content-type"] == PROBLEM_JSON


async def test_invalid_input_is_a_422_naming_each_field(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/v1/invoices", json={**INVOICE, "amount": "-5", "currency": "euro"}, headers=bearer("erp-key")
    )
    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM_JSON
    fields = {error["field"] for error in response.json()["errors"]}
    assert fields == {"amount", "currency"}


async def test_a_body_that_is_not_json_is_a_422_not_a_500(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/v1/invoices",
        content=b"{not json",
        headers={**bearer("erp-key"), "content-type": "application/json"},
    )
    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM_JSON


async def test_no_key_is_401_and_an_unknown_key_is_401(client: httpx.AsyncClient) -> None:
    missing = await client.post("/v1/invoices", json=INVOICE)
    unknown = await client.post("/v1/invoices", json=INVOICE, headers=bearer("guess"))
    assert (missing.status_code, unknown.status_code) == (401, 401)
    assert missing.headers["www-authenticate"] == "Bearer"
    assert unknown.headers["content-type"] == PROBLEM_JSON


async def test_a_key_without_the_scope_is_403_and_says_which_scope(client: httpx.AsyncClient) -> None:
    response = await client.post("/v1/invoices", json=INVOICE, headers=bearer("read-key"))
    assert response.status_code == 403
    assert response.json()["required_scopes"] == ["invoices:write"]


async def test_a_key_with_the_scope_gets_through(client: httpx.AsyncClient) -> None:
    assert (await client.post("/v1/invoices", json=INVOICE, headers=bearer("erp-key"))).status_code == 201
    assert (await client.get("/v1/invoices/A-1", headers=bearer("read-key"))).status_code == 200


async def test_health_readiness_and_metrics_are_open(client: httpx.AsyncClient) -> None:
    assert (await client.get("/healthz")).json() == {"status": "ok", "service": "invoice-service"}
    ready = await client.get("/readyz")
    assert ready.status_code == 200 and ready.json()["checks"] == {"database": True, "bus": True}
    await client.get("/healthz")
    metrics = await client.get("/metrics")
    assert metrics.status_code == 200
    assert 'arflow_http_requests_total{method="GET",route="/healthz",status="200"}' in metrics.text


async def test_the_correlation_id_is_echoed(client: httpx.AsyncClient) -> None:
    response = await client.get("/healthz", headers={"X-Correlation-ID": "erp-42"})
    assert response.headers["x-correlation-id"] == "erp-42"


class UnreachableBus(InProcessBus):
    """The in-process bus, but its readiness probe says the bus is gone."""

    async def ping(self) -> bool:
        return False


async def test_readiness_is_503_when_the_bus_is_unreachable(tmp_path: Path) -> None:
    bus = UnreachableBus()
    await bus.start()
    async for client in client_for(PlatformSettings(data_dir=tmp_path), bus):
        response = await client.get("/readyz")
        assert response.status_code == 503
        assert response.headers["content-type"] == PROBLEM_JSON
        assert response.json()["checks"] == {"database": True, "bus": False}
    await bus.stop()


async def test_embedded_mode_without_keys_accepts_the_dev_key_and_warns(tmp_path: Path) -> None:
    with capture_logs() as logs:
        async for client in client_for(PlatformSettings(data_dir=tmp_path)):
            assert (
                await client.get("/v1/invoices/none", headers=bearer("arflow-dev-key"))
            ).status_code == 404
    assert any(entry["event"] == "auth.dev_key_enabled" and entry["log_level"] == "warning" for entry in logs)


def test_distributed_mode_refuses_to_start_without_keys(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="ARFLOW_API_KEYS"):
        create_app(platform=PlatformSettings(mode="distributed", data_dir=tmp_path))


def test_keys_can_be_configured_by_their_sha256_only() -> None:
    import hashlib

    digest = hashlib.sha256(b"s3cret").hexdigest()
    [key] = parse_api_keys(f"erp sha256:{digest} invoices:write")
    assert key.key_sha256 == digest and key.principal.name == "erp"


def test_a_malformed_key_entry_is_refused_with_its_position() -> None:
    with pytest.raises(ConfigurationError, match="entry 2"):
        parse_api_keys("erp key1 *;just-a-name")


class RefusingBus(InProcessBus):
    """A bus whose broker never takes a message: every committed event stays in the outbox."""

    async def publish_many(self, messages: Sequence[Outgoing]) -> None:
        raise ConnectionError("broker unreachable")


async def test_metrics_report_the_outbox_backlog_from_the_database(tmp_path: Path) -> None:
    bus = RefusingBus(tmp_path / "bus.sqlite")
    await bus.start()
    keys = "erp erp-key invoices:write"
    async for client in client_for(PlatformSettings(data_dir=tmp_path, api_keys=keys), bus):
        assert outbox_pending_of((await client.get("/metrics")).text) == 0
        for number in ("B-1", "B-2"):
            created = await client.post(
                "/v1/invoices", json={**INVOICE, "invoice_number": number}, headers=bearer("erp-key")
            )
            assert created.status_code == 201
        page = (await client.get("/metrics")).text
        assert "arflow_outbox_pending 2.0" in page
        assert outbox_pending_of(page) == 2
    await bus.stop()
