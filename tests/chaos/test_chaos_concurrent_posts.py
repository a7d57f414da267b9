"""Concurrent duplicate POSTs to a real invoice-service process (PostgreSQL, Kafka) create one document.

An ERP that times out and retries while the first request is still running sends the same write
twice at once: with one Idempotency-Key, or with the same natural key (invoice number, payment
reference) under different keys. Either way exactly one document exists and one event is published.
"""

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from arflow_testing import eventually
from arflow_testing.processes import API_KEY, LocalPlatform, ServiceProcess

pytestmark = [pytest.mark.kafka, pytest.mark.postgres]
COPIES = 12
INVOICE = {
    "invoice_number": "DUP-1",
    "customer_id": "C-DUP",
    "currency": "EUR",
    "amount": "1000.00",
    "issue_date": "2025-03-03",
    "due_date": "2025-04-02",
}
PAYMENT = {
    "payment_reference": "PAY-DUP-1",
    "customer_id": "C-DUP",
    "currency": "EUR",
    "amount": "400.00",
    "received_date": "2025-03-10",
    "allocations": [{"invoice_number": "DUP-1", "amount": "400.00"}],
}


@pytest.fixture
async def ledger(
    kafka_bootstrap: str, postgres_server: str, unique: str, tmp_path: Path
) -> AsyncIterator[ServiceProcess]:
    platform = LocalPlatform(kafka_bootstrap, postgres_server, unique, tmp_path, api_key=API_KEY)
    try:
        services = await platform.create()
        await services["invoice-service"].start()
        yield services["invoice-service"]
    finally:
        await platform.destroy()


async def at_once(
    client: httpx.AsyncClient, path: str, body: dict[str, Any], keys: list[str | None]
) -> list[Any]:
    """The same POST, concurrently, once per key (None: no Idempotency-Key header)."""
    return await asyncio.gather(
        *(client.post(path, json=body, headers={"Idempotency-Key": k} if k else {}) for k in keys)
    )


async def outbox_events(ledger: ServiceProcess, event_type: str) -> int:
    query = "SELECT count(*) FROM outbox WHERE convert_from(payload, 'UTF8') LIKE $1"
    rows = await ledger.sql(query, f'%"{event_type}"%')
    return int(rows[0][0])


async def test_one_key_sent_concurrently_creates_one_invoice_and_one_payment(ledger: ServiceProcess) -> None:
    client = ledger.client
    invoices = await at_once(client, "/v1/invoices", INVOICE, ["erp-inv-DUP-1"] * COPIES)
    assert [r.status_code for r in invoices] == [201] * COPIES, [r.text[:200] for r in invoices]
    assert sum(r.headers.get("Idempotent-Replayed") == "true" for r in invoices) == COPIES - 1

    payments = await at_once(client, "/v1/payments", PAYMENT, ["erp-pay-DUP-1"] * COPIES)
    assert [r.status_code for r in payments] == [201] * COPIES, [r.text[:200] for r in payments]

    listed = (await client.get("/v1/invoices", params={"customer_id": "C-DUP"})).json()["items"]
    assert [(i["invoice_number"], i["outstanding"]) for i in listed] == [("DUP-1", "600.00")]
    assert (await client.get("/v1/payments/PAY-DUP-1")).status_code == 200
    assert await outbox_events(ledger, "InvoiceIssued") == 1
    assert await outbox_events(ledger, "PaymentReceived") == 1
    await eventually(
        lambda: ledger.sql("SELECT count(*) FROM outbox WHERE published_at IS NULL"),
        lambda rows: rows[0][0] == 0,
        what="the outbox to drain",
    )


async def test_one_natural_key_under_different_keys_creates_one_document(ledger: ServiceProcess) -> None:
    keys: list[str | None] = [f"retry-{n}" for n in range(COPIES - 2)] + [None, None]
    answers = await at_once(ledger.client, "/v1/invoices", INVOICE, keys)
    # One creates it; the others find it (200), or met it mid-write (409 "retry") and find it on retry.
    for n, answer in enumerate(answers):
        while answer.status_code == 409 and "concurrent" in answer.text:
            headers = {"Idempotency-Key": keys[n]} if keys[n] else {}
            answer = await ledger.client.post("/v1/invoices", json=INVOICE, headers=headers)
        answers[n] = answer
    statuses = sorted(a.status_code for a in answers)
    assert statuses == [200] * (COPIES - 1) + [201], [a.text[:200] for a in answers]
    assert await outbox_events(ledger, "InvoiceIssued") == 1


async def test_a_key_reused_with_another_body_is_422(ledger: ServiceProcess) -> None:
    first = await ledger.client.post("/v1/invoices", json=INVOICE, headers={"Idempotency-Key": "k-1"})
    assert first.status_code == 201
    other = {**INVOICE, "invoice_number": "DUP-2"}
    reused = await ledger.client.post("/v1/invoices", json=other, headers={"Idempotency-Key": "k-1"})
    assert reused.status_code == 422 and reused.json()["type"].endswith("/idempotency-key-reused")
    assert (await ledger.client.get("/v1/invoices/DUP-2")).status_code == 404
