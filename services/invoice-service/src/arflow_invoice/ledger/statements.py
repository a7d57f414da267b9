"""Customer statements, statement confirmations and the statute-of-limitations report."""

from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any, cast

from sqlalchemy import ColumnElement, or_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from arflow_invoice import domain
from arflow_invoice.domain import InvalidParameter, LimitationRestart
from arflow_invoice.domain.limitation import LIMITATION_RULES, RestartKind, add_years
from arflow_invoice.ledger.common import money_text
from arflow_invoice.ledger.credit import credit_sources
from arflow_invoice.schemas import StatementConfirmationIn
from arflow_invoice.store import Invoice
from arflow_invoice.store import LimitationRestart as RestartRow
from arflow_invoice.store.open_entries import open_entries
from arflow_invoice.store.states import chunks, load_states


def _statement(statement: domain.CustomerStatement) -> dict[str, Any]:
    c = statement.currency
    return {
        "currency": c,
        "opening_balance": money_text(statement.opening_balance, c),
        "lines": [
            {
                "date": line.line_date.isoformat(),
                "kind": line.kind,
                "reference": line.reference,
                "invoice_number": line.invoice_number,
                "debit": money_text(line.debit, c),
                "credit": money_text(line.credit, c),
                "balance": money_text(line.balance, c),
            }
            for line in statement.lines
        ],
        "closing_balance": money_text(statement.closing_balance, c),
        "open_items": [
            {
                "invoice_number": i.invoice_number,
                "issue_date": i.issue_date.isoformat(),
                "due_date": i.due_date.isoformat(),
                "outstanding": money_text(i.outstanding, c),
            }
            for i in statement.open_items
        ],
        "unapplied_credit": money_text(statement.unapplied_credit, c),
    }


async def customer_statement(
    session: AsyncSession, customer_id: str, start: date, end: date, currency: str | None
) -> dict[str, Any]:
    """Opening balance, each document, closing balance and open items per currency."""
    if end < start:
        raise InvalidParameter(f"the statement ends on {end}, before it starts on {start}")
    where: list[ColumnElement[bool]] = [
        col(Invoice.customer_id) == customer_id,
        col(Invoice.issue_date) <= end,
    ]
    if currency is not None:
        where.append(col(Invoice.currency) == currency)
    invoices = list(
        (await session.execute(select(Invoice).where(*where).order_by(col(Invoice.id)))).scalars()
    )
    states = list((await load_states(session, invoices)).values())
    sources = [s.as_domain() for s in await credit_sources(session, customer_id, currency)]
    currencies = sorted(
        {s.currency for s in states} | {s.currency for s in sources if s.received_date <= end}
    )
    return {
        "customer_id": customer_id,
        "from": start.isoformat(),
        "to": end.isoformat(),
        "statements": [
            _statement(domain.customer_statement(states, sources, customer_id, c, start, end))
            for c in currencies
        ],
    }


async def _open_invoice_ids(session: AsyncSession, as_of: date, *where: ColumnElement[bool]) -> list[int]:
    entries = open_entries(as_of, *where)
    rows = await session.execute(select(entries.c.invoice_id).where(entries.c.amount > 0).distinct())
    return list(rows.scalars())


async def confirm_statement(
    session: AsyncSession, customer_id: str, body: StatementConfirmationIn
) -> dict[str, Any]:
    """A confirmed balance acknowledges every invoice open that day: their limitation restarts."""
    where: list[ColumnElement[bool]] = [col(Invoice.customer_id) == customer_id]
    if body.currency is not None:
        where.append(col(Invoice.currency) == body.currency)
    ids = await _open_invoice_ids(session, body.confirmed_date, *where)
    known = set(
        (
            await session.execute(
                select(col(RestartRow.invoice_id)).where(
                    col(RestartRow.kind) == "confirmed_statement",
                    col(RestartRow.restart_date) == body.confirmed_date,
                )
            )
        ).scalars()
    )
    for invoice_id in ids:
        if invoice_id not in known:
            session.add(
                RestartRow(
                    invoice_id=invoice_id,
                    kind="confirmed_statement",
                    restart_date=body.confirmed_date,
                    source_reference=body.reference,
                )
            )
    numbers: list[str] = []
    for part in chunks(ids):
        numbers += (
            await session.execute(select(col(Invoice.invoice_number)).where(col(Invoice.id).in_(part)))
        ).scalars()
    return {
        "customer_id": customer_id,
        "confirmed_date": body.confirmed_date.isoformat(),
        "invoice_numbers": sorted(numbers),
    }


async def record_restarts(
    session: AsyncSession, customer_id: str, numbers: Sequence[str], kind: str, on: date, source: str | None
) -> int:
    """Record restarts for the customer's invoices among `numbers` (others are ignored); returns how many."""
    invoices = (
        await session.execute(
            select(col(Invoice.id)).where(
                col(Invoice.customer_id) == customer_id, col(Invoice.invoice_number).in_(numbers)
            )
        )
    ).scalars()
    recorded = 0
    for invoice_id in invoices:
        assert invoice_id is not None
        exists = await session.execute(
            select(col(RestartRow.id)).where(
                col(RestartRow.invoice_id) == invoice_id,
                col(RestartRow.kind) == kind,
                col(RestartRow.restart_date) == on,
            )
        )
        if exists.first() is None:
            session.add(
                RestartRow(invoice_id=invoice_id, kind=kind, restart_date=on, source_reference=source)
            )
            recorded += 1
    return recorded


async def limitation_report(session: AsyncSession, as_of: date, within_days: int) -> dict[str, Any]:
    """Open claims whose limitation ends within `within_days` of `as_of` (or has ended), soonest first."""
    if within_days < 0 or within_days > 36500:
        raise InvalidParameter(f"within_days must be between 0 and 36500, got {within_days}")
    shortest = min(rule.years for rule in LIMITATION_RULES.values())
    # A claim lasts at least `shortest` years from its due date: later due dates cannot be near expiry.
    latest_due = add_years(as_of + timedelta(days=within_days), -shortest) + timedelta(days=1)
    candidates = list(
        (
            await session.execute(
                select(Invoice)
                .where(
                    col(Invoice.issue_date) <= as_of,
                    col(Invoice.due_date) <= latest_due,
                    or_(col(Invoice.closed_on).is_(None), col(Invoice.closed_on) > as_of),
                )
                .order_by(col(Invoice.id))
            )
        ).scalars()
    )
    warnings: list[domain.LimitationWarning] = []
    for part in chunks(candidates):
        states = await load_states(session, part)
        restarts = await session.execute(
            select(col(Invoice.invoice_number), col(RestartRow.kind), col(RestartRow.restart_date))
            .join(Invoice, col(Invoice.id) == col(RestartRow.invoice_id))
            .where(col(RestartRow.invoice_id).in_([i.id for i in part]))
        )
        known = [
            LimitationRestart(number, cast(RestartKind, kind), day) for number, kind, day in restarts.all()
        ]
        warnings += domain.limitation_warnings(states.values(), as_of, within_days, known)
    warnings.sort(key=lambda w: (w.expires_on, w.invoice_number))
    return {
        "as_of": as_of.isoformat(),
        "within_days": within_days,
        "claims": [
            {
                "invoice_number": w.invoice_number,
                "customer_id": w.customer_id,
                "currency": w.currency,
                "outstanding": money_text(w.outstanding, w.currency),
                "jurisdiction": w.jurisdiction,
                "expires_on": w.expires_on.isoformat(),
                "days_left": w.days_left,
                "expired": w.expired,
            }
            for w in warnings
        ],
    }
