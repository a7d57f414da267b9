"""Bulk import of invoices (migrations): all rows or none, each exactly as its single POST would be.

On PostgreSQL plain rows (`import_rows.plain_row`) are COPYed into the ledger with their
InvoiceIssued events (`store.import_sql`); every other row, and every row
on SQLite, goes through `prepare_invoice` and a multi-row INSERT. Invoice numbers already in
the ledger with the same content are skipped (re-posting an import does nothing twice); with
other content the import is refused. One invalid row refuses the whole import.
"""

import asyncio
import json
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Table, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from arflow_contracts import wrap
from arflow_invoice.domain import DocumentConflict, ImportConflict, ImportFormatInvalid, ImportRejected
from arflow_invoice.ledger.common import require_same_content
from arflow_invoice.ledger.import_rows import (
    ImportFormatError,
    PlainRow,
    RowError,
    extra_cells_error,
    plain_row,
    prepared_row,
    records_of,
)
from arflow_invoice.ledger.invoicing import PreparedInvoice
from arflow_invoice.store import Invoice, InvoiceInstalment, InvoiceLine
from arflow_invoice.store.import_sql import store_plain_rows
from arflow_invoice.store.states import chunks
from arflow_runtime import context
from arflow_runtime.db import UnitOfWork
from arflow_runtime.log import get_logger
from arflow_runtime.outbox import Outbox
from arflow_runtime.tables import outbox as OUTBOX

log = get_logger(__name__)
MAX_ERRORS = 100
"""Rows named in a refusal; reading stops storing at the first error but goes on counting."""
INVOICES: Table = Invoice.__table__  # type: ignore[attr-defined]
LINES: Table = InvoiceLine.__table__  # type: ignore[attr-defined]
INSTALMENTS: Table = InvoiceInstalment.__table__  # type: ignore[attr-defined]
ROWS_PER_INSERT = 200
"""Prepared invoices per multi-row INSERT (below SQLite's bound-parameter limit)."""
ROWS_PER_BATCH = 25_000
"""Rows stored per COPY: few statements, while the next batch is read."""


class _Outcome:
    """What an import did so far: rows read, created, and the rows refused or in conflict."""

    def __init__(self) -> None:
        self.rows = 0
        self.created = 0
        self.errors: list[RowError] = []
        self.error_count = 0
        self.conflicts: list[RowError] = []
        self.conflict_count = 0

    def refuse(self, error: RowError) -> None:
        self.error_count += 1
        if len(self.errors) < MAX_ERRORS:
            self.errors.append(error)

    def conflict(self, error: RowError) -> None:
        self.conflict_count += 1
        if len(self.conflicts) < MAX_ERRORS:
            self.conflicts.append(error)


def _conflict(row: int, number: str, stored: str, posted: str) -> RowError | None:
    try:
        require_same_content("invoice", number, stored, posted)
    except DocumentConflict as error:
        return RowError(row, number, ", ".join(error.extra["fields"]), error.detail)
    return None


def _outbox_row(outbox: Outbox, prepared: PreparedInvoice, correlation: str) -> dict[str, Any]:
    """The row `Outbox.append` writes (without its per-customer lock: the import holds the gate)."""
    event = prepared.event
    envelope = wrap(
        event, producer=outbox.producer, correlation_id=correlation, causation_id=context.causation_id()
    )
    return {
        "event_id": str(envelope.event_id),
        "topic": outbox.topic_prefix + event.topic,
        "message_key": envelope.customer_id,
        "payload": envelope.to_bytes(),
        "headers": json.dumps([[k, v.decode()] for k, v in envelope.headers()]),
        "created_at": datetime.now(UTC),
    }


async def _store_prepared(
    session: AsyncSession, outbox: Outbox, prepared: Sequence[tuple[int, PreparedInvoice]], outcome: _Outcome
) -> None:
    assert session.bind is not None
    insert = postgresql_insert if session.bind.dialect.name == "postgresql" else sqlite_insert
    correlation = context.correlation_id()
    for part in chunks(prepared, ROWS_PER_INSERT):
        now = datetime.now(UTC)
        statement = (
            insert(INVOICES)
            .values([{**p.values, "created_at": now} for _, p in part])
            .on_conflict_do_nothing(index_elements=["invoice_number"])
            .returning(INVOICES.c.id, INVOICES.c.invoice_number)
        )
        new = {number: key for key, number in (await session.execute(statement)).all()}
        lines, instalments, events, known = [], [], [], []
        for row, p in part:
            key = new.pop(p.values["invoice_number"], None)
            if key is None:  # already in the ledger, or earlier in this import
                known.append((row, p))
                continue
            lines += [{**line, "invoice_id": key} for line in p.lines]
            instalments += [{**i, "invoice_id": key} for i in p.instalments]
            events.append(_outbox_row(outbox, p, correlation))
        for table, rows in ((LINES, lines), (INSTALMENTS, instalments), (OUTBOX, events)):
            if rows:
                await session.execute(table.insert(), rows)
        outcome.created += len(events)
        if known:
            numbers = [p.values["invoice_number"] for _, p in known]
            stored = dict(
                (
                    await session.execute(
                        select(INVOICES.c.invoice_number, INVOICES.c.content).where(
                            INVOICES.c.invoice_number.in_(numbers)
                        )
                    )
                ).all()
            )
            for row, p in known:
                number = p.values["invoice_number"]
                if (clash := _conflict(row, number, stored[number], p.values["content"])) is not None:
                    outcome.conflict(clash)


