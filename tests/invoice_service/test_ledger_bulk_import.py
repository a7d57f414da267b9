"""POST /v1/invoice-imports: the same invoices and InvoiceIssued events as the single POST, all or none."""

import csv
import io
import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
from ledger_support import Ledger, assert_problem, drained, ledger_settings
from sqlalchemy import text

from arflow_contracts import EventEnvelope
from arflow_contracts.ledger import InvoiceIssuedV1
from arflow_invoice.main import create_app
from arflow_runtime.settings import PlatformSettings
from arflow_testing.inprocess import runtime_of, service_client

CSV = {"Content-Type": "text/csv"}
NDJSON = {"Content-Type": "application/x-ndjson"}
IGNORED = {"id", "invoice_number", "created_at"}


async def running(database_url: str | None, platform: PlatformSettings) -> AsyncIterator[Ledger]:
    app = create_app(settings=ledger_settings(database_url=database_url), platform=platform)
    async with service_client(app) as client:
        yield Ledger(app, client, platform)
        await drained(app)


@pytest.fixture
async def pg_ledger(postgres_database: str, embedded_platform: PlatformSettings) -> AsyncIterator[Ledger]:
    """invoice-service on a PostgreSQL database of its own (bus in process)."""
    async for ledger in running(postgres_database, embedded_platform):
        yield ledger


@pytest.fixture(params=["postgresql", "sqlite"])
async def any_ledger(
    request: pytest.FixtureRequest, embedded_platform: PlatformSettings
) -> AsyncIterator[Ledger]:
    """The import on both databases: set-based on PostgreSQL, row by row on SQLite."""
    url = request.getfixturevalue("postgres_database") if request.param == "postgresql" else None
    async for ledger in running(url, embedded_platform):
        yield ledger


