"""Credit notes, disputes, write-offs with maker-checker approval, charges from dunning's ChargeRequested."""

from collections.abc import AsyncIterator
from datetime import date
from decimal import Decimal

import httpx
import pytest
from ledger_support import Ledger, assert_problem, drained, ledger_settings
from pydantic import SecretStr

from arflow_contracts.dunning import ChargeRequestedV1
from arflow_contracts.notification import DemandDeliveredV1
from arflow_contracts.topics import dead_letter_topic
from arflow_invoice.main import create_app
from arflow_runtime.bus.memory import InProcessBus
from arflow_runtime.settings import PlatformSettings
from arflow_testing import eventually
from arflow_testing.inprocess import consumed_everything, publish, runtime_of, service_client

INVOICE = {
    "invoice_number": "A",
    "customer_id": "C-1",
    "currency": "EUR",
    "amount": "100.00",
    "issue_date": "2024-01-01",
    "due_date": "2024-01-31",
}


@pytest.fixture
async def booked(ledger: Ledger) -> Ledger:
    await ledger.post("/v1/invoices", INVOICE, 201)
    return ledger


async def test_a_credit_note_reduces_the_invoice_and_can_settle_it(booked: Ledger) -> None:
    note = {
        "credit_note_number": "CN-1",
        "customer_id": "C-1",
        "currency": "EUR",
        "amount": "40.00",
        "issue_date": "2024-01-10",
        "invoice_number": "A",
        "reason": "damaged",
    }
    assert (await booked.post("/v1/credit-notes", note, 201))["invoice_number"] == "A"
    assert (await booked.client.post("/v1/credit-notes", json=note)).status_code == 200
    assert (await booked.get("/v1/invoices/A"))["outstanding"] == "60.00"
    await booked.post(
        "/v1/credit-notes",
        {**note, "credit_note_number": "CN-2", "amount": "60.00", "issue_date": "2024-01-12"},
        201,
    )
    shown = await booked.get("/v1/invoices/A")
    assert (shown["outstanding"], shown["status"], shown["paid_date"]) == ("0.00", "paid", "2024-01-12")
    issued = await booked.events("CreditNoteIssued")
    assert [(e.data["credit_note_number"], e.data["outstanding_after"]) for e in issued] == [
        ("CN-1", "60.00"),
        ("CN-2", "0.00"),
    ]
    assert len(await booked.events("InvoicePaid")) == 1


async def test_a_valid_dispute_issues_a_credit_note_and_an_invalid_one_returns_to_collection(
    booked: Ledger,
) -> None:
    opened = await booked.post(
        "/v1/disputes",
        {
            "dispute_id": "D-1",
            "invoice_number": "A",
            "opened_date": "2024-02-01",
            "reason_code": "price",
            "amount": "30.00",
        },
        201,
    )
    assert (opened["status"], opened["amount"]) == ("open", "30.00")
    shown = await booked.get("/v1/invoices/A")
    assert (shown["status"], shown["disputed_amount"]) == ("disputed", "30.00")
    resolved = await booked.post(
        "/v1/disputes/D-1/resolve", {"outcome": "valid", "resolved_date": "2024-02-10"}, 200
    )
    assert (resolved["resolution"], resolved["credit_note_number"]) == ("valid", "CN-D-1")
    assert (
        await booked.client.post(
            "/v1/disputes/D-1/resolve", json={"outcome": "valid", "resolved_date": "2024-02-10"}
        )
    ).status_code == 200
    assert_problem(
        await booked.client.post(
            "/v1/disputes/D-1/resolve", json={"outcome": "invalid", "resolved_date": "2024-02-10"}
        ),
        409,
        "already resolved",
    )
    shown = await booked.get("/v1/invoices/A")
    assert (shown["status"], shown["outstanding"]) == ("partially_paid", "70.00")
    assert (await booked.get("/v1/invoices/A", as_of="2024-02-05"))["status"] == "disputed"

    await booked.post(
        "/v1/disputes",
        {"dispute_id": "D-2", "invoice_number": "A", "opened_date": "2024-02-11", "reason_code": "quality"},
        201,
    )
    assert (await booked.get("/v1/disputes/D-2"))["amount"] == "70.00"
    await booked.post("/v1/disputes/D-2/resolve", {"outcome": "invalid", "resolved_date": "2024-02-20"}, 200)
    assert (await booked.get("/v1/invoices/A"))["outstanding"] == "70.00"
    disputed = await booked.events("InvoiceDisputed")
    assert [(e.data["dispute_id"], e.data["disputed_amount"]) for e in disputed] == [
        ("D-1", "30.00"),
        ("D-2", "70.00"),
    ]
    outcomes = await booked.events("DisputeResolved")
    assert [(e.data["outcome"], e.data["credit_note_number"]) for e in outcomes] == [
        ("valid", "CN-D-1"),
        ("invalid", None),
    ]


