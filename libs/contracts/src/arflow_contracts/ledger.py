"""Events of the receivables ledger (invoice-service), on topic ledger.events."""

from datetime import date
from typing import Literal, Self

from pydantic import Field, model_validator

from arflow_contracts import topics
from arflow_contracts.envelope import EventData
from arflow_contracts.identifiers import Identifier
from arflow_contracts.money import Amount, Currency, NonNegativeAmount, Rate, SignedAmount
from arflow_contracts.registry import register
from arflow_contracts.terms import ContractTerms, DayCount, EarlyPaymentDiscount, Instalment

ChargeKind = Literal["fee", "interest"]

OUTSTANDING_AFTER = "The invoice's outstanding (principal, fees, interest) after this event."


class LedgerEvent(EventData):
    """Base of the ledger's events."""

    topic = topics.LEDGER


@register
class InvoiceIssuedV1(LedgerEvent):
    """An invoice entered the ledger."""

    event_type = "InvoiceIssued"
    event_version = 1

    invoice_number: Identifier = Field(description="ERP invoice number, unique per ledger.")
    customer_id: Identifier
    currency: Currency
    amount: Amount = Field(description="Gross amount due, tax included.")
    issue_date: date
    due_date: date = Field(description="Due date of the whole invoice (last instalment if any).")
    salesperson_id: str | None = None
    order_id: str | None = None
    tax_amount: NonNegativeAmount | None = Field(default=None, description="Tax included in amount.")
    payment_terms: str | None = Field(default=None, description="ERP terms code, e.g. NET30.")
    instalments: tuple[Instalment, ...] = Field(
        default=(), description="Set when the invoice is payable in parts; amounts sum to amount."
    )
    terms: ContractTerms | None = Field(
        default=None, description="Contract terms for late interest and fees, when the ERP knows."
    )
    discount: EarlyPaymentDiscount | None = None

    @model_validator(mode="after")
    def _instalments_add_up(self) -> Self:
        if self.instalments and sum(part.amount for part in self.instalments) != self.amount:
            raise ValueError("instalment amounts must sum to amount")
        return self


@register
class PaymentReceivedV1(LedgerEvent):
    """Money from a customer reached the ledger (allocation follows as PaymentAllocated)."""

    event_type = "PaymentReceived"
    event_version = 1

    payment_reference: Identifier = Field(description="ERP payment reference, unique per ledger.")
    customer_id: Identifier
    amount: Amount
    currency: Currency
    received_on: date = Field(description="Value date of the payment.")
    method: str | None = Field(
        default=None, description="bank_transfer, card, direct_debit, cheque, cash, other."
    )
    invoice_numbers: tuple[Identifier, ...] = Field(
        default=(), description="Invoices the payer named; empty means oldest due first."
    )


@register
class PaymentAllocatedV1(LedgerEvent):
    """Part of a payment was applied to one invoice: charges, then interest, then principal."""

    event_type = "PaymentAllocated"
    event_version = 1

    payment_reference: Identifier
    customer_id: Identifier
    invoice_number: Identifier
    amount: Amount = Field(description="Applied to this invoice: charges + interest + principal.")
    currency: Currency
    charges: NonNegativeAmount = Field(description="Part that settled fees.")
    interest: NonNegativeAmount = Field(description="Part that settled late interest.")
    principal: NonNegativeAmount = Field(description="Part that settled the invoice amount.")
    allocated_on: date | None = None
    outstanding_after: NonNegativeAmount | None = Field(default=None, description=OUTSTANDING_AFTER)

    @model_validator(mode="after")
    def _parts_add_up(self) -> Self:
        if self.charges + self.interest + self.principal != self.amount:
            raise ValueError("charges + interest + principal must equal amount")
        return self


@register
class UnappliedCreditChangedV1(LedgerEvent):
    """A customer's unapplied credit in one currency changed; carries the new balance."""

    event_type = "UnappliedCreditChanged"
    event_version = 1

    customer_id: Identifier
    currency: Currency
    balance: NonNegativeAmount = Field(description="Unapplied credit after the change.")
    change: SignedAmount = Field(description="Positive when credit grew, negative when used.")
    cause: str = Field(
        description="payment_received, payment_allocated, credit_note_issued, refund, adjustment."
    )
    document_reference: Identifier = Field(
        description="The payment reference or credit note number behind the change."
    )
    changed_on: date


