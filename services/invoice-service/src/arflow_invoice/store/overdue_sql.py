"""The day close's overdue marking on PostgreSQL: three set-based statements, whatever the volume.

The newly overdue invoices of a day (`newly_overdue_statement`, the same query the SQLite path
runs) land in a temporary table; one UPDATE marks them, one INSERT ... SELECT writes their
`InvoiceOverdue` envelopes into the outbox (`store.outbox_sql`). The caller holds the write
gate exclusively (`store.locks`), so no other transaction's events interleave with these.
"""

from datetime import date

from sqlalchemy import Column, Date, MetaData, String, Table, text
from sqlalchemy.ext.asyncio import AsyncSession

from arflow_contracts.ledger import InvoiceOverdueV1
from arflow_invoice.store.base import BigId
from arflow_invoice.store.outbox_sql import (
    CURRENCY_UNITS,
    EVENT_ID,
    data_object,
    envelope_sql,
    iso_date,
    json_text,
    money_text,
)
from arflow_invoice.store.report_sql import newly_overdue_statement
from arflow_runtime.db import Money
from arflow_runtime.outbox import Outbox

# A session-private scratch table, not part of the ledger's schema (so not in its migrations).
FOUND = Table(
    "overdue_found",
    MetaData(),
    Column("invoice_id", BigId),
    Column("invoice_number", String),
    Column("customer_id", String),
    Column("currency", String),
    Column("due_date", Date),
    Column("outstanding", Money()),
)

_CREATE = text(
    "CREATE TEMPORARY TABLE IF NOT EXISTS overdue_found (invoice_id bigint, invoice_number text, "
    "customer_id text, currency text, due_date date, outstanding numeric) ON COMMIT DROP"
)
_MARK = text(
    "UPDATE invoices SET overdue_notified_on = :as_of FROM overdue_found AS found "
    "WHERE invoices.id = found.invoice_id"
)


def _events_sql(outbox: Outbox) -> tuple[str, dict[str, object]]:
    data = data_object(
        [
            ("invoice_number", json_text("e.invoice_number")),
            ("customer_id", json_text("e.customer_id")),
            ("due_date", iso_date("e.due_date")),
            ("as_of", iso_date("CAST(:as_of AS date)")),
            ("outstanding", money_text("e.outstanding")),
            ("currency", json_text("e.currency")),
            ("days_overdue", "(CAST(:as_of AS date) - e.due_date)::text"),
        ]
    )
    envelope = envelope_sql(outbox, InvoiceOverdueV1, "e.event_id", "e.customer_id", data)
    sql = (
        "WITH e AS MATERIALIZED "
        f"(SELECT {EVENT_ID} AS event_id, found.* FROM overdue_found AS found) "
        "INSERT INTO outbox (event_id, topic, message_key, payload, headers, created_at) "
        f"SELECT e.event_id, :topic, e.customer_id, {envelope.payload}, {envelope.headers}, now() "
        f"FROM e JOIN ({CURRENCY_UNITS}) AS units ON units.code = e.currency ORDER BY e.invoice_id"
    )
    return sql, envelope.params


async def mark_overdue_set_based(session: AsyncSession, day: date, outbox: Outbox) -> int:
    """Mark every invoice first overdue on `day` and stage one InvoiceOverdue each; returns how many."""
    await session.execute(_CREATE)
    await session.execute(text("TRUNCATE overdue_found"))
    found = newly_overdue_statement()
    inserted = await session.execute(
        FOUND.insert().from_select([c.name for c in FOUND.columns], found), {"as_of": day}
    )
    count = int(inserted.rowcount or 0)  # type: ignore[attr-defined]
    if count:
        await session.execute(_MARK, {"as_of": day})
        sql, params = _events_sql(outbox)
        await session.execute(text(sql), {**params, "as_of": day})
    return count
