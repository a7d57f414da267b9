"""Aging, AR totals and overdue detection over the open entries, grouped in SQL.

Each statement is built once and run with its dates as parameters (`as_of` and, for aging, the
first due date of each bucket), so nothing is rebuilt per request. Simple invoices contribute
one row each straight from the invoice table; rebuilt ones are first reduced to one row per
invoice and bucket, so a plain count gives the number of invoices per bucket.
"""

from collections.abc import Sequence
from datetime import date, timedelta
from decimal import Decimal
from functools import lru_cache
from typing import Any, Literal

from sqlalchemy import (
    ColumnElement,
    Date,
    Select,
    Subquery,
    bindparam,
    case,
    func,
    literal_column,
    select,
    type_coerce,
    union_all,
)

from arflow_invoice.domain import AgingBucket
from arflow_invoice.domain.aging import UNASSIGNED
from arflow_invoice.store.open_entries import (
    AS_OF,
    INVOICES,
    ZERO,
    AsOf,
    rebuilt_entries,
    rebuilt_selects,
    simple_entries,
)
from arflow_runtime.db import Money

GroupBy = Literal["customer", "salesperson", "currency"] | None


def _bucket(due: ColumnElement[date], buckets: Sequence[AgingBucket]) -> ColumnElement[str]:
    """The bucket label of a due date: days past due = as_of − due, compared with bound first dates."""
    bounded = [
        (due >= bindparam(f"since_{n}", type_=Date()), b.label)
        for n, b in enumerate(b for b in buckets if b.max_days is not None)
    ]
    last = buckets[-1].label if buckets[-1].max_days is None else "beyond"
    return case(*bounded, else_=last)


def _group(entries: Subquery, group_by: GroupBy) -> ColumnElement[Any]:
    if group_by == "customer":
        return entries.c.customer_id
    if group_by == "salesperson":
        return func.coalesce(entries.c.salesperson_id, UNASSIGNED)
    if group_by == "currency":
        return entries.c.currency
    return literal_column("''")


def _labelled(entries: Subquery, buckets: Sequence[AgingBucket], group_by: GroupBy) -> Subquery:
    return (
        select(
            entries.c.invoice_id,
            entries.c.currency,
            _group(entries, group_by).label("grp"),
            _bucket(entries.c.due_date, buckets).label("bucket"),
            entries.c.amount,
        )
        .where(entries.c.amount > Decimal(0))
        .subquery()
    )


@lru_cache(maxsize=64)
def aging_statement(buckets: tuple[AgingBucket, ...], group_by: GroupBy = None) -> Select[Any]:
    """(currency, group, bucket, amount, invoice count) per non-empty bucket; run with `aging_params`."""
    simple = _labelled(simple_entries(AS_OF).subquery(), buckets, group_by)
    rebuilt = _labelled(rebuilt_entries(AS_OF).subquery(), buckets, group_by)
    per_invoice = select(
        rebuilt.c.currency, rebuilt.c.grp, rebuilt.c.bucket, func.sum(rebuilt.c.amount)
    ).group_by(rebuilt.c.invoice_id, rebuilt.c.currency, rebuilt.c.grp, rebuilt.c.bucket)
    rows = union_all(
        select(simple.c.currency, simple.c.grp, simple.c.bucket, simple.c.amount), per_invoice
    ).subquery("aged")
    return select(
        rows.c.currency,
        rows.c.grp,
        rows.c.bucket,
        type_coerce(func.sum(rows.c.amount), Money()).label("amount"),
        func.count().label("count"),
    ).group_by(rows.c.currency, rows.c.grp, rows.c.bucket)


def aging_params(as_of: date, buckets: Sequence[AgingBucket]) -> dict[str, date]:
    """The report date and, per bounded bucket, the earliest due date it holds."""
    bounded = [b for b in buckets if b.max_days is not None]
    since = {f"since_{n}": as_of - timedelta(days=b.max_days or 0) for n, b in enumerate(bounded)}
    return {"as_of": as_of, **since}


@lru_cache(maxsize=1)
def receivables_statement() -> Select[Any]:
    """Total outstanding per currency as of `as_of`; `current` is the part not yet past due."""
    entries = union_all(simple_entries(AS_OF), *rebuilt_selects(AS_OF)).subquery("entries")
    not_due = case((entries.c.due_date >= AS_OF, entries.c.amount), else_=ZERO)
    return select(
        entries.c.currency,
        type_coerce(func.sum(entries.c.amount), Money()).label("total"),
        type_coerce(func.sum(not_due), Money()).label("current"),
    ).group_by(entries.c.currency)


def overdue_query(as_of: AsOf, *where: ColumnElement[bool]) -> Select[Any]:
    """Invoices with something past due as of a date: earliest unpaid due date and outstanding."""
    inv = INVOICES.c
    simple = simple_entries(as_of, inv.earliest_due_date < as_of, *where).subquery()
    rebuilt = rebuilt_entries(as_of, inv.earliest_due_date < as_of, *where).subquery()
    first_due = func.min(rebuilt.c.due_date)
    columns = ("invoice_id", "invoice_number", "customer_id", "currency")
    late = (
        select(
            *(rebuilt.c[name] for name in columns), first_due.label("due_date"), func.sum(rebuilt.c.amount)
        )
        .where(rebuilt.c.amount > Decimal(0))
        .group_by(*(rebuilt.c[name] for name in columns))
        .having(first_due < as_of)
    )
    both = union_all(select(*(simple.c[name] for name in columns), simple.c.due_date, simple.c.amount), late)
    found = both.subquery("overdue")
    return select(
        *(found.c[name] for name in columns),
        found.c.due_date,
        type_coerce(found.c.amount, Money()).label("outstanding"),
    )


@lru_cache(maxsize=1)
def newly_overdue_statement() -> Select[Any]:
    """`overdue_query` for the day close: only invoices never reported overdue; run with {"as_of": day}."""
    return overdue_query(AS_OF, INVOICES.c.overdue_notified_on.is_(None))
