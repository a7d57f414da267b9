"""`<SERVICE>_PROCESSES=2`: one port, two processes, one service — on real Kafka and PostgreSQL."""

import os
import signal
from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path

import httpx
import pytest
from aiokafka.admin import AIOKafkaAdminClient

from arflow_cli import main as cli
from arflow_cli.local import LocalPlatform, ServiceProcess
from arflow_testing import eventually

API_KEY = "test-key"
HEALTHZ_COUNT = 'arflow_http_requests_total{method="GET",route="/healthz",status="200"}'
INVOICE = {
    "invoice_number": "PROCS-1",
    "customer_id": "CUST-PROCS",
    "currency": "EUR",
    "amount": "1234.56",
    "issue_date": "2024-05-02",
    "due_date": "2024-06-01",
}


def children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text().rpartition(")")[2].split()
            except OSError:
                continue
            if int(stat[1]) == pid:
                found.append(int(entry.name))
    return sorted(found)


def environment_of(pid: int) -> dict[str, str]:
    pairs = Path(f"/proc/{pid}/environ").read_bytes().decode().split("\0")
    return dict(pair.split("=", 1) for pair in pairs if "=" in pair)


def existing(paths: list[str]) -> list[str]:
    return [path for path in paths if os.path.exists(path)]


async def healthz_on_a_new_connection(url: str) -> int:
    async with httpx.AsyncClient(base_url=url, timeout=10) as client:  # a new connection each time
        return (await client.get("/healthz")).status_code


async def group_members(bootstrap: str, group: str) -> int:
    """How many members the consumer group has on the broker now (0 while it rebalances)."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        [response] = await admin.describe_consumer_groups([group])
        [described] = response.to_object()["groups"]
        return len(described["members"]) if described["state"] == "Stable" else 0
    finally:
        await admin.close()


async def processes_of(service: ServiceProcess) -> list[int]:
    """The processes `arflow serve` started, once both serve (/readyz answered by one of them)."""
    assert service.process is not None
    supervisor = service.process.pid
    await eventually(
        lambda: _async(service.log_path.read_text().count('"event": "service.started"')),
        lambda started: started == 2,
        what="both processes to have started",
    )
    return await eventually(lambda: _async(children(supervisor)), lambda found: len(found) == 2, what="both")


@pytest.fixture
async def two_process_credit(
    kafka_bootstrap: str, postgres_server: str, unique: str, tmp_path: Path
) -> AsyncIterator[tuple[ServiceProcess, ServiceProcess]]:
    two = {"CREDIT_PROCESSES": "2"}
    platform = LocalPlatform(kafka_bootstrap, postgres_server, unique, tmp_path, API_KEY, extra_env=two)
    try:
        services = await platform.create()
        await services["invoice-service"].start()
        await services["credit-service"].start()
        yield services["invoice-service"], services["credit-service"]
    finally:
        await platform.destroy()


@pytest.mark.kafka
@pytest.mark.postgres
async def test_two_processes_serve_one_port_count_together_and_both_consume(
    two_process_credit: tuple[ServiceProcess, ServiceProcess], kafka_bootstrap: str
) -> None:
    ledger, credit = two_process_credit
    workers = await processes_of(credit)
    roles = {environment_of(pid)["CREDIT_PROCESS_ROLE"]: pid for pid in workers}
    assert set(roles) == {"all", "replica"}
    metrics_dir = environment_of(workers[0])["PROMETHEUS_MULTIPROC_DIR"]

    # Each process answers on the port by itself: freeze one, the other takes every connection.
    served = 0
    for frozen in roles.values():
        os.kill(frozen, signal.SIGSTOP)
        try:
            for _ in range(5):
                assert await healthz_on_a_new_connection(credit.url) == 200
                served += 1
        finally:
            os.kill(frozen, signal.SIGCONT)

    # /metrics counts the whole service, whichever process a scrape reaches.
    for _ in range(4):
        text = (await credit.client.get("/metrics")).text
        line = next(x for x in text.splitlines() if x.startswith(HEALTHZ_COUNT))
        assert float(line.rsplit(" ", 1)[1]) == served

    # Both processes are members of credit's consumer group, the partitions split between them
    # (what each role runs, background jobs included: tests/runtime/test_runtime_process_roles.py).
    log = credit.log_path.read_text()
    assert '"role": "replica", "consumes": ["' in log
    prefix = environment_of(workers[0])["ARFLOW_TOPIC_PREFIX"]
    await eventually(
        lambda: group_members(kafka_bootstrap, f"{prefix}credit-service"),
        lambda members: members == 2,
        timeout=60,
        what="both processes in credit's consumer group",
    )
    posted = await ledger.client.post("/v1/invoices", json=INVOICE)
    assert posted.status_code == 201, posted.text
    view = await eventually(
        lambda: credit.client.get("/v1/customers/CUST-PROCS/credit"),
        lambda r: r.status_code == 200 and Decimal(r.json()["exposure"]["total"]) > 0,
        timeout=90,
        what="credit-service to see the invoice",
    )
    assert view.json()["exposure"]["total"] == "1234.56"

    credit.terminate()
    assert credit.process is not None and credit.process.returncode == 0
    assert not existing([f"/proc/{pid}" for pid in workers] + [metrics_dir])


@pytest.mark.kafka
@pytest.mark.postgres
async def test_when_one_process_dies_the_service_stops_and_says_so(
    two_process_credit: tuple[ServiceProcess, ServiceProcess],
) -> None:
    _, credit = two_process_credit
    workers = await processes_of(credit)
    os.kill(workers[-1], signal.SIGKILL)
    assert credit.process is not None
    process = credit.process
    code = await eventually(
        lambda: _async(process.poll()), lambda code: code is not None, timeout=60, what="the stop"
    )
    assert code == 1
    assert not existing([f"/proc/{pid}" for pid in workers])
    assert "service.process.exited" in credit.log_path.read_text()


def test_several_processes_need_postgresql_and_kafka(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ARFLOW_MODE", "embedded")
    monkeypatch.setenv("CREDIT_PROCESSES", "2")
    monkeypatch.delenv("CREDIT_DATABASE_URL", raising=False)
    with pytest.raises(SystemExit, match="CREDIT_PROCESSES=2 needs ARFLOW_MODE=distributed"):
        cli.main(["serve", "credit-service"])


async def _async(value: object) -> object:
    return value
