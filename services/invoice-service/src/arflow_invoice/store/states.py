"""Rebuilding the domain's `InvoiceState` from the tables, and writing its figures back."""

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import date
from decimal import Decimal
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from arflow_invoice import domain
from arflow_invoice.domain import InvoiceState
from arflow_invoice.store.adjustments import Charge, CreditNote, Dispute, WriteOff
from arflow_invoice.store.base import key_of
from arflow_invoice.store.invoices import Invoice, InvoiceInstalment
from arflow_invoice.store.payments import Allocation

FOREVER = date(9999, 12, 31)
"""'As of the end of time': every document counted, the invoice's current figures."""

CHUNK = 500
ZERO = Decimal(0)
T = TypeVar("T")


def chunks(items: Sequence[T], size: int = CHUNK) -> Iterable[Sequence[T]]:
    """Slices small enough for an IN list on every database."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


async def _rows_of(
    session: AsyncSession, table: Any, ids: Sequence[int], *where: Any
) -> dict[int, list[Any]]:
    found: dict[int, list[Any]] = defaultdict(list)
    if not ids:
        return found
    for part in chunks(ids):
        query = select(table).where(table.invoice_id.in_(part), *where).order_by(table.id)
        for row in (await session.execute(query)).scalars():
            found[row.invoice_id].append(row)
    return found


def _parts(row: Any) -> list[tuple[domain.Part, Decimal]]:
    amounts: list[tuple[domain.Part, Decimal]] = [
        ("fees", row.fees),
        ("interest", row.interest),
        ("principal", row.principal),
    ]
    return [(part, amount) for part, amount in amounts if amount > 0]


def _charged(invoice: Invoice) -> Decimal:
    """Charges posted on the invoice: outstanding = amount + charges − reductions, solved for charges."""
    reductions = invoice.principal_reduced + invoice.fees_reduced + invoice.interest_reduced
    return invoice.outstanding - invoice.amount + reductions


async def load_states(session: AsyncSession, invoices: Sequence[Invoice]) -> dict[int, InvoiceState]:
    """The domain state of each invoice (by id) with every document posted against it."""
    if not invoices:
        return {}
    # The stored figures tell which invoices can have documents at all: most have none yet.
    reduced = [key_of(i) for i in invoices if i.principal_reduced + i.fees_reduced + i.interest_reduced > 0]
    charged = [key_of(i) for i in invoices if _charged(i) > 0]
    instalments = await _rows_of(
        session, InvoiceInstalment, [key_of(i) for i in invoices if i.has_instalments]
    )
    allocations = await _rows_of(session, Allocation, reduced)
    notes = await _rows_of(session, CreditNote, reduced)
    write_offs = await _rows_of(session, WriteOff, reduced, WriteOff.status == "approved")
    charges = await _rows_of(session, Charge, charged)
    disputes = await _rows_of(session, Dispute, [key_of(i) for i in invoices if i.has_disputes])
    states = {}
    for invoice in invoices:
        key = key_of(invoice)
        states[key] = InvoiceState(
            invoice_number=invoice.invoice_number,
            customer_id=invoice.customer_id,
            currency=invoice.currency,
            amount=invoice.amount,
            issue_date=invoice.issue_date,
            due_date=invoice.due_date,
            salesperson_id=invoice.salesperson_id,
            jurisdiction=invoice.jurisdiction,
            instalments=tuple(
                domain.Instalment(i.due_date, i.amount)
                for i in sorted(instalments.get(key, ()), key=lambda i: i.due_date)
            ),
            discount_date=invoice.discount_date,
            discount_amount=invoice.discount_amount,
            charges=tuple(
                domain.Charge(c.charge_id, c.kind, c.amount, c.posted_date, c.due_date)
                for c in charges.get(key, ())
            ),
            allocations=tuple(
                domain.PostedAllocation(a.source_reference, part, amount, a.applied_date)
                for a in allocations.get(key, ())
                for part, amount in _parts(a)
            ),
            credit_notes=tuple(
                domain.CreditNote(n.credit_note_number, n.amount, n.issue_date, n.reason or "")
                for n in notes.get(key, ())
            ),
            write_offs=tuple(
                domain.WriteOff(w.write_off_id, amount, w.written_off_date, part, w.reason)
                for w in write_offs.get(key, ())
                for part, amount in _parts(w)
            ),
            disputes=tuple(
                domain.Dispute(
                    d.dispute_id, d.amount, d.opened_date, d.reason_code, d.resolved_date, d.resolution
                )
                for d in disputes.get(key, ())
            ),
        )
    return states


async def load_state(session: AsyncSession, invoice: Invoice) -> InvoiceState:
    """The domain state of one invoice."""
    return (await load_states(session, [invoice]))[key_of(invoice)]


def earliest_due(state: InvoiceState) -> date:
    """The first day anything on the invoice falls due (instalment, due date or charge)."""
    dues = [i.due_date for i in state.instalments] or [state.due_date]
    dues += [c.due for c in state.charges]
    return min(dues)


def figures(state: InvoiceState) -> dict[str, Any]:
    """The invoice's current figures, computed by the domain from all its documents."""
    return {
        "outstanding": state.outstanding(FOREVER),
        "principal_reduced": state.credited(FOREVER)
        + state.allocated(FOREVER, "principal")
        + state.written_off(FOREVER, "principal"),
        "fees_reduced": state.allocated(FOREVER, "fees") + state.written_off(FOREVER, "fees"),
        "interest_reduced": state.allocated(FOREVER, "interest") + state.written_off(FOREVER, "interest"),
        "status": state.status(FOREVER).value,
        "paid_date": state.paid_date(FOREVER),
        "days_late": state.days_late(FOREVER),
        "days_to_settle": state.days_to_settle(FOREVER),
        "last_document_date": max(state.document_dates()),
        "earliest_due_date": earliest_due(state),
        "closed_on": state.settled_date(FOREVER),
        "has_disputes": bool(state.disputes),
        "has_charges": bool(state.charges),
    }


def record_figures(invoice: Invoice, state: InvoiceState) -> None:
    """Store the invoice's current figures after a posting."""
    for name, value in figures(state).items():
        setattr(invoice, name, value)
