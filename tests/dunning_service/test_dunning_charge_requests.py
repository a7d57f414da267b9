"""Fees and late interest requested from the ledger per contract terms, and the ledger's answer."""

from datetime import date, timedelta
from decimal import Decimal

import httpx
from dunning_support import DunningFeed, close_days, issued

from arflow_contracts.ledger import ChargePostedV1, PaymentAllocatedV1
from arflow_contracts.terms import ContractTerms

DUE = date(2024, 5, 1)
TERMS = ContractTerms(late_interest_rate=Decimal("0.08"), day_count="ACT/360", dunning_fee=Decimal("20.00"))
Api = tuple[httpx.AsyncClient, DunningFeed]


def charges(requests: list, number: str) -> list[tuple[str, str]]:  # type: ignore[type-arg]
    return [(r.data["kind"], r.data["amount"]) for r in requests if r.data["invoice_number"] == number]


async def test_fees_and_interest_follow_the_contract_and_are_requested_once_per_stage(
    dunning_api: Api,
) -> None:
    client, feed = dunning_api
    await feed.feed(issued("I-1", "C-1", DUE, "1000.00", terms=TERMS))
    await feed.feed(issued("I-2", "C-1", DUE, "100.00"))  # no terms: the policy's fee, no interest
    await close_days(feed, DUE - timedelta(days=3), DUE + timedelta(days=30))
    requests = await feed.published("ChargeRequested")
    assert charges(requests, "I-1") == [("fee", "20.00"), ("interest", "6.67")]  # 1000 × 8 % × 30/360
    assert charges(requests, "I-2") == [("fee", "15.00")]
    (interest,) = [r.data for r in requests if r.data["kind"] == "interest"]
    assert (interest["rate"], interest["day_count"], interest["period_start"], interest["period_end"]) == (
        "0.08",
        "ACT/360",
        "2024-05-02",
        "2024-05-31",
    )
    assert requests[0].data["reason"] == "dunning stage final_notice"

    for request in [r for r in requests if r.data["invoice_number"] == "I-1"]:
        posted = ChargePostedV1(
            charge_id=f"CH-{request.data['kind']}",
            customer_id="C-1",
            invoice_number="I-1",
            kind=request.data["kind"],
            amount=Decimal(request.data["amount"]),
            currency="EUR",
            posted_on=DUE + timedelta(days=30),
            requested_by=request.data["request_id"],
        )
        await feed.feed(posted)
        await feed.feed(posted)  # the ledger says it again under a new event id: counted once
    invoice = (await client.get("/v1/watched-invoices/I-1")).json()
    assert (invoice["charges_outstanding"], invoice["outstanding"]) == ("26.67", "1026.67")

    await feed.feed(
        PaymentAllocatedV1(
            payment_reference="PAY-1",
            customer_id="C-1",
            invoice_number="I-1",
            amount=Decimal("126.67"),
            currency="EUR",
            charges=Decimal("20.00"),
            interest=Decimal("6.67"),
            principal=Decimal("100.00"),
            allocated_on=DUE + timedelta(days=40),
            outstanding_after=Decimal("900.00"),
        )
    )
    await close_days(feed, DUE + timedelta(days=31), DUE + timedelta(days=60))
    requests = await feed.published("ChargeRequested")
    # The lawyer letter (+60) charges interest again, from the last charge, on what principal is left.
    assert charges(requests, "I-1") == [("fee", "20.00"), ("interest", "6.67"), ("interest", "6.00")]
    assert (requests[-1].data["period_start"], requests[-1].data["period_end"]) == (
        "2024-06-01",
        "2024-06-30",
    )
    assert charges(requests, "I-2") == [("fee", "15.00")]  # below the lawyer's minimum: holds


async def test_a_currency_without_a_configured_fee_is_charged_none(dunning: DunningFeed) -> None:
    await dunning.feed(issued("K-1", "C-1", DUE, "5000.00", currency="SEK"))
    await close_days(dunning, DUE - timedelta(days=3), DUE + timedelta(days=30))
    assert await dunning.published("ChargeRequested") == []
    assert len(await dunning.published("CreditHoldRequested")) == 1