@register
class InvoicePaidV1(LedgerEvent):
    """An invoice's outstanding reached zero through payments and credit notes."""

    event_type = "InvoicePaid"
    event_version = 1

    invoice_number: Identifier
    customer_id: Identifier
    amount: Amount = Field(description="The invoice's gross amount.")
    currency: Currency
    issue_date: date
    due_date: date
    paid_date: date = Field(description="Date of the allocation that settled it.")
    days_late: int = Field(ge=0, description="max(0, paid_date - due_date).")
    days_to_settle: int = Field(description="paid_date - issue_date.")

    @model_validator(mode="after")
    def _days_follow_dates(self) -> Self:
        if self.days_late != max(0, (self.paid_date - self.due_date).days):
            raise ValueError("days_late must be max(0, paid_date - due_date)")
        if self.days_to_settle != (self.paid_date - self.issue_date).days:
            raise ValueError("days_to_settle must be paid_date - issue_date")
        return self


@register
class InvoiceOverdueV1(LedgerEvent):
    """An invoice became overdue at a business-day close; emitted once per invoice."""

    event_type = "InvoiceOverdue"
    event_version = 1

    invoice_number: Identifier
    customer_id: Identifier
    due_date: date
    as_of: date = Field(description="The business date that was closed.")
    outstanding: Amount
    currency: Currency
    days_overdue: int = Field(ge=1, description="as_of - due_date.")

    @model_validator(mode="after")
    def _days_follow_dates(self) -> Self:
        if self.days_overdue != (self.as_of - self.due_date).days:
            raise ValueError("days_overdue must be as_of - due_date")
        return self


@register
class CreditNoteIssuedV1(LedgerEvent):
    """A credit note reduced an invoice or, without one, added unapplied credit."""

    event_type = "CreditNoteIssued"
    event_version = 1

    credit_note_number: Identifier
    customer_id: Identifier
    amount: Amount
    currency: Currency
    issue_date: date
    invoice_number: Identifier | None = Field(
        default=None, description="The invoice it credits; none means unapplied credit."
    )
    reason: str | None = None
    dispute_id: Identifier | None = Field(default=None, description="The dispute it settles.")
    outstanding_after: NonNegativeAmount | None = Field(default=None, description=OUTSTANDING_AFTER)


@register
class InvoiceDisputedV1(LedgerEvent):
    """The customer disputes an invoice; dunning pauses it until DisputeResolved."""

    event_type = "InvoiceDisputed"
    event_version = 1

    dispute_id: Identifier
    invoice_number: Identifier
    customer_id: Identifier
    opened_on: date
    disputed_amount: Amount | None = Field(default=None, description="None: the whole invoice.")
    currency: Currency | None = None
    reason_code: str | None = Field(default=None, description="e.g. price, quantity, quality.")
    reason: str | None = None


@register
class DisputeResolvedV1(LedgerEvent):
    """A dispute ended: valid (the customer was right) or invalid (the debt stands)."""

    event_type = "DisputeResolved"
    event_version = 1

    dispute_id: Identifier
    invoice_number: Identifier
    customer_id: Identifier
    outcome: Literal["valid", "invalid"]
    resolved_on: date
    credit_note_number: Identifier | None = Field(
        default=None, description="Credit note issued because the dispute was valid."
    )
    note: str | None = None


@register
class InvoiceWrittenOffV1(LedgerEvent):
    """The rest of an invoice was written off as bad debt; its case closes."""

    event_type = "InvoiceWrittenOff"
    event_version = 1

    invoice_number: Identifier
    customer_id: Identifier
    amount: Amount = Field(description="Written off: the outstanding, charges included.")
    currency: Currency
    written_off_on: date
    reason: str | None = None
    approved_by: str | None = Field(default=None, description="User id of the approver.")


@register
class ChargePostedV1(LedgerEvent):
    """A fee or late interest became a ledger document on an invoice (usually dunning's request)."""

    event_type = "ChargePosted"
    event_version = 1

    charge_id: Identifier
    customer_id: Identifier
    invoice_number: Identifier
    kind: ChargeKind
    amount: Amount
    currency: Currency
    posted_on: date
    requested_by: Identifier | None = Field(
        default=None, description="request_id of the ChargeRequested it answers."
    )
    rate: Rate | None = Field(default=None, description="Annual interest rate used (interest).")
    day_count: DayCount | None = None
    period_start: date | None = Field(default=None, description="First day interest ran.")
    period_end: date | None = Field(default=None, description="Last day interest ran.")
    outstanding_after: NonNegativeAmount | None = Field(default=None, description=OUTSTANDING_AFTER)


@register
class BusinessDayClosedV1(LedgerEvent):
    """The ledger closed a business day; the one clock time-driven work runs on."""

    event_type = "BusinessDayClosed"
    event_version = 1
    platform_wide = True

    business_date: date
    replay: bool = Field(default=False, description="Closed on request with an explicit date.")
    invoices_marked_overdue: int | None = Field(
        default=None, ge=0, description="How many InvoiceOverdue this close emitted."
    )
