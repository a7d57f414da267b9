"""What is owed as of a date, one row per amount, in set-based SQL (SQLite and PostgreSQL alike).

One row per amount still owed as of `as_of` ("open entry"): an invoice's principal (or each
instalment) and each posted charge, with its own due date. It mirrors
`InvoiceState.open_entries`: principal reductions (allocations, credit notes, write-offs dated on
or before `as_of`) settle the earliest-due instalments first; fee and interest reductions settle
the earliest-due charges of their kind first. Each slot's open amount is
clamp(running total through the slot − reductions, 0, slot amount).

Two kinds of invoices, so the common case reads one table:
- *simple* as of `as_of`: no instalments, no charges, and no document dated after `as_of` — it
  owes its stored `outstanding` on its `due_date` (`simple_entries`, no joins);
- all others are rebuilt from their documents (`rebuilt_entries`): invoices whose last document
  is on or before `as_of` use the reductions stored on the row, the rest sum their documents
  dated on or before `as_of`.
Invoices settled on or before `as_of` are skipped by `closed_on`. Dates are compared with bound
dates (never date arithmetic in SQL).
"""

from datetime import date
from typing import Any

from sqlalchemy import (
    BindParameter,
    ColumnClause,
    ColumnElement,
    CompoundSelect,
    Date,
    Select,
    Subquery,
    Table,
    and_,
    bindparam,
    case,
    func,
    literal_column,
    not_,
    or_,
    select,
    type_coerce,
    union_all,
)

from arflow_invoice.store.adjustments import Charge, CreditNote, WriteOff
from arflow_invoice.store.invoices import Invoice, InvoiceInstalment
from arflow_invoice.store.payments import Allocation
from arflow_runtime.db import Money

INVOICES: Table = Invoice.__table__  # type: ignore[attr-defined]
INSTALMENTS: Table = InvoiceInstalment.__table__  # type: ignore[attr-defined]
ALLOCATIONS: Table = Allocation.__table__  # type: ignore[attr-defined]
CREDIT_NOTES: Table = CreditNote.__table__  # type: ignore[attr-defined]
WRITE_OFFS: Table = WriteOff.__table__  # type: ignore[attr-defined]
CHARGES: Table = Charge.__table__  # type: ignore[attr-defined]

AsOf = date | ColumnElement[date]
AS_OF: BindParameter[date] = bindparam("as_of", type_=Date())
"""The report date of statements built once and run with {"as_of": day}."""
ZERO: ColumnClause[Any] = literal_column("0")


def open_on(as_of: AsOf) -> ColumnElement[bool]:
    """Invoices issued by `as_of` and not settled by then."""
    inv = INVOICES.c
    return and_(inv.issue_date <= as_of, or_(inv.closed_on.is_(None), inv.closed_on > as_of))


def simple_on(as_of: AsOf) -> ColumnElement[bool]:
    """Invoices that, as of `as_of`, owe their stored outstanding on their due date."""
    inv = INVOICES.c
    return and_(inv.last_document_date <= as_of, not_(staggered()))


def staggered() -> ColumnElement[bool]:
    """Invoices owing several dated amounts: instalments or charges (a partial index finds them)."""
    inv = INVOICES.c
    return or_(inv.has_instalments, inv.has_charges)


def simple_entries(as_of: AsOf, *where: ColumnElement[bool]) -> Select[Any]:
    """Open entries of simple invoices (one per invoice), straight from the invoice rows."""
    inv = INVOICES.c
    return select(
        inv.id.label("invoice_id"),
        inv.invoice_number,
        inv.customer_id,
        inv.currency,
        inv.salesperson_id,
        inv.due_date,
        type_coerce(inv.outstanding, Money()).label("amount"),
    ).where(open_on(as_of), simple_on(as_of), inv.outstanding > ZERO, *where)


def _clamp(value: ColumnElement[Any], upper: ColumnElement[Any]) -> ColumnElement[Any]:
    return case((value <= ZERO, ZERO), (value >= upper, upper), else_=value)


