"""Reading invoices: one by number, or a filtered page with a cursor, now or as of a date."""

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from arflow_invoice.domain import InvalidParameter, InvoiceNotFound, InvoiceStatus
from arflow_invoice.ledger.common import invoice_by_number
from arflow_invoice.ledger.invoice_views import details, document, figures, lines_of, stored_figures
from arflow_invoice.store import Invoice
from arflow_invoice.store.report_sql import overdue_query
from arflow_invoice.store.states import load_state, load_states


async def get_invoice(session: AsyncSession, number: str, as_of: date | None) -> dict[str, Any]:
    """One invoice with its figures now (as_of None) or as of a date; 404 if unknown."""
    invoice = await invoice_by_number(session, number)
    if invoice is None:
        raise InvoiceNotFound(f"the ledger has no invoice {number}", invoice_number=number)
    return details(invoice, await load_state(session, invoice), as_of, await lines_of(session, invoice))


@dataclass(frozen=True)
class InvoiceFilter:
    """What a page of invoices is restricted to."""

    customer_id: str | None = None
    salesperson_id: str | None = None
    currency: str | None = None
    status: InvoiceStatus | None = None
    overdue: bool | None = None
    as_of: date | None = None
    limit: int = 100
    cursor: str | None = None


def encode_cursor(last_id: int) -> str:
    """An opaque cursor: where the next page starts."""
    return base64.urlsafe_b64encode(json.dumps({"after": last_id}).encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> int:
    """The id after which a page starts; 422 for a cursor this API did not hand out."""
    if not cursor:
        return 0
    try:
        after = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))["after"]
        if isinstance(after, int) and 0 <= after < 2**62:
            return after
    except (ValueError, KeyError, TypeError, binascii.Error):
        pass
    raise InvalidParameter("cursor is not one this API handed out; pass next_cursor from the previous page")


def _conditions(wanted: InvoiceFilter) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = []
    if wanted.customer_id is not None:
        where.append(col(Invoice.customer_id) == wanted.customer_id)
    if wanted.salesperson_id is not None:
        where.append(col(Invoice.salesperson_id) == wanted.salesperson_id)
    if wanted.currency is not None:
        where.append(col(Invoice.currency) == wanted.currency)
    if wanted.as_of is not None:
        where.append(col(Invoice.issue_date) <= wanted.as_of)
        if wanted.overdue is not None:
            overdue_ids = select(overdue_query(wanted.as_of, *where).subquery().c.invoice_id)
            where.append(
                col(Invoice.id).in_(overdue_ids) if wanted.overdue else col(Invoice.id).not_in(overdue_ids)
            )
    elif wanted.overdue is not None:
        raise InvalidParameter("overdue needs as_of: say on which date the invoices are overdue")
    return where


async def list_invoices(session: AsyncSession, wanted: InvoiceFilter) -> dict[str, Any]:
    """A page of invoices in entry order; `next_cursor` is null on the last page."""
    where = _conditions(wanted)
    if wanted.status is not None and wanted.as_of is None:
        where.append(col(Invoice.status) == wanted.status.value)
    after = decode_cursor(wanted.cursor)
    items: list[tuple[int, dict[str, Any]]] = []
    batch = wanted.limit + 1
    while len(items) <= wanted.limit:
        query = select(Invoice).where(*where, col(Invoice.id) > after).order_by(col(Invoice.id)).limit(batch)
        rows = list((await session.execute(query)).scalars())
        if not rows:
            break
        after = rows[-1].id or after
        if wanted.as_of is None:
            items += [(row.id or 0, {**document(row), **stored_figures(row)}) for row in rows]
        else:
            states = await load_states(session, rows)
            for row in rows:
                state = states[row.id or 0]
                if wanted.status is None or state.status(wanted.as_of) == wanted.status:
                    items.append((row.id or 0, {**document(row), **figures(state, wanted.as_of)}))
        if len(rows) < batch:
            break
    page = items[: wanted.limit]
    more = len(items) > wanted.limit
    return {
        "items": [item for _, item in page],
        "next_cursor": encode_cursor(page[-1][0]) if more and page else None,
    }
