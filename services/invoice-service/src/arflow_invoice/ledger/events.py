"""Ledger facts as contract events (domain part names mapped to contract names here)."""

from datetime import date
from decimal import Decimal

from arflow_contracts import EventData
from arflow_contracts.ledger import (
    CreditNoteIssuedV1,
    InvoicePaidV1,
    PaymentAllocatedV1,
    UnappliedCreditChangedV1,
)
from arflow_invoice.domain import quantize
from arflow_invoice.store import Allocation, CreditNote, Invoice
from arflow_runtime.db import UnitOfWork

CONTRACT_CHARGE_KIND = {"fees": "fee", "interest": "interest"}
DOMAIN_CHARGE_KIND = {"fee": "fees", "interest": "interest"}


async def publish(uow: UnitOfWork, event: EventData) -> None:
    """Stage an event in the outbox under its customer (or the platform key)."""
    key = event.partition_key()
    assert key is not None, f"{event.event_type} has no customer_id"
    await uow.publish(event, customer_id=key)


def payment_allocated(allocation: Allocation, invoice: Invoice) -> PaymentAllocatedV1:
    """Part of a payment (or credit) applied to one invoice; `charges` is the fee part."""
    currency = allocation.currency
    return PaymentAllocatedV1(
        payment_reference=allocation.source_reference,
        customer_id=allocation.customer_id,
        invoice_number=invoice.invoice_number,
        amount=quantize(allocation.amount, currency),
        currency=currency,
        charges=quantize(allocation.fees, currency),
        interest=quantize(allocation.interest, currency),
        principal=quantize(allocation.principal, currency),
        allocated_on=allocation.applied_date,
        outstanding_after=quantize(invoice.outstanding, currency),
    )


def invoice_paid(invoice: Invoice) -> InvoicePaidV1:
    """The invoice's outstanding reached zero through payments and credit notes."""
    assert invoice.paid_date is not None
    return InvoicePaidV1(
        invoice_number=invoice.invoice_number,
        customer_id=invoice.customer_id,
        amount=quantize(invoice.amount, invoice.currency),
        currency=invoice.currency,
        issue_date=invoice.issue_date,
        due_date=invoice.due_date,
        paid_date=invoice.paid_date,
        days_late=max(0, (invoice.paid_date - invoice.due_date).days),
        days_to_settle=(invoice.paid_date - invoice.issue_date).days,
    )


def credit_note_issued(note: CreditNote, invoice: Invoice | None) -> CreditNoteIssuedV1:
    """A credit note reduced an invoice, or (without one) added unapplied credit."""
    return CreditNoteIssuedV1(
        credit_note_number=note.credit_note_number,
        customer_id=note.customer_id,
        amount=quantize(note.amount, note.currency),
        currency=note.currency,
        issue_date=note.issue_date,
        invoice_number=invoice.invoice_number if invoice else None,
        reason=note.reason,
        dispute_id=note.dispute_id,
        outstanding_after=quantize(invoice.outstanding, invoice.currency) if invoice else None,
    )


def unapplied_changed(
    customer_id: str, currency: str, balance: Decimal, change: Decimal, cause: str, reference: str, on: date
) -> UnappliedCreditChangedV1:
    """A customer's unapplied credit in one currency changed."""
    return UnappliedCreditChangedV1(
        customer_id=customer_id,
        currency=currency,
        balance=quantize(balance, currency),
        change=quantize(change, currency),
        cause=cause,
        document_reference=reference,
        changed_on=on,
    )


async def after_posting(uow: UnitOfWork, invoice: Invoice, status_before: str) -> None:
    """Emit InvoicePaid when a posting settled the invoice."""
    if invoice.status == "paid" and status_before != "paid":
        await publish(uow, invoice_paid(invoice))
