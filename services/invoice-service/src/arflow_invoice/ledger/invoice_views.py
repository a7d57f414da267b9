"""Invoices as the API shows them: the posted document plus its figures, now or as of a date."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from datetime import date
from decimal import Decimal
from operator import itemgetter
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from arflow_invoice.domain import InvoiceState
from arflow_invoice.ledger.common import money_text
from arflow_invoice.store import Invoice, InvoiceLine
from arflow_invoice.store.states import FOREVER


@dataclass(slots=True)
class EnteredInvoice:
    """What the views read of an invoice just entered, taken from its `invoice_values` (no ORM row)."""

    invoice_number: str
    customer_id: str
    currency: str
    amount: Decimal
    issue_date: date
    due_date: date
    salesperson_id: str | None
    payment_terms: str | None
    order_id: str | None
    tax_amount: Decimal | None
    late_interest_rate: str | None
    day_count: str | None
    dunning_fee: Decimal | None
    jurisdiction: str | None
    discount_date: date | None
    discount_rate: str | None
    discount_amount: Decimal | None
    outstanding: Decimal
    status: str
    paid_date: date | None
    days_late: int | None
    days_to_settle: int | None
    overdue_notified_on: date | None = None

    @classmethod
    def of(cls, values: Mapping[str, Any]) -> "EnteredInvoice":
        """The view of the row `values` describes."""
        return cls(*_entered_columns(values))


# Every column the view reads but overdue_notified_on, which a new invoice never has.
_entered_columns = itemgetter(*(f.name for f in fields(EnteredInvoice) if f.name != "overdue_notified_on"))
ShownInvoice = Invoice | EnteredInvoice


def _optional_money(amount: Any, currency: str) -> str | None:
    return None if amount is None else money_text(amount, currency)


def document(invoice: ShownInvoice) -> dict[str, Any]:
    """The invoice as posted (what never changes)."""
    return {
        "invoice_number": invoice.invoice_number,
        "customer_id": invoice.customer_id,
        "currency": invoice.currency,
        "amount": money_text(invoice.amount, invoice.currency),
        "issue_date": invoice.issue_date.isoformat(),
        "due_date": invoice.due_date.isoformat(),
        "salesperson_id": invoice.salesperson_id,
        "payment_terms": invoice.payment_terms,
    }


def stored_figures(invoice: ShownInvoice) -> dict[str, Any]:
    """Current figures kept on the row (every document counted)."""
    return {
        "outstanding": money_text(invoice.outstanding, invoice.currency),
        "status": invoice.status,
        "paid_date": invoice.paid_date.isoformat() if invoice.paid_date else None,
        "days_late": invoice.days_late,
        "days_to_settle": invoice.days_to_settle,
        "as_of": None,
    }


def figures(state: InvoiceState, as_of: date | None) -> dict[str, Any]:
    """Figures from the domain: as of a date, or with every document counted (as_of None)."""
    day = as_of or FOREVER
    paid = state.paid_date(day)
    shown: dict[str, Any] = {
        "outstanding": money_text(state.outstanding(day), state.currency),
        "status": state.status(day).value,
        "paid_date": paid.isoformat() if paid else None,
        "days_late": state.days_late(day),
        "days_to_settle": state.days_to_settle(day),
        "as_of": as_of.isoformat() if as_of else None,
    }
    if as_of is not None:
        shown["days_overdue"] = state.days_overdue(as_of)
    return shown


def details(
    invoice: Invoice, state: InvoiceState, as_of: date | None, lines: Sequence[InvoiceLine]
) -> dict[str, Any]:
    """Everything about one invoice."""
    return _details(invoice, state, as_of, lines, figures(state, as_of))


def entered_details(
    invoice: EnteredInvoice, state: InvoiceState, lines: Sequence[InvoiceLine]
) -> dict[str, Any]:
    """`details` of an invoice just entered: its current figures are those its row stores."""
    return _details(invoice, state, None, lines, stored_figures(invoice))


def _details(
    invoice: ShownInvoice,
    state: InvoiceState,
    as_of: date | None,
    lines: Sequence[InvoiceLine],
    shown: dict[str, Any],
) -> dict[str, Any]:
    day = as_of or FOREVER
    currency = invoice.currency
    parts = state.outstanding_by_part(day)
    terms = None
    if any(
        v is not None
        for v in (invoice.late_interest_rate, invoice.day_count, invoice.dunning_fee, invoice.jurisdiction)
    ):
        terms = {
            "late_interest_rate": invoice.late_interest_rate,
            "day_count": invoice.day_count,
            "dunning_fee": _optional_money(invoice.dunning_fee, currency),
            "jurisdiction": invoice.jurisdiction,
        }
    discount = None
    if invoice.discount_date is not None:
        discount = {
            "until": invoice.discount_date.isoformat(),
            "rate": invoice.discount_rate,
            "amount": _optional_money(invoice.discount_amount, currency),
        }
    return {
        **document(invoice),
        "order_id": invoice.order_id,
        "tax_amount": _optional_money(invoice.tax_amount, currency),
        "terms": terms,
        "discount": discount,
        "instalments": [
            {"due_date": i.due_date.isoformat(), "amount": money_text(i.amount, currency)}
            for i in state.instalments
        ],
        "lines": [
            {
                "line_number": line.line_number,
                "description": line.description,
                "quantity": line.quantity,
                "unit_price": line.unit_price,
                "amount": money_text(line.amount, currency),
                "tax_amount": _optional_money(line.tax_amount, currency),
            }
            for line in lines
        ],
        **shown,
        "outstanding_by_part": {
            "fees": money_text(parts.fees, currency),
            "interest": money_text(parts.interest, currency),
            "principal": money_text(parts.principal, currency),
        },
        "disputed_amount": money_text(state.disputed_amount(day), currency),
        "overdue_notified_on": invoice.overdue_notified_on.isoformat()
        if invoice.overdue_notified_on
        else None,
    }


async def lines_of(session: AsyncSession, invoice: Invoice) -> list[InvoiceLine]:
    """An invoice's lines in order."""
    found = await session.execute(
        select(InvoiceLine)
        .where(col(InvoiceLine.invoice_id) == invoice.id)
        .order_by(col(InvoiceLine.line_number))
    )
    return list(found.scalars())
