"""Concurrent checks of one customer queue: in the process on SQLite, on the account row on PostgreSQL."""

import asyncio
from collections import Counter
from decimal import Decimal

import pytest
from credit_harness import CreditService, running_credit_service

from arflow_credit.settings import CreditSettings
from arflow_runtime.settings import PlatformSettings

CHECKS = 8


async def checks_racing_for_the_same_credit(credit: CreditService, customer: str) -> None:
    """Each of several simultaneous orders asks for 60 % of what is available: exactly one may have it."""
    (await credit.maker.put(f"/v1/customers/{customer}", json={"name": "Racing customer"})).raise_for_status()
    before = (await credit.reader.get(f"/v1/customers/{customer}/credit")).json()
    available = Decimal(before["available"])
    assert available > 0, before
    amount = (available * Decimal("0.6")).quantize(Decimal("0.01"))

    async def check(number: int) -> str:
        body = {"order_id": f"RACE-{number}", "customer_id": customer, "amount": str(amount)}
        body["currency"] = "EUR"
        response = await credit.erp.post("/v1/credit-checks", json=body)
        assert response.status_code == 201, response.text
        return str(response.json()["decision"])

    decisions = Counter(await asyncio.gather(*(check(number) for number in range(CHECKS))))

    assert decisions["approved"] == 1, decisions
    after = (await credit.reader.get(f"/v1/customers/{customer}/credit")).json()
    assert Decimal(after["exposure"]["reserved"]) == amount
    assert Decimal(after["available"]) == available - amount


async def test_simultaneous_checks_of_one_customer_cannot_spend_the_same_credit_on_sqlite(
    credit: CreditService,
) -> None:
    await checks_racing_for_the_same_credit(credit, "C-RACE")


@pytest.mark.postgres
async def test_simultaneous_checks_of_one_customer_cannot_spend_the_same_credit_on_postgresql(
    embedded_platform: PlatformSettings, postgres_database: str
) -> None:
    settings = CreditSettings(database_url=postgres_database)
    async with running_credit_service(embedded_platform, settings) as credit:
        await checks_racing_for_the_same_credit(credit, "C-RACE")