async def _store_plain(
    session: AsyncSession, outbox: Outbox, plain: Sequence[PlainRow], outcome: _Outcome
) -> None:
    created, known = await store_plain_rows(session, outbox, plain)
    outcome.created += created
    named = 0  # numbers already recorded must carry the same content; a batch names at most MAX_ERRORS
    for seen in known:
        if named == MAX_ERRORS:
            break
        if (clash := _conflict(seen.row, seen.invoice_number, seen.stored, seen.posted)) is not None:
            outcome.conflict(clash)
            named += 1


class _Batches:
    """Rows waiting to be stored; stored in large batches, each while the next is being read."""

    def __init__(self, session: AsyncSession, outbox: Outbox, outcome: _Outcome) -> None:
        self.session, self.outbox, self.outcome = session, outbox, outcome
        self.plain: list[PlainRow] = []
        self.prepared: list[tuple[int, PreparedInvoice]] = []
        self._storing: asyncio.Task[None] | None = None

    async def flush(self, at_least: int = 0) -> None:
        """Start storing what is waiting (if at least `at_least` rows); the previous batch first."""
        if len(self.plain) + len(self.prepared) <= max(at_least - 1, 0):
            return
        await self.settle()
        plain, prepared = self.plain, self.prepared
        self.plain, self.prepared = [], []
        # PostgreSQL works on this batch while the next one is parsed and checked in Python.
        self._storing = asyncio.create_task(self._store(plain, prepared))

    async def settle(self) -> None:
        """Wait for the batch being stored."""
        storing, self._storing = self._storing, None
        if storing is not None:
            await storing

    async def _store(self, plain: list[PlainRow], prepared: list[tuple[int, PreparedInvoice]]) -> None:
        if plain:
            await _store_plain(self.session, self.outbox, plain, self.outcome)
        if prepared:
            await _store_prepared(self.session, self.outbox, prepared, self.outcome)


async def _read(
    media_type: str, body: AsyncIterator[bytes], postgres: bool, batches: _Batches, outcome: _Outcome
) -> None:
    async for batch in records_of(media_type, body):
        for row, record in batch:
            outcome.rows += 1
            if outcome.error_count >= MAX_ERRORS:
                continue  # refused anyway: read the rest of the body without checking it
            if (error := extra_cells_error(row, record)) is not None:
                outcome.refuse(error)
            elif postgres and (ready := plain_row(row, record)) is not None:
                batches.plain.append(ready)
            elif isinstance(result := prepared_row(row, record), RowError):
                outcome.refuse(result)
            else:
                batches.prepared.append((row, result))
        if outcome.error_count:  # nothing will be stored: only go on finding errors
            batches.plain.clear()
            batches.prepared.clear()
        else:
            await batches.flush(at_least=ROWS_PER_BATCH)
    await batches.flush()


async def import_invoices(
    uow: UnitOfWork, outbox: Outbox, media_type: str, body: AsyncIterator[bytes]
) -> tuple[int, dict[str, Any]]:
    """Store every invoice of a CSV or NDJSON body with its InvoiceIssued, or refuse all of them."""
    session = uow.session
    assert session.bind is not None
    postgres = session.bind.dialect.name == "postgresql"
    outcome = _Outcome()
    batches = _Batches(session, outbox, outcome)
    try:
        await _read(media_type, body, postgres, batches, outcome)
    except ImportFormatError as error:
        raise ImportFormatInvalid(error.detail, **({"row": error.row} if error.row else {})) from None
    finally:
        await batches.settle()  # never leave a statement running on the session
    if outcome.error_count:
        raise ImportRejected([e.view() for e in outcome.errors], outcome.error_count)
    if outcome.conflict_count:
        raise ImportConflict([e.view() for e in outcome.conflicts], outcome.conflict_count)
    if not outcome.rows:
        raise ImportFormatInvalid(
            "the import holds no invoices: send one invoice per row (CSV) or line (NDJSON)"
        )
    log.info("ledger.invoices.imported", rows=outcome.rows, created=outcome.created)
    status = 201 if outcome.created else 200
    return status, {
        "rows": outcome.rows,
        "created": outcome.created,
        "existing": outcome.rows - outcome.created,
    }
