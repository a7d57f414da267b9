"""Applying money to invoices: which invoices may take it, and posting the domain's allocations."""

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import date
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from arflow_invoice import domain
from arflow_invoice.domain import InvalidDate, InvoiceState, OpenItem, PartAmounts, UnknownInvoice
from arflow_invoice.ledger.common import invoices_by_number
from arflow_invoice.ledger.events import after_posting, payment_allocated, publish
from arflow_invoice.schemas import AllocationIn
from arflow_invoice.store import Allocation, Invoice
from arflow_invoice.store.base import key_of
from arflow_invoice.store.states import record_figures
from arflow_runtime.db import UnitOfWork


def allocatable(state: InvoiceState, on: date) -> OpenItem:
    """The invoice as an open item on `on`, limited to what no later document already needs."""
    item = state.open_item(on)
    if not state.is_issued(on):
        return item
    return replace(item, outstanding=PartAmounts(*(state.available(part, on) for part in domain.PARTS)))


async def candidate_invoices(
    session: AsyncSession,
    customer_id: str,
    currency: str,
    on: date,
    named: Sequence[AllocationIn] | None,
    what: str,
    known: Mapping[str, Invoice] | None = None,
) -> list[Invoice]:
    """The invoices named in the allocations, or else the customer's open invoices in the currency.

    `known` are invoices a batch already looked up by number (saves a query per item).
    """
    if named:
        numbers = [a.invoice_number for a in named]
        found = (
            {n: known[n] for n in numbers if n in known}
            if known is not None
            else await invoices_by_number(session, numbers)
        )
        for allocation in named:
            invoice = found.get(allocation.invoice_number)
            if invoice is None:
                raise UnknownInvoice(
                    f"{what} names invoice {allocation.invoice_number}, which the ledger does not have",
                    invoice_number=allocation.invoice_number,
                )
            if invoice.issue_date > on:
                raise InvalidDate(
                    f"{what} is dated {on} but invoice {invoice.invoice_number} was issued later, on "
                    f"{invoice.issue_date}",
                    invoice_number=invoice.invoice_number,
                )
        return list(found.values())
    query = select(Invoice).where(
        col(Invoice.customer_id) == customer_id,
        col(Invoice.currency) == currency,
        col(Invoice.closed_on).is_(None),
        col(Invoice.issue_date) <= on,
    )
    return list((await session.execute(query)).scalars())


def requested(named: Sequence[AllocationIn] | None) -> list[domain.RequestedAllocation] | None:
    """The ERP's allocations in domain terms."""
    return [domain.RequestedAllocation(a.invoice_number, a.amount) for a in named] if named else None


async def post_to_invoices(
    uow: UnitOfWork,
    invoices: dict[str, Invoice],
    states: dict[int, InvoiceState],
    allocations: Sequence[domain.Allocation],
    source_kind: str,
    source_reference: str,
    on: date,
) -> list[tuple[Invoice, Allocation]]:
    """Post allocations (one row per invoice, amounts per part), update figures, emit events."""
    per_invoice: dict[str, list[domain.Allocation]] = {}
    for allocation in allocations:
        per_invoice.setdefault(allocation.invoice_number, []).append(allocation)
    posted = []
    for number, parts in per_invoice.items():
        invoice = invoices[number]
        assert invoice.id is not None
        state = domain.post_allocations(states[invoice.id], source_reference, invoice.currency, on, parts)
        states[invoice.id] = state
        amounts = {
            part: sum((a.amount for a in parts if a.part == part), Decimal(0)) for part in domain.PARTS
        }
        row = Allocation(
            invoice_id=key_of(invoice),
            customer_id=invoice.customer_id,
            currency=invoice.currency,
            source_kind=source_kind,
            source_reference=source_reference,
            applied_date=on,
            amount=sum(amounts.values(), Decimal(0)),
            fees=amounts["fees"],
            interest=amounts["interest"],
            principal=amounts["principal"],
        )
        uow.session.add(row)
        status_before = invoice.status
        record_figures(invoice, state)
        await publish(uow, payment_allocated(row, invoice))
        await after_posting(uow, invoice, status_before)
        posted.append((invoice, row))
    return posted
