"""Posting documents to an invoice: each function checks the ledger rules and returns a new state."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import date
from decimal import Decimal

from arflow_invoice.domain.allocation import Allocation
from arflow_invoice.domain.currency import format_money, validate_amount, validate_currency
from arflow_invoice.domain.documents import (
    PARTS,
    ZERO,
    Charge,
    ChargeKind,
    CreditKind,
    CreditNote,
    CreditSource,
    Part,
    PostedAllocation,
    WriteOff,
)
from arflow_invoice.domain.errors import (
    CurrencyMismatch,
    DuplicateDocument,
    ExceedsOutstanding,
    InvalidDate,
    InvalidInput,
    InvalidState,
    OverAllocation,
    UnknownInvoice,
)
from arflow_invoice.domain.invoice import InvoiceState
from arflow_invoice.domain.terms import (
    Instalment,
    PaymentTerms,
    due_schedule,
    validate_due_date,
    validate_instalments,
)


def _key(value: object, what: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput(f"{what} must be a non-empty text, got {value!r}", field=what)
    return value.strip()


def _on_or_after_issue(invoice: InvoiceState, day: date, what: str) -> None:
    if day < invoice.issue_date:
        raise InvalidDate(
            f"{what} is dated {day}, before invoice {invoice.invoice_number} was issued on "
            f"{invoice.issue_date}",
            invoice_number=invoice.invoice_number,
        )


def _unused(invoice: InvoiceState, reference: str, used: Iterable[str], what: str) -> None:
    if reference in set(used):
        raise DuplicateDocument(
            f"{what} {reference} is already posted on invoice {invoice.invoice_number}",
            invoice_number=invoice.invoice_number,
            reference=reference,
        )


def _within(invoice: InvoiceState, part: Part, amount: Decimal, on: date, what: str) -> None:
    available = invoice.available(part, on)
    if amount > available:
        raise ExceedsOutstanding(
            f"{what} of {format_money(amount, invoice.currency)} exceeds the {part} outstanding "
            f"on invoice {invoice.invoice_number} ({format_money(available, invoice.currency)} "
            f"as of {on})",
            invoice_number=invoice.invoice_number,
            amount=amount,
            outstanding=available,
        )


def issue_invoice(
    invoice_number: str,
    customer_id: str,
    currency: str,
    amount: Decimal,
    issue_date: date,
    *,
    due_date: date | None = None,
    payment_terms: PaymentTerms | str | None = None,
    instalments: Sequence[Instalment] | None = None,
    salesperson_id: str | None = None,
    jurisdiction: str | None = None,
) -> InvoiceState:
    """A new invoice; give its due date, a payment-terms code, or an instalment plan."""
    number = _key(invoice_number, "invoice_number")
    customer = _key(customer_id, "customer_id")
    code = validate_currency(currency)
    amount = validate_amount(amount, code)
    if instalments:
        if due_date is not None or payment_terms is not None:
            raise InvalidInput("give instalments or a due date / payment terms, not both")
        plan = validate_instalments(amount, code, issue_date, instalments)
        return InvoiceState(
            number,
            customer,
            code,
            amount,
            issue_date,
            plan[-1].due_date,
            salesperson_id=salesperson_id,
            jurisdiction=jurisdiction,
            instalments=plan,
        )
    if payment_terms is None:
        if due_date is None:
            raise InvalidInput("give a due_date, payment_terms or instalments for the invoice")
        due = validate_due_date(issue_date, due_date)
        return InvoiceState(
            number,
            customer,
            code,
            amount,
            issue_date,
            due,
            salesperson_id=salesperson_id,
            jurisdiction=jurisdiction,
        )
    schedule = due_schedule(payment_terms, issue_date, amount, code)
    if due_date is not None and due_date != schedule.due_date:
        raise InvalidDate(
            f"due date {due_date} does not match payment terms {payment_terms!s}, "
            f"which make it due on {schedule.due_date}",
        )
    return InvoiceState(
        number,
        customer,
        code,
        amount,
        issue_date,
        schedule.due_date,
        salesperson_id=salesperson_id,
        jurisdiction=jurisdiction,
        discount_date=schedule.discount_date,
        discount_amount=schedule.discount_amount,
    )


def receive_credit(
    reference: str,
    customer_id: str,
    currency: str,
    amount: Decimal,
    received_date: date,
    kind: CreditKind = "payment",
) -> CreditSource:
    """A checked payment received (or on-account credit note) that allocations may draw on."""
    reference = _key(reference, "payment reference" if kind == "payment" else "credit note number")
    customer = _key(customer_id, "customer_id")
    if kind not in ("payment", "credit_note"):
        raise InvalidInput(f"credit kind must be 'payment' or 'credit_note', got {kind!r}")
    code = validate_currency(currency)
    amount = validate_amount(amount, code, what=f"{kind.replace('_', ' ')} {reference}")
    return CreditSource(reference, customer, code, amount, received_date, kind)


def post_charge(
    invoice: InvoiceState,
    reference: str,
    kind: ChargeKind,
    amount: Decimal,
    posted_date: date,
    due_date: date | None = None,
) -> InvoiceState:
    """Add a dunning fee or late interest to the invoice."""
    reference = _key(reference, "charge reference")
    if kind not in ("fees", "interest"):
        raise InvalidInput(f"charge kind must be 'fees' or 'interest', got {kind!r}")
    amount = validate_amount(amount, invoice.currency, what=f"charge {reference}")
    _on_or_after_issue(invoice, posted_date, f"charge {reference}")
    if due_date is not None and due_date < posted_date:
        raise InvalidDate(f"charge {reference} falls due on {due_date}, before it was posted")
    _unused(invoice, reference, (c.reference for c in invoice.charges), "charge")
    charge = Charge(reference, kind, amount, posted_date, due_date)
    return replace(invoice, charges=(*invoice.charges, charge))


def post_allocations(
    invoice: InvoiceState,
    source_reference: str,
    currency: str,
    applied_date: date,
    allocations: Iterable[Allocation],
) -> InvoiceState:
    """Apply a payment's (or unapplied credit's) allocations for this invoice on `applied_date`."""
    source = _key(source_reference, "payment reference")
    if currency != invoice.currency:
        raise CurrencyMismatch(
            f"payment {source} is in {currency} but invoice {invoice.invoice_number} is in "
            f"{invoice.currency}; amounts are not converted",
        )
    _on_or_after_issue(invoice, applied_date, f"allocation of payment {source}")
    per_part = dict.fromkeys(PARTS, ZERO)
    for item in allocations:
        if item.invoice_number != invoice.invoice_number:
            raise UnknownInvoice(
                f"allocation names invoice {item.invoice_number}, not {invoice.invoice_number}"
            )
        if item.part not in PARTS:
            raise InvalidInput(f"unknown invoice part {item.part!r}; parts are {', '.join(PARTS)}")
        per_part[item.part] += validate_amount(
            item.amount, currency, what=f"allocation to invoice {item.invoice_number}"
        )
    for part, amount in per_part.items():
        if amount > invoice.available(part, applied_date):
            raise OverAllocation(
                f"allocation of {format_money(amount, currency)} to the {part} of invoice "
                f"{invoice.invoice_number} exceeds its outstanding "
                f"{format_money(invoice.available(part, applied_date), currency)}",
                invoice_number=invoice.invoice_number,
            )
    posted = tuple(
        PostedAllocation(source, part, amount, applied_date)
        for part, amount in per_part.items()
        if amount > 0
    )
    return replace(invoice, allocations=(*invoice.allocations, *posted))


def post_credit_note(
    invoice: InvoiceState, number: str, amount: Decimal, issue_date: date, reason: str = ""
) -> InvoiceState:
    """Credit part or all of the invoice's principal."""
    number = _key(number, "credit note number")
    amount = validate_amount(amount, invoice.currency, what=f"credit note {number}")
    _on_or_after_issue(invoice, issue_date, f"credit note {number}")
    _unused(invoice, number, (n.number for n in invoice.credit_notes), "credit note")
    _within(invoice, "principal", amount, issue_date, f"credit note {number}")
    note = CreditNote(number, amount, issue_date, reason)
    return replace(invoice, credit_notes=(*invoice.credit_notes, note))