def invoices(prefix: str) -> list[dict[str, Any]]:
    """Invoices of every shape: plain ones (several currencies, quotes) and ones needing the full path."""
    plain = [
        {
            "invoice_number": f"{prefix}-{n}",
            "customer_id": f"C-{n % 3}",
            "currency": currency,
            "amount": amount,
            "issue_date": "2024-03-01",
            "due_date": "2024-03-31",
        }
        for n, (currency, amount) in enumerate(
            [("EUR", "1250.40"), ("EUR", "10"), ("JPY", "120000"), ("KWD", "3.125"), ("USD", "0.10")]
        )
    ]
    plain[0] |= {"salesperson_id": "S-1", "order_id": 'PO "7", 2024'}
    plain[1] |= {"customer_id": 'C-"quoted" \\ back'}
    full = [
        {
            "invoice_number": f"{prefix}-terms",
            "customer_id": "C-0",
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
        {
            "invoice_number": f"{prefix}-eom",
            "customer_id": "客户-1",
            "currency": "CNY",
            "amount": "800",
            "issue_date": "2024-02-10",
            "due_date": "2024-03-15",
            "payment_terms": "EOM+15",
        },
    ]
    return plain + full


def as_csv(rows: list[dict[str, Any]]) -> bytes:
    columns = [
        "invoice_number",
        "customer_id",
        "currency",
        "amount",
        "issue_date",
        "due_date",
        "payment_terms",
        "salesperson_id",
        "order_id",
        "late_interest_rate",
        "day_count",
        "dunning_fee",
        "jurisdiction",
    ]
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(columns)
    for row in rows:
        flat = {**row, **row.get("terms", {})}
        writer.writerow([flat.get(column, "") for column in columns])
    return out.getvalue().encode()


def as_ndjson(rows: list[dict[str, Any]]) -> bytes:
    return "".join(json.dumps(row) + "\n" for row in rows).encode()


async def stored_rows(ledger: Ledger, table: str, order: str = "id") -> list[dict[str, Any]]:
    async with runtime_of(ledger.app).database.engine.connect() as connection:
        result = await connection.execute(text(f"SELECT * FROM {table} ORDER BY {order}"))
        return [dict(row._mapping) for row in result]


async def issued(ledger: Ledger) -> dict[str, EventEnvelope]:
    return {e.data["invoice_number"]: e for e in await ledger.events("InvoiceIssued")}


def comparable(row: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in row.items() if key not in IGNORED}


async def test_imported_invoices_equal_what_the_single_endpoint_creates(any_ledger: Ledger) -> None:
    ledger = any_ledger
    for body in invoices("ONE"):
        await ledger.post("/v1/invoices", body, expect=201)
    csv_rows = invoices("CSV")
    ndjson_rows = invoices("ND") + [
        {
            "invoice_number": "ND-lines",
            "customer_id": "C-9",
            "currency": "EUR",
            "issue_date": "2024-03-01",
            "due_date": "2024-04-01",
            "lines": [{"amount": "60.00", "tax_amount": "10"}, {"amount": "40.5"}],
        },
        {
            "invoice_number": "ND-plan",
            "customer_id": "C-9",
            "currency": "EUR",
            "amount": "300",
            "issue_date": "2024-03-01",
            "instalments": [
                {"due_date": "2024-04-01", "amount": "100"},
                {"due_date": "2024-05-01", "amount": "200"},
            ],
        },
    ]
    for body in ndjson_rows[-2:]:
        await ledger.post("/v1/invoices", {**body, "invoice_number": "ONE" + body["invoice_number"][2:]})

    response = await ledger.client.post("/v1/invoice-imports", content=as_csv(csv_rows), headers=CSV)
    assert response.status_code == 201, response.text
    assert response.json() == {"rows": 7, "created": 7, "existing": 0}
    response = await ledger.client.post("/v1/invoice-imports", content=as_ndjson(ndjson_rows), headers=NDJSON)
    assert response.status_code == 201 and response.json()["created"] == 9, response.text

    rows = {r["invoice_number"]: r for r in await stored_rows(ledger, "invoices")}
    events = await issued(ledger)
    for prefix, count in (("CSV", 7), ("ND", 9)):
        imported = sorted(n for n in rows if n.startswith(prefix + "-"))
        assert len(imported) == count
        for number in imported:
            single = "ONE" + number[len(prefix) :]
            assert comparable(rows[number]) == comparable(rows[single]), number
            mine, theirs = events[number], events[single]
            assert mine.data == {**theirs.data, "invoice_number": number}
            assert (mine.customer_id, mine.producer, mine.event_version) == (
                theirs.customer_id,
                theirs.producer,
                theirs.event_version,
            )
    lines = await stored_rows(ledger, "invoice_lines", "invoice_id, line_number")
    instalments = await stored_rows(ledger, "invoice_instalments", "invoice_id, due_date")
    assert [comparable(r) | {"invoice_id": 0} for r in lines[:2]] == [
        comparable(r) | {"invoice_id": 0} for r in lines[2:]
    ]
    assert [comparable(r) | {"invoice_id": 0} for r in instalments[:2]] == [
        comparable(r) | {"invoice_id": 0} for r in instalments[2:]
    ]
    listed = await ledger.get("/v1/invoices/CSV-0", as_of="2024-04-15")
    assert listed["days_overdue"] == 15 and listed["outstanding"] == "1250.40"


async def test_outbox_rows_are_the_envelopes_the_relay_publishes_byte_for_byte(pg_ledger: Ledger) -> None:
    body = as_csv(invoices("BYTES"))
    response = await pg_ledger.client.post(
        "/v1/invoice-imports", content=body, headers={**CSV, "X-Correlation-ID": "migration-42"}
    )
    assert response.status_code == 201, response.text
    outbox = await stored_rows(pg_ledger, "outbox")
    rows = {r["invoice_number"]: r for r in await stored_rows(pg_ledger, "invoices")}
    assert len(outbox) == len(rows) == 7
    for stored in outbox:
        envelope = EventEnvelope.from_bytes(bytes(stored["payload"]))
        row = rows[envelope.data["invoice_number"]]
        expected = InvoiceIssuedV1.model_validate(envelope.data)
        assert expected.amount == row["amount"] and expected.due_date == row["due_date"]
        rebuilt = EventEnvelope(
            event_id=envelope.event_id,
            event_type="InvoiceIssued",
            event_version=1,
            occurred_at=envelope.occurred_at,
            producer="invoice-service",
            customer_id=row["customer_id"],
            correlation_id="migration-42",
            causation_id=None,
            data=expected.model_dump(mode="json"),
        )
        assert bytes(stored["payload"]) == rebuilt.to_bytes()
        assert stored["event_id"] == str(envelope.event_id) and stored["message_key"] == row["customer_id"]
        assert json.loads(stored["headers"]) == [[k, v.decode()] for k, v in rebuilt.headers()]
        assert stored["topic"] == pg_ledger.platform.topic("ledger.events")


async def test_invalid_rows_are_refused_naming_row_and_field_and_nothing_is_stored(
    any_ledger: Ledger,
) -> None:
    rows = invoices("BAD")
    rows[1] = {**rows[1], "amount": "10.001"}
    rows[2] = {**rows[2], "currency": "XXY"}
    rows[3] = {**rows[3], "due_date": "2024-02-01"}
    rows[4] = {**rows[4], "issue_date": "2024-02-30"}
    response = await any_ledger.client.post("/v1/invoice-imports", content=as_csv(rows), headers=CSV)
    problem = assert_problem(response, 422, "row 2", "BAD-1", "decimal", "nothing was imported")
    assert problem["error_count"] == 4
    assert [(e["row"], e["invoice_number"], e["field"]) for e in problem["errors"]] == [
        (2, "BAD-1", "amount"),
        (3, "BAD-2", "currency"),
        (4, "BAD-3", "due_date"),
        (5, "BAD-4", "issue_date"),
    ]
    assert await stored_rows(any_ledger, "invoices") == []
    assert await stored_rows(any_ledger, "outbox") == []

    odd = (
        b'{"invoice_number": "N-1", "customer_id": "C", "currency": "EUR", "amount": 1.5, '
        b'"issue_date": "2024-01-01", "due_date": "2024-01-31", "colour": "red"}\n'
    )
    problem = assert_problem(
        await any_ledger.client.post("/v1/invoice-imports", content=odd, headers=NDJSON), 422, "row 1"
    )
    assert problem["errors"][0]["field"] == "amount"
    assert_problem(
        await any_ledger.client.post("/v1/invoice-imports", content=b"{not json\n", headers=NDJSON),
        422,
        "line 1",
    )
    assert_problem(
        await any_ledger.client.post("/v1/invoice-imports", content=b"number,amount\n", headers=CSV),
        422,
        "number",
    )
    assert_problem(
        await any_ledger.client.post(
            "/v1/invoice-imports", content=b"x", headers={"Content-Type": "application/json"}
        ),
        415,
        "text/csv",
    )


async def test_reimport_is_a_no_op_and_changed_content_is_a_conflict(any_ledger: Ledger) -> None:
    rows = invoices("AGAIN")
    first = await any_ledger.client.post("/v1/invoice-imports", content=as_csv(rows), headers=CSV)
    assert first.status_code == 201, first.text
    before = (await stored_rows(any_ledger, "invoices"), len(await stored_rows(any_ledger, "outbox")))

    repeated = rows + rows[:2]  # the same file again, with two rows twice over
    again = await any_ledger.client.post("/v1/invoice-imports", content=as_csv(repeated), headers=CSV)
    assert again.status_code == 200 and again.json() == {"rows": 9, "created": 0, "existing": 9}
    assert (await stored_rows(any_ledger, "invoices"), len(await stored_rows(any_ledger, "outbox"))) == before

    changed = rows + [{**rows[0], "invoice_number": "AGAIN-new"}, {**rows[1], "amount": "11"}]
    conflict = await any_ledger.client.post("/v1/invoice-imports", content=as_csv(changed), headers=CSV)
    problem = assert_problem(conflict, 409, "row 9", "AGAIN-1", "amount")
    assert problem["errors"] == [
        {"row": 9, "invoice_number": "AGAIN-1", "field": "amount", "detail": problem["errors"][0]["detail"]}
    ]
    assert (await stored_rows(any_ledger, "invoices"), len(await stored_rows(any_ledger, "outbox"))) == before