@pytest.fixture
async def two_people(
    embedded_platform: PlatformSettings,
) -> AsyncIterator[tuple[httpx.AsyncClient, httpx.AsyncClient]]:
    keys = (
        "maker maker-key invoices:write,invoices:read,invoices:approve;"
        "checker checker-key invoices:read,invoices:approve;clerk clerk-key invoices:write,invoices:read"
    )
    platform = embedded_platform.model_copy(update={"api_keys": SecretStr(keys)})
    app = create_app(settings=ledger_settings(write_off_approval_limit=Decimal("50")), platform=platform)
    async with service_client(app, headers={"Authorization": "Bearer maker-key"}) as maker:
        checker = httpx.AsyncClient(
            transport=maker._transport,
            base_url="http://service",
            headers={"Authorization": "Bearer checker-key"},
        )
        async with checker:
            yield maker, checker
        await drained(app)


async def test_a_write_off_above_the_limit_needs_a_second_person(
    two_people: tuple[httpx.AsyncClient, httpx.AsyncClient],
) -> None:
    maker, checker = two_people
    assert (await maker.post("/v1/invoices", json=INVOICE)).status_code == 201
    assert (
        await maker.post("/v1/invoices", json={**INVOICE, "invoice_number": "SMALL", "amount": "20.00"})
    ).status_code == 201
    small = await maker.post(
        "/v1/write-offs",
        json={
            "write_off_id": "W-0",
            "invoice_number": "SMALL",
            "written_off_date": "2024-06-30",
            "reason": "small balance",
        },
    )
    assert small.status_code == 201 and small.json()["status"] == "approved"

    request = {
        "write_off_id": "W-1",
        "invoice_number": "A",
        "written_off_date": "2024-06-30",
        "reason": "insolvent",
    }
    pending = await maker.post("/v1/write-offs", json=request)
    assert pending.status_code == 202 and pending.json()["status"] == "pending_approval"
    assert (await maker.get("/v1/invoices/A")).json()["outstanding"] == "100.00"
    assert [w["write_off_id"] for w in (await checker.get("/v1/write-offs")).json()] == ["W-1"]
    assert_problem(await maker.post("/v1/write-offs/W-1/approve"), 403, "cannot also approve")
    approved = await checker.post("/v1/write-offs/W-1/approve", json={"note": "ok per board"})
    assert approved.status_code == 200, approved.text
    assert (approved.json()["status"], approved.json()["decided_by"]) == ("approved", "checker")
    shown = (await maker.get("/v1/invoices/A")).json()
    assert (shown["outstanding"], shown["status"], shown["paid_date"]) == ("0.00", "written_off", None)
    assert (await maker.get("/v1/invoices/A", params={"as_of": "2024-06-29"})).json()[
        "outstanding"
    ] == "100.00"
    assert_problem(await checker.post("/v1/write-offs/W-1/reject"), 409, "already approved")
    clerk = httpx.AsyncClient(
        transport=maker._transport, base_url="http://service", headers={"Authorization": "Bearer clerk-key"}
    )
    async with clerk:
        assert_problem(await clerk.post("/v1/write-offs/W-1/approve"), 403, "invoices:approve")


