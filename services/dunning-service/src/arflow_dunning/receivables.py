"""Dunning's projection of one receivable: finding it, noting on its case, ending its dunning."""

from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from arflow_dunning.cases import close_if_settled, timeline_entry
from arflow_dunning.promises import resolve_promises_of_closed_case
from arflow_dunning.store import OPEN, WatchedInvoice
from arflow_runtime.log import get_logger

log = get_logger(__name__)


def note_invoice(
    session: AsyncSession, invoice: WatchedInvoice, on: date, entry: str, **detail: object
) -> None:
    """Put what the ledger told about the invoice on its case's timeline."""
    session.add(
        timeline_entry(
            customer_id=invoice.customer_id,
            case_id=invoice.case_id,
            on=on,
            kind=entry,
            invoice_numbers=[invoice.invoice_number],
            detail={k: v for k, v in detail.items() if v is not None},
        )
    )


async def find_watched(session: AsyncSession, invoice_number: str, event_type: str) -> WatchedInvoice | None:
    """The watched invoice, or None (logged) when dunning never saw it issued."""
    invoice = await session.get(WatchedInvoice, invoice_number)
    if invoice is None:
        # Not an error: dunning may have started after the invoice was issued and paid.
        log.info("dunning.event.unknown_invoice", event_type=event_type, invoice_number=invoice_number)
    return invoice


async def settle_invoice(session: AsyncSession, invoice: WatchedInvoice, status: str, on: date) -> None:
    """The invoice is no longer chased; its case closes when it was the last one open."""
    if invoice.status != OPEN:
        return
    invoice.status, invoice.settled_on, invoice.next_stage_due_on = status, on, None
    if await close_if_settled(session, invoice.case_id, on, status) and invoice.case_id:
        await resolve_promises_of_closed_case(session, invoice.case_id, on)