def rebuilt_selects(as_of: AsOf, *where: ColumnElement[bool]) -> list[Select[Any]]:
    """Open entries of the other invoices, rebuilt from their documents (amount may be 0).

    Three selects (principal, instalments, charges) to UNION ALL with others: SQLite refuses a
    compound select nested in another.
    """
    inv = INVOICES
    opened = (
        select(
            inv.c.id,
            inv.c.invoice_number,
            inv.c.customer_id,
            inv.c.currency,
            inv.c.salesperson_id,
            inv.c.amount,
            inv.c.due_date,
            inv.c.has_instalments,
            inv.c.last_document_date,
            inv.c.principal_reduced,
            inv.c.fees_reduced,
            inv.c.interest_reduced,
        )
        .where(open_on(as_of), or_(inv.c.last_document_date > as_of, staggered()), *where)
        .cte("open_invoices")
    )
    rebuilt = select(opened.c.id).where(opened.c.last_document_date > as_of)
    a, n, w = ALLOCATIONS, CREDIT_NOTES, WRITE_OFFS
    moves = union_all(
        select(a.c.invoice_id, a.c.principal, a.c.fees, a.c.interest).where(
            a.c.applied_date <= as_of, a.c.invoice_id.in_(rebuilt)
        ),
        select(n.c.invoice_id, n.c.amount, ZERO, ZERO).where(
            n.c.issue_date <= as_of, n.c.invoice_id.in_(rebuilt)
        ),
        select(w.c.invoice_id, w.c.principal, w.c.fees, w.c.interest).where(
            w.c.status == "approved", w.c.written_off_date <= as_of, w.c.invoice_id.in_(rebuilt)
        ),
    ).subquery("moves")
    reduced_then = (
        select(
            moves.c.invoice_id,
            func.sum(moves.c.principal).label("principal"),
            func.sum(moves.c.fees).label("fees"),
            func.sum(moves.c.interest).label("interest"),
        )
        .group_by(moves.c.invoice_id)
        .subquery("reduced_then")
    )
    current = opened.c.last_document_date <= as_of

    def reduced(stored: ColumnElement[Any], then: ColumnElement[Any]) -> ColumnElement[Any]:
        return case((current, stored), else_=func.coalesce(then, ZERO))

    r = (
        select(
            opened.c.id,
            opened.c.invoice_number,
            opened.c.customer_id,
            opened.c.currency,
            opened.c.salesperson_id,
            opened.c.amount,
            opened.c.due_date,
            opened.c.has_instalments,
            reduced(opened.c.principal_reduced, reduced_then.c.principal).label("p_red"),
            reduced(opened.c.fees_reduced, reduced_then.c.fees).label("f_red"),
            reduced(opened.c.interest_reduced, reduced_then.c.interest).label("i_red"),
        )
        .select_from(opened.outerjoin(reduced_then, reduced_then.c.invoice_id == opened.c.id))
        .cte("reduced")
    )

    def entry(due: ColumnElement[Any], amount: ColumnElement[Any]) -> tuple[ColumnElement[Any], ...]:
        return (
            r.c.id.label("invoice_id"),
            r.c.invoice_number,
            r.c.customer_id,
            r.c.currency,
            r.c.salesperson_id,
            due.label("due_date"),
            type_coerce(amount, Money()).label("amount"),
        )

    single = select(*entry(r.c.due_date, r.c.amount - r.c.p_red)).where(r.c.has_instalments.is_(False))
    i = INSTALMENTS
    staged = select(*entry(i.c.due_date, _clamp(i.c.cum_through - r.c.p_red, i.c.amount))).select_from(
        r.join(i, i.c.invoice_id == r.c.id)
    )
    c = CHARGES
    posted = (
        select(
            c.c.invoice_id,
            c.c.kind,
            c.c.due_date,
            c.c.amount,
            func.sum(c.c.amount)
            .over(partition_by=(c.c.invoice_id, c.c.kind), order_by=(c.c.due_date, c.c.id))
            .label("cum"),
        )
        .where(c.c.posted_date <= as_of, c.c.invoice_id.in_(select(r.c.id)))
        .subquery("charges_then")
    )
    kind_reduced = case((posted.c.kind == "fees", r.c.f_red), else_=r.c.i_red)
    charged = select(
        *entry(posted.c.due_date, _clamp(posted.c.cum - kind_reduced, posted.c.amount))
    ).select_from(r.join(posted, posted.c.invoice_id == r.c.id))
    return [single, staged, charged]


def rebuilt_entries(as_of: AsOf, *where: ColumnElement[bool]) -> CompoundSelect[Any]:
    """The open entries of invoices that are not simple as of `as_of`."""
    return union_all(*rebuilt_selects(as_of, *where))


def open_entries(as_of: AsOf, *where: ColumnElement[bool]) -> Subquery:
    """Every open entry as of `as_of`: invoice_id, invoice_number, customer_id, currency,
    salesperson_id, due_date, amount (rows with amount 0 may appear; filter amount > 0)."""
    return union_all(simple_entries(as_of, *where), *rebuilt_selects(as_of, *where)).subquery("open_entries")
