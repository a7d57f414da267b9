"""Smoke test on real Kafka and PostgreSQL: an invoice's event reaches every service exactly once."""

import pytest

from arflow_testing import eventually
from arflow_testing.processes import ServiceProcess

pytestmark = [pytest.mark.kafka, pytest.mark.postgres]

INVOICE = {
    "invoice_number": "SMOKE-1",
    "customer_id": "CUST-7",
    "currency": "EUR",
    "amount": "1250.40",
    "issue_date": "2024-05-02",
    "due_date": "2024-06-01",
}


async def inbox_rows(service: ServiceProcess) -> int:
    rows = await service.sql("SELECT count(*) AS n FROM inbox WHERE event_type = 'InvoiceIssued'")
    return int(rows[0]["n"])


async def test_an_issued_invoice_reaches_each_service_once_even_when_one_was_down(
    distributed_platform: dict[str, ServiceProcess],
) -> None:
    invoice, credit = distributed_platform["invoice-service"], distributed_platform["credit-service"]
    dunning, notification = (
        distributed_platform["dunning-service"],
        distributed_platform["notification-service"],
    )
    for service in distributed_platform.values():
        await service.start()
    credit.kill()  # stopped between publish and consume

    created = await invoice.client.post("/v1/invoices", json=INVOICE)
    assert created.status_code == 201, created.text
    repeated = await invoice.client.post("/v1/invoices", json=INVOICE)  # an ERP retry
    assert repeated.status_code == 200

    watched = await eventually(
        lambda: dunning.client.get("/v1/watched-invoices", params={"customer_id": "CUST-7"}),
        lambda r: r.status_code == 200 and len(r.json()) > 0,
        what="dunning to watch the invoice",
    )
    assert [(i["invoice_number"], i["outstanding"]) for i in watched.json()] == [("SMOKE-1", "1250.40")]
    scheduled = await eventually(
        lambda: notification.client.get("/v1/notifications", params={"customer_id": "CUST-7"}),
        lambda r: r.status_code == 200 and len(r.json()) > 0,
        what="notification to schedule delivery",
    )
    assert [n["subject_ref"] for n in scheduled.json()] == ["SMOKE-1"]

    await credit.start()  # back up: it consumes what it missed
    exposure = await eventually(
        lambda: credit.client.get("/v1/customers/CUST-7/exposure", params={"as_of": "2024-05-10"}),
        lambda r: r.status_code == 200 and r.json()["exposure"] != [],
        what="credit to see the invoice",
    )
    assert exposure.json()["exposure"][0]["not_yet_due"] == "1250.40"

    # Exactly once in effect: one inbox row per consumer, one projection row, nothing left behind.
    for service in (credit, dunning, notification):
        assert await inbox_rows(service) == 1
    assert (await invoice.sql("SELECT count(*) AS n FROM outbox"))[0]["n"] == 1
    await eventually(
        lambda: invoice.sql("SELECT count(*) AS n FROM outbox WHERE published_at IS NULL"),
        lambda rows: rows[0]["n"] == 0,
        what="the outbox to drain",
    )
