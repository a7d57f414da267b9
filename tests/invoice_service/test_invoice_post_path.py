"""POST /v1/invoices: the answer, rows and InvoiceIssued of the ORM path, on SQLite and PostgreSQL."""

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from ledger_support import Ledger, assert_problem, drained, ledger_settings
from sqlalchemy import select

from arflow_invoice.ledger.common import content_of
from arflow_invoice.ledger.invoicing import PreparedInvoice, prepare_invoice
from arflow_invoice.main import create_app
from arflow_invoice.schemas import InvoiceIn
from arflow_invoice.store import Invoice, InvoiceInstalment, InvoiceLine
from arflow_runtime.settings import PlatformSettings
from arflow_testing.inprocess import runtime_of, service_client

PLAIN = {
    "invoice_number": "P-1",
    "customer_id": "C-1",
    "currency": "EUR",
    "amount": "1250.40",
    "issue_date": "2024-05-02",
    "due_date": "2024-06-01",
}
SHAPES: dict[str, dict[str, Any]] = {
    "plain": PLAIN,
    "quoted": {
        "invoice_number": "Q/1.x",
        "customer_id": 'C-"q" \\ b',
        "currency": "KWD",
        "amount": "3.125",
        "issue_date": "2024-01-31",
        "payment_terms": "net 30",
        "salesperson_id": "S-1",
        "order_id": 'PO "7", 2024',
    },
    "terms": {
        "invoice_number": "T-1",
        "customer_id": "C-2",
        "currency": "EUR",
        "amount": "99.99",
        "issue_date": "2024-01-31",
        "payment_terms": "2/10 NET 30",
        "terms": {
            "late_interest_rate": "0.08",
            "day_count": "ACT/360",
            "dunning_fee": "5",
            "jurisdiction": "DE",
        },
    },
    "lines": {
        "invoice_number": "L-1",
        "customer_id": "C-1",
        "currency": "EUR",
        "issue_date": "2024-05-02",
        "due_date": "2024-06-01",
        "lines": [
            {
                "description": "widgets",
                "quantity": "3",
                "unit_price": "100.00",
                "amount": "300.00",
                "tax_amount": "57",
            },
            {"description": "freight", "amount": "50.40"},
        ],
        "terms": {"jurisdiction": "US-NY"},
    },
    "instalments": {
        "invoice_number": "I-1",
        "customer_id": "C-3",
        "currency": "JPY",
        "amount": "100000",
        "issue_date": "2024-05-02",
        "instalments": [
            {"due_date": "2024-07-01", "amount": "60000"},
            {"due_date": "2024-06-01", "amount": "40000"},
        ],
    },
}
PLAIN_ANSWER = (
    b'{"invoice_number":"P-1","customer_id":"C-1","currency":"EUR","amount":"1250.40",'
    b'"issue_date":"2024-05-02","due_date":"2024-06-01","salesperson_id":null,"payment_terms":null,'
    b'"order_id":null,"tax_amount":null,"terms":null,"discount":null,"instalments":[],"lines":[],'
    b'"outstanding":"1250.40","status":"open","paid_date":null,"days_late":null,"days_to_settle":null,'
    b'"as_of":null,"outstanding_by_part":{"fees":"0.00","interest":"0.00","principal":"1250.40"},'
    b'"disputed_amount":"0.00","overdue_notified_on":null}'
)
"""The 201 body of PLAIN, byte for byte, as the ORM path answered it."""


@pytest.fixture(params=["postgresql", "sqlite"])
async def any_ledger(
    request: pytest.FixtureRequest, embedded_platform: PlatformSettings
) -> AsyncIterator[Ledger]:
    """An embedded ledger on PostgreSQL or on SQLite (the bus in process)."""
    url = request.getfixturevalue("postgres_database") if request.param == "postgresql" else None
    app = create_app(settings=ledger_settings(database_url=url), platform=embedded_platform)
    async with service_client(app) as client:
        yield Ledger(app, client, embedded_platform)
        await drained(app)


def prepared(body: dict[str, Any]) -> PreparedInvoice:
    """What the single POST must store and announce for `body` (the rows the ORM path built)."""
    invoice = InvoiceIn.model_validate(body)
    return prepare_invoice(invoice, content_of(invoice, "invoice_number"))


async def stored(ledger: Ledger, table: Any, **where: Any) -> list[dict[str, Any]]:
    """Rows of a ledger table, read back through its column types, in id order."""
    columns = table.__table__.c
    query = select(table.__table__).where(*(columns[k] == v for k, v in where.items())).order_by(columns.id)
    async with runtime_of(ledger.app).database.engine.connect() as connection:
        return [dict(row) for row in (await connection.execute(query)).mappings()]


