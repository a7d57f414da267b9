"""Bulk import on PostgreSQL: COPY plain rows into a staging table, then set-based INSERT ... SELECT.

Per batch, one statement inserts the staged invoices (`ON CONFLICT (invoice_number) DO NOTHING`:
numbers already in the ledger are skipped) and, from what it inserted, their `InvoiceIssued`
envelopes into the outbox (`store.outbox_sql`). The stored row is the one the single POST
stores for such an invoice: its `content` (the canonical JSON natural-key retries compare) is
built here as `json.dumps(..., sort_keys=True)` builds it, and its figures are those of a new
invoice (outstanding = amount, status open). The caller holds the write gate exclusively.
"""

from collections.abc import Sequence
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from arflow_contracts.ledger import InvoiceIssuedV1
from arflow_invoice.ledger.import_rows import PLAIN_COLUMNS, PlainRow
from arflow_invoice.store.outbox_sql import (
    CURRENCY_UNITS,
    EVENT_ID,
    data_object,
    envelope_sql,
    iso_date,
    json_text,
    money_text,
)
from arflow_runtime.outbox import Outbox

STAGING = "invoice_import"
_CREATE = text(
    f"CREATE TEMPORARY TABLE IF NOT EXISTS {STAGING} (row_no integer, invoice_number text, "
    "customer_id text, currency text, amount numeric, issue_date date, due_date date, "
    "salesperson_id text, order_id text) ON COMMIT DROP"
)


def _content(s: str) -> str:
    """SQL of the row's canonical content: json.dumps(model_dump(exclude invoice_number), sort_keys=True)."""
    fields = [
        ("amount", f"'\"' || trim_scale({s}.amount)::text || '\"'"),
        ("currency", f"'\"' || {s}.currency || '\"'"),
        ("customer_id", json_text(f"{s}.customer_id")),
        ("due_date", iso_date(f"{s}.due_date")),
        ("instalments", "'null'"),
        ("issue_date", iso_date(f"{s}.issue_date")),
        ("lines", "'null'"),
        ("order_id", json_text(f"{s}.order_id")),
        ("payment_terms", "'null'"),
        ("salesperson_id", json_text(f"{s}.salesperson_id")),
        ("terms", "'null'"),
    ]
    # json.dumps separates with ", " and ": "; plain rows are printable ASCII, which to_json and
    # json.dumps escape alike (only '"' and '\').
    return (
        " || ".join(
            f"'{'{' if n == 0 else ', '}\"{key}\": ' || {value}" for n, (key, value) in enumerate(fields)
        )
        + " || '}'"
    )


_COLUMNS = (
    "invoice_number, customer_id, currency, amount, issue_date, due_date, salesperson_id, order_id, "
    "has_instalments, has_disputes, has_charges, content, created_at, outstanding, principal_reduced, "
    "fees_reduced, interest_reduced, status, last_document_date, earliest_due_date"
)
_VALUES = (
    "s.invoice_number, s.customer_id, s.currency, s.amount, s.issue_date, s.due_date, s.salesperson_id, "
    f"s.order_id, false, false, false, {_content('s')}, now(), s.amount, 0, 0, 0, 'open', "
    "s.issue_date, s.due_date"
)
_RETURNED = (
    "id, invoice_number, customer_id, currency, amount, issue_date, due_date, salesperson_id, order_id"
)


def _insert_sql(outbox: Outbox) -> tuple[str, dict[str, Any]]:
    data = data_object(
        [
            ("invoice_number", json_text("e.invoice_number")),
            ("customer_id", json_text("e.customer_id")),
            ("currency", json_text("e.currency")),
            ("amount", money_text("e.amount")),
            ("issue_date", iso_date("e.issue_date")),
            ("due_date", iso_date("e.due_date")),
            ("salesperson_id", json_text("e.salesperson_id")),
            ("order_id", json_text("e.order_id")),
            ("tax_amount", "'null'"),
            ("payment_terms", "'null'"),
            ("instalments", "'[]'"),
            ("terms", "'null'"),
            ("discount", "'null'"),
        ]
    )
    envelope = envelope_sql(outbox, InvoiceIssuedV1, "e.event_id", "e.customer_id", data)
    sql = (
        f"WITH inserted AS (INSERT INTO invoices ({_COLUMNS}) SELECT {_VALUES} FROM {STAGING} AS s "
        f"ORDER BY s.row_no ON CONFLICT (invoice_number) DO NOTHING RETURNING {_RETURNED}), "
        f"e AS MATERIALIZED (SELECT {EVENT_ID} AS event_id, inserted.* FROM inserted), "
        "published AS (INSERT INTO outbox (event_id, topic, message_key, payload, headers, created_at) "
        f"SELECT e.event_id, :topic, e.customer_id, {envelope.payload}, {envelope.headers}, now() "
        # No ORDER BY: the events are of distinct invoices in one transaction, so no order between
        # them is promised; the relay publishes them by outbox id like every other event.
        f"FROM e JOIN ({CURRENCY_UNITS}) AS units ON units.code = e.currency) "
        "SELECT count(*) FROM e"
    )
    return sql, envelope.params


_CONFLICTS = text(
    f"SELECT row_no, invoice_number, stored, posted FROM (SELECT s.row_no, s.invoice_number, "
    f"i.content AS stored, {_content('s')} AS posted FROM {STAGING} AS s "
    # LATERAL: one index lookup per staged row, never a scan of the whole invoice table.
    "CROSS JOIN LATERAL (SELECT content FROM invoices WHERE invoices.invoice_number = s.invoice_number "
    "LIMIT 1) AS i"
    ") AS known "
    # The same text is the same content (one canonical form); only other texts are parsed.
    "WHERE stored <> posted AND CAST(stored AS jsonb) <> CAST(posted AS jsonb) ORDER BY row_no LIMIT :limit"
)


async def start_staging(session: AsyncSession) -> None:
    """The session's staging table (dropped at commit or rollback); more working memory for sorts."""
    await session.execute(text("SET LOCAL work_mem = '64MB'"))
    await session.execute(_CREATE)


async def store_plain_rows(session: AsyncSession, outbox: Outbox, rows: Sequence[PlainRow]) -> int:
    """COPY the rows into staging and insert the new ones with their events; returns how many were new."""
    connection = await session.connection()
    raw = await connection.get_raw_connection()
    driver: Any = raw.driver_connection
    await session.execute(text(f"TRUNCATE {STAGING}"))
    await driver.copy_records_to_table(STAGING, records=rows, columns=PLAIN_COLUMNS)
    sql, params = _insert_sql(outbox)
    return int((await session.execute(text(sql), params)).scalar_one())


async def staged_conflicts(session: AsyncSession, limit: int) -> list[Any]:
    """Staged rows whose invoice number the ledger holds with other content (row, number, stored, posted)."""
    return list((await session.execute(_CONFLICTS, {"limit": limit})).all())
