"""What every ledger operation shares: natural-key content, lookups, money rendering."""

import json
from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from arflow_invoice.domain import DocumentConflict, LedgerError, UnknownInvoice, quantize
from arflow_invoice.store import Invoice
from arflow_invoice.store.states import chunks


def _canonical(value: Any) -> Any:
    """One form per value, so '10.5' and '10.50' or a reordered object compare equal."""
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        return {key: _canonical(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_canonical(item) for item in value]
    return value


def content_of(body: BaseModel, key: str) -> str:
    """The canonical content of a posted document without its natural key (for retries)."""
    return json.dumps(_canonical(body.model_dump(exclude={key})), sort_keys=True)


def require_same_content(kind: str, number: str, stored: str, posted: str) -> None:
    """A natural key seen again must carry the same content; else 409 naming what differs."""
    before, after = json.loads(stored), json.loads(posted)
    differing = sorted(name for name in before.keys() | after.keys() if before.get(name) != after.get(name))
    if differing:
        error = DocumentConflict(kind, number, differing)
        error.extra["differing_fields"] = differing
        raise error


def money_text(amount: Decimal, currency: str) -> str:
    """An amount as a decimal string at its currency's precision."""
    return str(quantize(amount, currency))


async def invoice_by_number(session: AsyncSession, number: str) -> Invoice | None:
    """The invoice with this ERP number, if any."""
    found = await session.execute(select(Invoice).where(col(Invoice.invoice_number) == number))
    return found.scalar_one_or_none()


async def invoices_by_number(session: AsyncSession, numbers: Sequence[str]) -> dict[str, Invoice]:
    """Invoices by ERP number (missing numbers are absent from the result)."""
    found: dict[str, Invoice] = {}
    for part in chunks(list(dict.fromkeys(numbers))):
        for invoice in (
            await session.execute(select(Invoice).where(col(Invoice.invoice_number).in_(part)))
        ).scalars():
            found[invoice.invoice_number] = invoice
    return found


async def named_invoice(session: AsyncSession, number: str, what: str) -> Invoice:
    """The invoice a request names; 422 when the ledger has no such invoice."""
    invoice = await invoice_by_number(session, number)
    if invoice is None:
        raise UnknownInvoice(
            f"{what} names invoice {number}, which the ledger does not have; post the invoice first",
            invoice_number=number,
        )
    return invoice


async def customer_of(session: AsyncSession, number: str) -> str | None:
    """The customer of an invoice (a plain column read, so no stale object is cached before locking)."""
    found = await session.execute(
        select(col(Invoice.customer_id)).where(col(Invoice.invoice_number) == number)
    )
    return found.scalar_one_or_none()


def in_batch(error: LedgerError, field: str, index: int) -> LedgerError:
    """Point a batch's error at the item that caused it."""
    error.detail = f"{field}[{index}]: {error.detail}"
    error.extra["index"] = index
    return error