def post_write_off(
    invoice: InvoiceState,
    reference: str,
    amount: Decimal,
    written_off_date: date,
    part: Part = "principal",
    reason: str = "",
) -> InvoiceState:
    """Write off an amount of one invoice part."""
    reference = _key(reference, "write-off reference")
    if part not in PARTS:
        raise InvalidInput(f"unknown invoice part {part!r}; parts are {', '.join(PARTS)}")
    amount = validate_amount(amount, invoice.currency, what=f"write-off {reference}")
    _on_or_after_issue(invoice, written_off_date, f"write-off {reference}")
    used = (w.reference for w in invoice.write_offs if w.part == part)
    _unused(invoice, reference, used, f"{part} write-off")
    _within(invoice, part, amount, written_off_date, f"write-off {reference}")
    entry = WriteOff(reference, amount, written_off_date, part, reason)
    return replace(invoice, write_offs=(*invoice.write_offs, entry))


def write_off_balance(
    invoice: InvoiceState, reference: str, written_off_date: date, reason: str = ""
) -> InvoiceState:
    """Write off everything still outstanding, one write-off per part under one reference."""
    parts = [p for p in PARTS if invoice.available(p, written_off_date) > 0]
    if not parts:
        raise InvalidState(
            f"invoice {invoice.invoice_number} has nothing outstanding to write off on {written_off_date}",
            invoice_number=invoice.invoice_number,
        )
    for part in parts:
        amount = invoice.available(part, written_off_date)
        invoice = post_write_off(invoice, reference, amount, written_off_date, part, reason)
    return invoice
