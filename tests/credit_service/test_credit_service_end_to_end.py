"""End to end on real Kafka and PostgreSQL: an invoice posted to the ledger shows in the customer's credit."""

from decimal import Decimal

import pytest

from arflow_testing import eventually
from arflow_testing.processes import ServiceProcess, distributed_platform  # noqa: F401  (fixture)

pytestmark = [pytest.mark.kafka, pytest.mark.postgres]

INVOICE = {
    "invoice_number": "E2E-CREDIT-1",
    "customer_id": "CUST-E2E",
    "currency": "EUR",
    "amount": "4321.09",
    "issue_date": "2024-05-02",
    "due_date": "2024-06-01",
}


async def test_an_invoice_posted_to_the_ledger_appears_in_the_customers_credit_exposure(
    distributed_platform: dict[str, ServiceProcess],  # noqa: F811
) -> None:
    ledger, credit = distributed_platform["invoice-service"], distributed_platform["credit-service"]
    await ledger.start()
    await credit.start()

    posted = await ledger.client.post("/v1/invoices", json=INVOICE)
    assert posted.status_code in (200, 201), posted.text

    view = await eventually(
        lambda: credit.client.get("/v1/customers/CUST-E2E/credit"),
        lambda r: r.status_code == 200 and Decimal(r.json()["exposure"]["total"]) > 0,
        timeout=90,
        what="credit-service to see the invoice",
    )
    exposure = view.json()["exposure"]
    assert Decimal(exposure["not_yet_due"]) + Decimal(exposure["overdue"]) == Decimal("4321.09")
    assert exposure["total"] == "4321.09"
    assert view.json()["risk_class"] in {"A", "B", "C", "D"}
    rated = await credit.sql("SELECT count(*) AS n FROM outbox WHERE topic LIKE '%credit.events'")
    assert rated[0]["n"] >= 1  # at least the customer's first CreditRatingChanged