async def test_a_new_invoice_answers_what_reading_it_back_shows(any_ledger: Ledger) -> None:
    for body in SHAPES.values():
        created = await any_ledger.client.post("/v1/invoices", json=body)
        assert created.status_code == 201, created.text
        shown = await any_ledger.client.get(f"/v1/invoices/{body['invoice_number']}")
        assert created.content == shown.content
    assert (await any_ledger.client.get("/v1/invoices/P-1")).content == PLAIN_ANSWER


async def test_a_new_invoice_stores_the_rows_and_the_event_of_the_orm_path(any_ledger: Ledger) -> None:
    before = datetime.now(UTC)
    for body in SHAPES.values():
        await any_ledger.post("/v1/invoices", body, 201)
    events = {e.data["invoice_number"]: e for e in await any_ledger.events("InvoiceIssued")}
    for body in SHAPES.values():
        expected = prepared(body)
        [row] = await stored(any_ledger, Invoice, invoice_number=body["invoice_number"])
        created_at = row.pop("created_at")
        created_at = created_at.replace(tzinfo=created_at.tzinfo or UTC)  # SQLite drops the zone (UTC)
        assert before - timedelta(seconds=1) <= created_at <= datetime.now(UTC)
        assert row.pop("overdue_notified_on") is None
        key = row.pop("id")
        assert row == expected.values
        lines = await stored(any_ledger, InvoiceLine, invoice_id=key)
        assert [{k: v for k, v in line.items() if k != "id"} for line in lines] == [
            {**line, "invoice_id": key} for line in expected.lines
        ]
        instalments = await stored(any_ledger, InvoiceInstalment, invoice_id=key)
        assert [{k: v for k, v in i.items() if k != "id"} for i in instalments] == [
            {**i, "invoice_id": key} for i in expected.instalments
        ]
        event = events[body["invoice_number"]]
        assert (event.customer_id, event.producer) == (body["customer_id"], "invoice-service")
        assert event.data == expected.event.model_dump(mode="json")


async def test_the_same_invoice_again_answers_200_with_the_first_body(any_ledger: Ledger) -> None:
    for body in SHAPES.values():
        first = await any_ledger.client.post("/v1/invoices", json=body)
        again = await any_ledger.client.post("/v1/invoices", json=body)
        assert (first.status_code, again.status_code) == (201, 200)
        assert again.content == first.content
    reformatted = await any_ledger.client.post("/v1/invoices", json={**PLAIN, "amount": "1250.4"})
    assert (reformatted.status_code, reformatted.content) == (200, PLAIN_ANSWER)
    assert len(await any_ledger.events("InvoiceIssued")) == len(SHAPES)
    assert len(await stored(any_ledger, Invoice)) == len(SHAPES)


async def test_other_content_under_a_taken_number_is_a_conflict_naming_what_differs(
    any_ledger: Ledger,
) -> None:
    await any_ledger.post("/v1/invoices", PLAIN, 201)
    other = await any_ledger.client.post("/v1/invoices", json={**PLAIN, "amount": "1250.41"})
    assert assert_problem(other, 409, "P-1", "amount")["differing_fields"] == ["amount"]
    # A copy the domain would refuse still answers as a repeat of the number: what differs.
    invalid = await any_ledger.client.post("/v1/invoices", json={**PLAIN, "amount": "1250.411"})
    assert assert_problem(invalid, 409, "P-1")["differing_fields"] == ["amount"]
    new = await any_ledger.client.post(
        "/v1/invoices", json={**PLAIN, "invoice_number": "P-2", "amount": "1.001"}
    )
    assert_problem(new, 422, "decimal places")
    assert len(await any_ledger.events("InvoiceIssued")) == 1


async def test_one_number_posted_twice_at_once_is_entered_once(any_ledger: Ledger) -> None:
    posted = await asyncio.gather(*(any_ledger.client.post("/v1/invoices", json=PLAIN) for _ in range(2)))
    assert sorted(r.status_code for r in posted) == [200, 201]
    assert posted[0].content == posted[1].content == PLAIN_ANSWER
    # Under two customers' locks at once, the second insert waits for the first to commit, then
    # finds the number taken: the same 409 naming what differs as a later request gets.
    other_customer = {**PLAIN, "invoice_number": "P-2", "customer_id": "C-2"}
    clashing = await asyncio.gather(
        any_ledger.client.post("/v1/invoices", json={**PLAIN, "invoice_number": "P-2"}),
        any_ledger.client.post("/v1/invoices", json=other_customer),
    )
    created = [r for r in clashing if r.status_code == 201]
    [refused] = [r for r in clashing if r.status_code != 201]
    assert len(created) == 1
    assert assert_problem(refused, 409, "P-2", "customer_id")["differing_fields"] == ["customer_id"]
    issued = await any_ledger.events("InvoiceIssued")
    assert sorted(e.data["invoice_number"] for e in issued) == ["P-1", "P-2"]
