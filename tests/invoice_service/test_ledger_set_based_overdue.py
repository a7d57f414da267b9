"""The day close's set-based InvoiceOverdue on PostgreSQL equals the row-by-row close on SQLite."""

import json
from collections import Counter
from typing import Any

from ledger_support import Ledger, drained, ledger_settings
from sqlalchemy import text

from arflow_contracts import EventEnvelope
from arflow_contracts.ledger import InvoiceOverdueV1
from arflow_invoice.main import create_app
from arflow_runtime.settings import PlatformSettings
from arflow_testing.inprocess import runtime_of, service_client

INVOICES = [
    {
        "invoice_number": f"OD-{n}",
        "customer_id": f"C-{n % 2}",
        "currency": currency,
        "amount": amount,
        "issue_date": "2024-01-01",
        "due_date": due,
    }
    for n, (currency, amount, due) in enumerate(
        [
            ("EUR", "100.50", "2024-01-31"),
            ("JPY", "5000", "2024-01-31"),
            ("KWD", "1.125", "2024-02-01"),
            ("EUR", "70", "2024-02-02"),
            ("USD", "12", "2024-03-01"),
        ]
    )
] + [
    {
        "invoice_number": "OD-plan",
        "customer_id": 'C-"q"',
        "currency": "EUR",
        "amount": "300",
        "issue_date": "2024-01-01",
        "instalments": [
            {"due_date": "2024-01-15", "amount": "100"},
            {"due_date": "2024-02-15", "amount": "200"},
        ],
    },
]


async def scenario(database_url: str | None, platform: PlatformSettings) -> tuple[list[Any], list[Any]]:
    """Invoices, a partial payment, a late payment, three closes; the ledger's events and outbox rows."""
    app = create_app(settings=ledger_settings(database_url=database_url), platform=platform)
    async with service_client(app) as client:
        ledger = Ledger(app, client, platform)
        for body in INVOICES:
            await ledger.post("/v1/invoices", body)
        await ledger.post(
            "/v1/payments",
            {
                "payment_reference": "P-1",
                "customer_id": "C-0",
                "currency": "EUR",
                "amount": "30.25",
                "received_date": "2024-01-20",
                "allocations": [{"invoice_number": "OD-0", "amount": "30.25"}],
            },
        )
        await ledger.post(
            "/v1/payments",
            {
                "payment_reference": "P-2",
                "customer_id": "C-1",
                "currency": "EUR",
                "amount": "70",
                "received_date": "2024-02-02",
            },
        )
        for day in ("2024-01-31", "2024-02-03", "2024-02-20"):
            await ledger.post("/v1/day-close", {"as_of": day}, expect=201)
        await ledger.post("/v1/day-close", {"as_of": "2024-02-03"}, expect=200)
        events = await ledger.events("InvoiceOverdue", "BusinessDayClosed")
        async with runtime_of(app).database.engine.connect() as connection:
            rows = (
                await connection.execute(
                    text("SELECT event_id, payload, headers, message_key FROM outbox ORDER BY id")
                )
            ).all()
        await drained(app)
    return events, rows


async def test_set_based_overdue_events_equal_the_row_by_row_ones(
    postgres_database: str, embedded_platform: PlatformSettings, tmp_path: Any, unique: str
) -> None:
    on_postgres, rows = await scenario(postgres_database, embedded_platform)
    sqlite_platform = PlatformSettings(
        mode="embedded", data_dir=tmp_path / "sqlite", topic_prefix=f"{unique}s."
    )
    on_sqlite, _ = await scenario(None, sqlite_platform)

    def facts(events: list[EventEnvelope]) -> list[str]:
        return sorted(json.dumps([e.event_type, e.customer_id, e.data], sort_keys=True) for e in events)

    # 21 days closed (the first close, 1-3 Feb, 4-20 Feb); 4 invoices overdue (OD-3 was paid in time)
    assert Counter(e.event_type for e in on_postgres) == {"BusinessDayClosed": 21, "InvoiceOverdue": 4}
    assert facts(on_postgres) == facts(on_sqlite)


async def test_overdue_outbox_rows_are_pydantic_envelopes_byte_for_byte(
    postgres_database: str, embedded_platform: PlatformSettings
) -> None:
    _, rows = await scenario(postgres_database, embedded_platform)
    overdue = [row for row in rows if b'"event_type":"InvoiceOverdue"' in bytes(row.payload)]
    assert {EventEnvelope.from_bytes(bytes(r.payload)).data["invoice_number"] for r in overdue} == {
        "OD-0",
        "OD-1",
        "OD-2",
        "OD-plan",
    }
    for row in overdue:
        envelope = EventEnvelope.from_bytes(bytes(row.payload))
        data = InvoiceOverdueV1.model_validate(envelope.data)
        rebuilt = envelope.model_copy(update={"data": data.model_dump(mode="json")})
        assert bytes(row.payload) == rebuilt.to_bytes()
        assert row.event_id == str(envelope.event_id) and row.message_key == data.customer_id
        assert row.headers == json.dumps([[k, v.decode()] for k, v in rebuilt.headers()])
