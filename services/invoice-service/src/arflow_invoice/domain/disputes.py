"""Disputes: a customer contests an invoice amount; resolving it credits it or returns it to collection."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

from arflow_invoice.domain.currency import format_money, validate_amount
from arflow_invoice.domain.documents import Dispute
from arflow_invoice.domain.errors import (
    DisputeNotFound,
    ExceedsOutstanding,
    InvalidDate,
    InvalidInput,
    InvalidState,
)
from arflow_invoice.domain.invoice import InvoiceState
from arflow_invoice.domain.posting import _key, _on_or_after_issue, _unused, post_credit_note


def open_dispute(
    invoice: InvoiceState, reference: str, amount: Decimal, opened_date: date, reason_code: str
) -> InvoiceState:
    """Record a dispute of the whole outstanding or a part amount."""
    reference = _key(reference, "dispute reference")
    reason_code = _key(reason_code, "reason_code")
    amount = validate_amount(amount, invoice.currency, what=f"dispute {reference}")
    _on_or_after_issue(invoice, opened_date, f"dispute {reference}")
    _unused(invoice, reference, (d.reference for d in invoice.disputes), "dispute")
    undisputed = invoice.outstanding(opened_date) - invoice.disputed_amount(opened_date)
    if amount > undisputed:
        raise ExceedsOutstanding(
            f"dispute {reference} of {format_money(amount, invoice.currency)} exceeds the "
            f"undisputed outstanding of invoice {invoice.invoice_number} "
            f"({format_money(undisputed, invoice.currency)} on {opened_date})",
            invoice_number=invoice.invoice_number,
        )
    dispute = Dispute(reference, amount, opened_date, reason_code)
    return replace(invoice, disputes=(*invoice.disputes, dispute))


def resolve_dispute(
    invoice: InvoiceState,
    reference: str,
    resolved_date: date,
    valid: bool,
    credit_note_number: str | None = None,
) -> InvoiceState:
    """Close a dispute: valid credits what is still owed of it; invalid returns it to collection."""
    found = [d for d in invoice.disputes if d.reference == reference]
    if not found:
        raise DisputeNotFound(f"invoice {invoice.invoice_number} has no dispute {reference!r}")
    dispute = found[0]
    if dispute.resolved_date is not None:
        raise InvalidState(
            f"dispute {reference} on invoice {invoice.invoice_number} was already resolved "
            f"({dispute.resolution}) on {dispute.resolved_date}"
        )
    if resolved_date < dispute.opened_date:
        raise InvalidDate(
            f"dispute {reference} cannot be resolved on {resolved_date}, before it was opened "
            f"on {dispute.opened_date}"
        )
    closed = replace(dispute, resolved_date=resolved_date, resolution="valid" if valid else "invalid")
    disputes = tuple(closed if d.reference == reference else d for d in invoice.disputes)
    invoice = replace(invoice, disputes=disputes)
    credit = min(dispute.amount, invoice.available("principal", resolved_date))
    if not valid or credit == 0:
        return invoice
    if credit_note_number is None:
        raise InvalidInput(
            f"resolving dispute {reference} as valid issues a credit note of "
            f"{format_money(credit, invoice.currency)}: give its credit_note_number"
        )
    return post_credit_note(invoice, credit_note_number, credit, resolved_date, f"dispute {reference}")