async def test_the_outstanding_change_before_approval_is_caught(
    two_people: tuple[httpx.AsyncClient, httpx.AsyncClient],
) -> None:
    maker, checker = two_people
    await maker.post("/v1/invoices", json=INVOICE)
    await maker.post(
        "/v1/write-offs",
        json={
            "write_off_id": "W-1",
            "invoice_number": "A",
            "written_off_date": "2024-06-30",
            "reason": "insolvent",
        },
    )
    await maker.post(
        "/v1/credit-notes",
        json={
            "credit_note_number": "CN-1",
            "customer_id": "C-1",
            "currency": "EUR",
            "amount": "10.00",
            "issue_date": "2024-06-01",
            "invoice_number": "A",
        },
    )
    assert_problem(
        await checker.post("/v1/write-offs/W-1/approve"), 409, "changed since", "request a new one"
    )
    rejected = await checker.post("/v1/write-offs/W-1/reject")
    assert rejected.json()["status"] == "rejected"


def charge_request(request_id: str = "R-1", invoice: str = "A", currency: str = "EUR") -> ChargeRequestedV1:
    return ChargeRequestedV1(
        request_id=request_id,
        customer_id="C-1",
        invoice_number=invoice,
        kind="fee",
        amount=Decimal("7.50"),
        currency=currency,
        reason="stage 2 fee",
        as_of=date(2024, 2, 15),
    )


async def test_charge_requested_posts_a_fee_once_and_a_bad_request_is_dead_lettered(booked: Ledger) -> None:
    runtime = runtime_of(booked.app)
    for event in (
        charge_request(),
        charge_request(),
        charge_request("R-2", invoice="NOPE"),
        charge_request("R-3", currency="USD"),
    ):
        await publish(runtime.bus, booked.platform, event, customer_id="C-1")
    await eventually(lambda: consumed_everything(booked.app), lambda done: done, what="the charge requests")
    shown = await booked.get("/v1/invoices/A")
    assert (shown["outstanding"], shown["outstanding_by_part"]["fees"]) == ("107.50", "7.50")
    [posted] = await booked.events("ChargePosted")
    assert (posted.data["kind"], posted.data["requested_by"], posted.data["amount"]) == ("fee", "R-1", "7.50")
    assert (await booked.get("/v1/charges/R-1"))["kind"] == "fee"
    bus = runtime.bus
    assert isinstance(bus, InProcessBus)
    dead = await bus.read_topic(dead_letter_topic(booked.platform.topic(ChargeRequestedV1.topic)))
    reasons = sorted((record.header("dlq_error") or "") for record in dead)
    assert (
        len(reasons) == 2 and "NOPE" in reasons[0] + reasons[1] and "not converted" in reasons[0] + reasons[1]
    )


async def test_a_delivered_demand_and_a_confirmed_statement_restart_limitation(booked: Ledger) -> None:
    await booked.post("/v1/invoices", {**INVOICE, "invoice_number": "B"}, 201)
    report = await booked.get("/v1/reports/limitation", as_of="2026-12-31", within_days=60)
    assert [(c["invoice_number"], c["expires_on"], c["days_left"]) for c in report["claims"]] == [
        ("A", "2027-01-31", 31),
        ("B", "2027-01-31", 31),
    ]
    runtime = runtime_of(booked.app)
    await publish(
        runtime.bus,
        booked.platform,
        DemandDeliveredV1(
            request_id="N-1", customer_id="C-1", invoice_numbers=("A",), delivered_on=date(2025, 6, 1)
        ),
        customer_id="C-1",
    )
    await eventually(lambda: consumed_everything(booked.app), lambda done: done, what="the demand")
    confirmed = await booked.post(
        "/v1/customers/C-1/statement-confirmations", {"confirmed_date": "2025-03-01"}, 200
    )
    assert confirmed["invoice_numbers"] == ["A", "B"]
    report = await booked.get("/v1/reports/limitation", as_of="2027-12-31", within_days=365)
    assert [(c["invoice_number"], c["expires_on"]) for c in report["claims"]] == [
        ("B", "2028-03-01"),
        ("A", "2028-06-01"),
    ]
