"""Invoices with their lines and instalments, plus the derived figures reports read in SQL."""

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Column, Index, Text, text
from sqlmodel import Field

from arflow_invoice.store.base import LedgerTable, id_field, instant, invoice_ref, money


class Invoice(LedgerTable, table=True):
    """An invoice as the ERP posted it, and its current figures (all documents counted).

    The current figures are recomputed by the domain after every posting; set-based reports
    read them for invoices whose last document is on or before the report date, and rebuild
    the figures from the documents for the others.
    """

    __tablename__ = "invoices"
    __table_args__ = (
        Index("ix_invoices_customer_currency", "customer_id", "currency", "closed_on"),
        Index("ix_invoices_overdue_watch", "overdue_notified_on", "earliest_due_date"),
        Index("ix_invoices_last_document_date", "last_document_date"),
        # Aging and overdue detection read these few columns of every simple invoice: an
        # index-only scan of this narrow index instead of the wide rows (migration 0002).
        Index(
            "ix_invoices_aging",
            "currency",
            "due_date",
            postgresql_include=[
                "outstanding",
                "issue_date",
                "closed_on",
                "last_document_date",
                "has_instalments",
                "has_charges",
                "salesperson_id",
                "customer_id",
            ],
        ),
        # The few invoices owing several dated amounts, which reports rebuild from their documents.
        Index(
            "ix_invoices_staggered",
            "id",
            postgresql_where=text("has_instalments OR has_charges"),
            sqlite_where=text("has_instalments OR has_charges"),
        ),
    )

    id: int | None = id_field()
    invoice_number: str = Field(max_length=100, unique=True)
    customer_id: str = Field(max_length=100)
    currency: str = Field(max_length=3)
    amount: Decimal = money()
    issue_date: date = Field(index=True)
    due_date: date
    salesperson_id: str | None = Field(default=None, max_length=100, index=True)
    order_id: str | None = Field(default=None, max_length=100)
    payment_terms: str | None = Field(default=None, max_length=50)
    jurisdiction: str | None = Field(default=None, max_length=10)
    late_interest_rate: str | None = Field(default=None, max_length=40)
    day_count: str | None = Field(default=None, max_length=10)
    dunning_fee: Decimal | None = money(nullable=True)
    tax_amount: Decimal | None = money(nullable=True)
    discount_date: date | None = None
    discount_amount: Decimal | None = money(nullable=True)
    discount_rate: str | None = Field(default=None, max_length=40)
    has_instalments: bool = False
    has_disputes: bool = False
    has_charges: bool = False
    content: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime = instant()
    # Current figures (every document counted), kept by the domain after each posting.
    outstanding: Decimal = money()
    principal_reduced: Decimal = money(default=Decimal(0))
    fees_reduced: Decimal = money(default=Decimal(0))
    interest_reduced: Decimal = money(default=Decimal(0))
    status: str = Field(max_length=20, index=True)
    paid_date: date | None = None
    days_late: int | None = None
    days_to_settle: int | None = None
    last_document_date: date
    earliest_due_date: date
    closed_on: date | None = Field(default=None, index=True)
    overdue_notified_on: date | None = None


class InvoiceLine(LedgerTable, table=True):
    """One line of an invoice; the lines sum to the invoice amount."""

    __tablename__ = "invoice_lines"

    id: int | None = id_field()
    invoice_id: int = invoice_ref()
    line_number: int
    description: str | None = Field(default=None, max_length=500)
    quantity: str | None = Field(default=None, max_length=40)
    unit_price: str | None = Field(default=None, max_length=40)
    amount: Decimal = money()
    tax_amount: Decimal | None = money(nullable=True)


class InvoiceInstalment(LedgerTable, table=True):
    """One instalment with its own due date; `cum_through` sums it and every earlier one."""

    __tablename__ = "invoice_instalments"

    id: int | None = id_field()
    invoice_id: int = invoice_ref()
    due_date: date
    amount: Decimal = money()
    cum_through: Decimal = money()
