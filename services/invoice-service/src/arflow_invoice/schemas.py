"""What the ERP posts: request bodies of the ledger's REST API (amounts as decimal strings)."""

from datetime import date
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from arflow_contracts.money import exact_decimal

FIRST_DAY = date(1900, 1, 1)
LAST_DAY = date(2999, 12, 31)
BusinessDate = Annotated[
    date, Field(ge=FIRST_DAY, le=LAST_DAY, description="ISO date between 1900-01-01 and 2999-12-31")
]
"""A business date; the bounds keep terms and periods computable (no overflow past year 9999)."""
MAX_AMOUNT = Decimal(10) ** 12
DocumentNumber = Annotated[
    str,
    Field(
        min_length=1,
        max_length=100,
        pattern=r"^[\w./-]+$",
        description="ERP document number: letters, digits, _ . / -",
    ),
]
PathKey = Annotated[
    str,
    Field(
        min_length=1,
        max_length=100,
        pattern=r"^[\w.-]+$",
        description="Reference used in URLs: letters, digits, _ . -",
    ),
]
CustomerId = Annotated[str, Field(min_length=1, max_length=100)]
CurrencyCode = Annotated[str, Field(pattern=r"^[A-Z]{3}$", description="ISO 4217 code, e.g. EUR")]
MoneyIn = Annotated[
    Decimal,
    BeforeValidator(exact_decimal),
    Field(
        gt=0,
        lt=MAX_AMOUNT,
        description="positive decimal string below 10^12, at most the currency's decimals",
    ),
]
RateIn = Annotated[
    Decimal,
    BeforeValidator(exact_decimal),
    Field(ge=0, le=10, max_digits=12, description="annual rate as a fraction: 0.08 = 8 %"),
]
Text = Annotated[str, Field(max_length=500)]
Code = Annotated[str, Field(min_length=1, max_length=50)]
DayCount = Literal["ACT/360", "ACT/365", "30/360"]
ChargeKind = Literal["fee", "interest"]


class Strict(BaseModel):
    """Unknown fields are refused so typos surface instead of being ignored."""

    model_config = ConfigDict(extra="forbid")


class ContractTermsIn(Strict):
    """What the contract says about lateness."""

    late_interest_rate: RateIn | None = None
    day_count: DayCount | None = None
    dunning_fee: MoneyIn | None = None
    jurisdiction: Annotated[str, Field(pattern=r"^[A-Z]{2}(-[A-Z0-9]{1,3})?$")] | None = Field(
        None, description="ISO 3166 country (or subdivision such as US-NY) whose law governs the claim"
    )


class InvoiceLineIn(Strict):
    """One invoice line; lines sum to the invoice amount."""

    amount: MoneyIn
    description: Text | None = None
    quantity: Annotated[Decimal, BeforeValidator(exact_decimal), Field(gt=0, max_digits=20)] | None = None
    unit_price: Annotated[Decimal, BeforeValidator(exact_decimal), Field(ge=0, max_digits=20)] | None = None
    tax_amount: Annotated[Decimal, BeforeValidator(exact_decimal), Field(ge=0, lt=MAX_AMOUNT)] | None = None


class InstalmentIn(Strict):
    """One instalment with its own due date."""

    due_date: BusinessDate
    amount: MoneyIn


class InvoiceIn(Strict):
    """An invoice as the ERP posts it: amount (or lines) and due_date, payment_terms or instalments."""

    invoice_number: DocumentNumber
    customer_id: CustomerId
    currency: CurrencyCode
    amount: MoneyIn | None = None
    issue_date: BusinessDate
    due_date: BusinessDate | None = None
    payment_terms: Annotated[str, Field(max_length=50)] | None = Field(
        None, description="NET30, EOM+15 or 2/10 NET 30; the due date follows from it"
    )
    instalments: Annotated[list[InstalmentIn], Field(min_length=1, max_length=120)] | None = None
    lines: Annotated[list[InvoiceLineIn], Field(min_length=1, max_length=1000)] | None = None
    salesperson_id: Annotated[str, Field(max_length=100)] | None = None
    order_id: Annotated[str, Field(max_length=100)] | None = None
    terms: ContractTermsIn | None = None


