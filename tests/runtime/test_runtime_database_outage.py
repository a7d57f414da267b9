"""A database that drops its connections costs a retry, never a 500 or a lost or doubled write.

Pooled connections are not pinged before use (a round trip per request saved), so the first
statement on a connection the server has closed fails: the API must answer 503 problem+json with
Retry-After, and the retried request must then go through, once.
"""

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import event, text
from sqlalchemy.exc import OperationalError

from arflow_invoice.main import create_app
from arflow_invoice.settings import InvoiceSettings
from arflow_runtime.db import create_engine
from arflow_runtime.errors import PROBLEM_JSON, install_problem_handlers
from arflow_runtime.settings import PlatformSettings

INVOICE = {
    "customer_id": "C-1",
    "currency": "EUR",
    "amount": "10.00",
    "issue_date": "2024-01-01",
    "due_date": "2024-01-31",
}
AUTH = {"Authorization": "Bearer erp-key"}


async def test_a_lost_connection_is_a_503_problem_with_retry_after_and_a_bug_stays_a_500() -> None:
    app = FastAPI()
    install_problem_handlers(app)

    @app.get("/lost")
    async def lost() -> None:
        raise OperationalError("SELECT 1", {}, ConnectionResetError("connection was closed in the middle"))

    @app.get("/bug")
    async def bug() -> None:
        raise KeyError("a bug")

    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        lost_answer = await client.get("/lost")
        bug_answer = await client.get("/bug")
    assert lost_answer.status_code == 503
    assert lost_answer.headers["content-type"] == PROBLEM_JSON
    assert lost_answer.headers["retry-after"] == "1"
    assert "Send the same request again" in lost_answer.json()["detail"]
    assert bug_answer.status_code == 500
    assert bug_answer.headers["content-type"] == PROBLEM_JSON


@pytest.fixture
async def ledger(tmp_path: Path, postgres_database: str) -> AsyncIterator[tuple[httpx.AsyncClient, FastAPI]]:
    platform = PlatformSettings(data_dir=tmp_path, api_keys="erp erp-key *")
    app = create_app(InvoiceSettings(database_url=postgres_database), platform)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://test", headers=AUTH) as client:
            yield client, app


@pytest.mark.postgres
async def test_after_the_server_drops_every_connection_a_retried_write_lands_once(
    ledger: tuple[httpx.AsyncClient, FastAPI], postgres_database: str
) -> None:
    client, app = ledger
    first = await client.post("/v1/invoices", json={**INVOICE, "invoice_number": "OUT-1"})
    assert first.status_code == 201, first.text
    database = postgres_database.rsplit("/", 1)[1]
    admin = await asyncpg.connect(postgres_database.replace("postgresql+asyncpg", "postgresql"))
    try:
        killed = await admin.fetchval(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = $1 AND pid <> pg_backend_pid()",
            database,
        )
    finally:
        await admin.close()
    assert killed >= 1, "the service held no pooled connection to drop"

    answers = []
    for _ in range(5):  # bounded: one failure per dropped pool, then a fresh connection
        response = await client.post(
            "/v1/invoices",
            json={**INVOICE, "invoice_number": "OUT-2"},
            headers={"Idempotency-Key": "k-out-2"},
        )
        answers.append(response.status_code)
        if response.status_code == 503:
            assert response.headers["content-type"] == PROBLEM_JSON
            assert response.headers["retry-after"] == "1"
            continue
        break
    assert answers[-1] == 201, answers
    assert 500 not in answers
    async with app.state.runtime.database.engine.connect() as connection:
        stored = await connection.scalar(text("SELECT count(*) FROM invoices WHERE invoice_number = 'OUT-2'"))
    assert stored == 1


@pytest.mark.postgres
async def test_a_burst_leaves_its_connections_open_for_the_next_and_the_pool_opens_no_more(
    postgres_database: str,
) -> None:
    """Opening a connection per burst (a server process, set-up queries, statements prepared again)
    cost credit checks the most exactly when they were busiest: the pool keeps what it opened."""
    engine = create_engine(postgres_database, pool_size=4)
    opened = 0

    def count(*_: object) -> None:
        nonlocal opened
        opened += 1

    event.listen(engine.sync_engine, "connect", count)
    try:
        for _ in range(3):  # three bursts of eight concurrent statements

            async def one() -> None:
                async with engine.connect() as connection:
                    await connection.execute(text("SELECT pg_sleep(0.01)"))

            await asyncio.gather(*(one() for _ in range(8)))
        assert opened == 4  # the first burst opened the pool's four; the rest waited their turn
        assert engine.pool.checkedin() == 4  # type: ignore[attr-defined]
    finally:
        await engine.dispose()
