"""What changes an invoice besides payments: credit notes, write-offs, charges, disputes."""

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Column, DateTime, Index, Text
from sqlmodel import Field

from arflow_invoice.store.base import LedgerTable, id_field, instant, invoice_ref, money


class CreditNote(LedgerTable, table=True):
    """A credit note against an invoice (reduces its principal) or on account (unapplied credit)."""

    __tablename__ = "credit_notes"
    __table_args__ = (
        Index("ix_credit_notes_invoice_date", "invoice_id", "issue_date"),
        Index("ix_credit_notes_customer_currency", "customer_id", "currency"),
    )

    id: int | None = id_field()
    credit_note_number: str = Field(max_length=100, unique=True)
    customer_id: str = Field(max_length=100)
    currency: str = Field(max_length=3)
    amount: Decimal = money()
    issue_date: date
    invoice_id: int | None = invoice_ref(nullable=True, indexed=False)
    reason: str | None = Field(default=None, max_length=500)
    dispute_id: str | None = Field(default=None, max_length=100)
    content: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime = instant()


class WriteOff(LedgerTable, table=True):
    """Writing off an invoice's whole outstanding; above the limit it waits for a second principal."""

    __tablename__ = "write_offs"
    __table_args__ = (Index("ix_write_offs_invoice_status", "invoice_id", "status", "written_off_date"),)

    id: int | None = id_field()
    write_off_id: str = Field(max_length=100, unique=True)
    invoice_id: int = invoice_ref(indexed=False)
    amount: Decimal = money()
    fees: Decimal = money()
    interest: Decimal = money()
    principal: Decimal = money()
    written_off_date: date
    reason: str = Field(max_length=500)
    status: str = Field(max_length=20, index=True, description="pending_approval, approved or rejected")
    requested_by: str = Field(max_length=200)
    decided_by: str | None = Field(default=None, max_length=200)
    decided_at: datetime | None = Field(
        default=None, sa_column=Column(DateTime(timezone=True), nullable=True)
    )
    decision_note: str | None = Field(default=None, max_length=500)
    content: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime = instant()


class Charge(LedgerTable, table=True):
    """A dunning fee or late interest posted on an invoice as its own document."""

    __tablename__ = "charges"
    __table_args__ = (Index("ix_charges_invoice_posted", "invoice_id", "posted_date"),)

    id: int | None = id_field()
    charge_id: str = Field(max_length=128, unique=True)
    request_id: str | None = Field(default=None, max_length=128, unique=True)
    invoice_id: int = invoice_ref(indexed=False)
    kind: str = Field(max_length=10, description="fees or interest (domain names)")
    amount: Decimal = money()
    posted_date: date
    due_date: date
    reason: str | None = Field(default=None, max_length=500)
    rate: str | None = Field(default=None, max_length=40)
    day_count: str | None = Field(default=None, max_length=10)
    period_start: date | None = None
    period_end: date | None = None
    content: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime = instant()


class Dispute(LedgerTable, table=True):
    """A customer contests an invoice amount; resolved valid (credit note) or invalid."""

    __tablename__ = "disputes"

    id: int | None = id_field()
    dispute_id: str = Field(max_length=100, unique=True)
    invoice_id: int = invoice_ref()
    amount: Decimal = money()
    opened_date: date
    reason_code: str = Field(max_length=50)
    reason: str | None = Field(default=None, max_length=500)
    resolution: str | None = Field(default=None, max_length=10, description="valid or invalid")
    resolved_date: date | None = None
    credit_note_number: str | None = Field(default=None, max_length=100)
    note: str | None = Field(default=None, max_length=500)
    content: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime = instant()
