"""Customer statements and the customer's balance and unapplied credit as of a date.

Balance = open items − unapplied credit. On a statement every document that changes it is a
line: invoices and charges (debits); payments received, credit notes and write-offs (credits).
Applying a payment to an invoice only moves money from unapplied credit to the invoice, so it
is not a line of its own.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Literal

from arflow_invoice.domain.currency import quantize
from arflow_invoice.domain.documents import ZERO, CreditSource
from arflow_invoice.domain.errors import InvalidInput, InvalidParameter
from arflow_invoice.domain.invoice import InvoiceState

LineKind = Literal["invoice", "charge", "credit_note", "payment", "write_off"]
_KIND_ORDER: tuple[LineKind, ...] = ("invoice", "charge", "credit_note", "payment", "write_off")


def _mine(
    invoices: Iterable[InvoiceState], credits: Iterable[CreditSource], customer_id: str, currency: str
) -> tuple[list[InvoiceState], list[CreditSource]]:
    """The customer's invoices and credit sources in one currency."""
    own = [i for i in invoices if i.customer_id == customer_id and i.currency == currency]
    sources = [c for c in credits if c.customer_id == customer_id and c.currency == currency]
    known = {c.reference for c in sources}
    for invoice in own:
        for allocation in invoice.allocations:
            if allocation.source_reference not in known:
                raise InvalidInput(
                    f"invoice {invoice.invoice_number} has an allocation from "
                    f"{allocation.source_reference}, which is not among customer {customer_id}'s "
                    f"{currency} payments or credits",
                    invoice_number=invoice.invoice_number,
                )
    return own, sources


def unapplied_credit(
    invoices: Iterable[InvoiceState],
    credits: Iterable[CreditSource],
    customer_id: str,
    currency: str,
    as_of: date,
) -> Decimal:
    """Payments and on-account credit received by `as_of` that are not yet applied to invoices."""
    own, sources = _mine(invoices, credits, customer_id, currency)
    received = sum((c.amount for c in sources if c.received_date <= as_of), ZERO)
    applied = sum((i.allocated(as_of) for i in own), ZERO)
    return quantize(received - applied, currency)


def customer_balance(
    invoices: Iterable[InvoiceState],
    credits: Iterable[CreditSource],
    customer_id: str,
    currency: str,
    as_of: date,
) -> Decimal:
    """Sum of the customer's open items minus unapplied credit as of `as_of`."""
    own, sources = _mine(invoices, credits, customer_id, currency)
    outstanding = quantize(sum((i.outstanding(as_of) for i in own), ZERO), currency)
    return outstanding - unapplied_credit(own, sources, customer_id, currency, as_of)


@dataclass(frozen=True)
class StatementLine:
    """One document on a statement, with the balance after it."""

    line_date: date
    kind: LineKind
    reference: str
    invoice_number: str | None
    debit: Decimal
    credit: Decimal
    balance: Decimal


@dataclass(frozen=True)
class OpenStatementItem:
    """An invoice still open at the statement's end."""

    invoice_number: str
    issue_date: date
    due_date: date
    outstanding: Decimal


@dataclass(frozen=True)
class CustomerStatement:
    """What a customer confirms: opening balance, each document, closing balance."""

    customer_id: str
    currency: str
    period_start: date
    period_end: date
    opening_balance: Decimal
    lines: tuple[StatementLine, ...]
    closing_balance: Decimal
    open_items: tuple[OpenStatementItem, ...]
    unapplied_credit: Decimal


def _movements(
    invoices: Sequence[InvoiceState], sources: Sequence[CreditSource]
) -> list[tuple[date, LineKind, str, str | None, Decimal, Decimal]]:
    """Every balance-changing document as (date, kind, reference, invoice, debit, credit)."""
    moves: list[tuple[date, LineKind, str, str | None, Decimal, Decimal]] = []
    for i in invoices:
        number = i.invoice_number
        moves.append((i.issue_date, "invoice", number, number, i.amount, ZERO))
        moves += [(c.posted_date, "charge", c.reference, number, c.amount, ZERO) for c in i.charges]
        moves += [(n.issue_date, "credit_note", n.number, number, ZERO, n.amount) for n in i.credit_notes]
        moves += [
            (w.written_off_date, "write_off", w.reference, number, ZERO, w.amount) for w in i.write_offs
        ]
    for s in sources:
        kind: LineKind = "payment" if s.kind == "payment" else "credit_note"
        moves.append((s.received_date, kind, s.reference, None, ZERO, s.amount))
    return sorted(moves, key=lambda m: (m[0], _KIND_ORDER.index(m[1]), m[3] or "", m[2]))


def customer_statement(
    invoices: Iterable[InvoiceState],
    credits: Iterable[CreditSource],
    customer_id: str,
    currency: str,
    period_start: date,
    period_end: date,
) -> CustomerStatement:
    """Statement for one customer and currency from `period_start` to `period_end` inclusive."""
    if period_end < period_start:
        raise InvalidParameter(f"the statement ends on {period_end}, before it starts on {period_start}")
    own, sources = _mine(invoices, credits, customer_id, currency)
    opening = customer_balance(own, sources, customer_id, currency, period_start - timedelta(days=1))
    balance = opening
    lines = []
    for day, kind, reference, number, debit, credit in _movements(own, sources):
        if period_start <= day <= period_end:
            debit, credit = quantize(debit, currency), quantize(credit, currency)
            balance += debit - credit
            lines.append(StatementLine(day, kind, reference, number, debit, credit, balance))
    open_items = tuple(
        OpenStatementItem(i.invoice_number, i.issue_date, i.due_date, i.outstanding(period_end))
        for i in sorted(own, key=lambda i: (i.due_date, i.invoice_number))
        if i.outstanding(period_end) > 0
    )
    return CustomerStatement(
        customer_id,
        currency,
        period_start,
        period_end,
        opening,
        tuple(lines),
        balance,
        open_items,
        unapplied_credit(own, sources, customer_id, currency, period_end),
    )