class InvoiceBatchIn(Strict):
    """Many invoices entered together, all or none (an ERP's bulk load)."""

    invoices: Annotated[list[InvoiceIn], Field(min_length=1, max_length=1000)]


class AllocationIn(Strict):
    """An amount the ERP applies to a named invoice."""

    invoice_number: DocumentNumber
    amount: MoneyIn


class PaymentIn(Strict):
    """A payment received; without allocations it settles the oldest due invoices first."""

    payment_reference: DocumentNumber
    customer_id: CustomerId
    currency: CurrencyCode
    amount: MoneyIn
    received_date: BusinessDate
    allocations: Annotated[list[AllocationIn], Field(min_length=1, max_length=1000)] | None = None
    method: Annotated[str, Field(max_length=30)] | None = None


class PaymentBatchIn(Strict):
    """Many payments recorded together in order, all or none."""

    payments: Annotated[list[PaymentIn], Field(min_length=1, max_length=1000)]


class CreditApplicationIn(Strict):
    """Apply a customer's unapplied credit in one currency to invoices (named, or oldest due first)."""

    currency: CurrencyCode
    applied_date: BusinessDate
    allocations: Annotated[list[AllocationIn], Field(min_length=1, max_length=1000)] | None = None
    source_reference: DocumentNumber | None = Field(
        None, description="draw only on this payment or on-account credit note"
    )


class CreditNoteIn(Strict):
    """A credit note against an invoice, or on account (unapplied credit) without one."""

    credit_note_number: DocumentNumber
    customer_id: CustomerId
    currency: CurrencyCode
    amount: MoneyIn
    issue_date: BusinessDate
    invoice_number: DocumentNumber | None = None
    reason: Text | None = None


class DisputeIn(Strict):
    """A customer disputes an invoice; without amount, all of its undisputed outstanding."""

    dispute_id: PathKey
    invoice_number: DocumentNumber
    opened_date: BusinessDate
    reason_code: Code
    amount: MoneyIn | None = None
    reason: Text | None = None


class DisputeResolutionIn(Strict):
    """valid: the customer was right (a credit note is issued); invalid: back to collection."""

    outcome: Literal["valid", "invalid"]
    resolved_date: BusinessDate
    credit_note_number: DocumentNumber | None = Field(
        None, description="number of the credit note a valid outcome issues (default CN-<dispute_id>)"
    )
    note: Text | None = None


class WriteOffIn(Strict):
    """Write off an invoice's whole outstanding as bad debt; `amount`, if given, must equal it."""

    write_off_id: PathKey
    invoice_number: DocumentNumber
    written_off_date: BusinessDate
    reason: Annotated[str, Field(min_length=1, max_length=500)]
    amount: MoneyIn | None = None


class DecisionIn(Strict):
    """An approver's note on a write-off decision."""

    note: Text | None = None


class ChargeIn(Strict):
    """A dunning fee or late interest posted on an invoice as its own document."""

    charge_id: DocumentNumber
    invoice_number: DocumentNumber
    kind: ChargeKind
    amount: MoneyIn
    posted_date: BusinessDate
    currency: CurrencyCode | None = None
    due_date: BusinessDate | None = None
    reason: Text | None = None
    rate: RateIn | None = None
    day_count: DayCount | None = None
    period_start: BusinessDate | None = None
    period_end: BusinessDate | None = None


class DayCloseIn(Strict):
    """Close every business day after the last closed one, up to and including `as_of`."""

    as_of: BusinessDate


class StatementConfirmationIn(Strict):
    """The customer confirmed its balance on a date: an acknowledgment that restarts limitation."""

    confirmed_date: BusinessDate
    currency: CurrencyCode | None = None
    reference: Annotated[str, Field(max_length=128)] | None = None
