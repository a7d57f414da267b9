"""Payments received and their allocations to invoice parts."""

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Column, Index, Text
from sqlmodel import Field

from arflow_invoice.store.base import LedgerTable, id_field, instant, invoice_ref, money


class Payment(LedgerTable, table=True):
    """Money a customer paid; what no allocation took is the customer's unapplied credit."""

    __tablename__ = "payments"
    __table_args__ = (Index("ix_payments_customer_currency", "customer_id", "currency", "received_date"),)

    id: int | None = id_field()
    payment_reference: str = Field(max_length=100, unique=True)
    customer_id: str = Field(max_length=100)
    currency: str = Field(max_length=3)
    amount: Decimal = money()
    received_date: date
    method: str | None = Field(default=None, max_length=30)
    content: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime = instant()


class Allocation(LedgerTable, table=True):
    """Part of a payment (or of on-account credit) applied to one invoice on a date, per part."""

    __tablename__ = "allocations"
    __table_args__ = (
        Index("ix_allocations_invoice_date", "invoice_id", "applied_date"),
        Index("ix_allocations_source", "source_kind", "source_reference"),
        Index("ix_allocations_customer_currency", "customer_id", "currency"),
    )

    id: int | None = id_field()
    invoice_id: int = invoice_ref(indexed=False)
    customer_id: str = Field(max_length=100)
    currency: str = Field(max_length=3)
    source_kind: str = Field(max_length=12, description="payment or credit_note")
    source_reference: str = Field(max_length=100)
    applied_date: date
    amount: Decimal = money()
    fees: Decimal = money()
    interest: Decimal = money()
    principal: Decimal = money()
    created_at: datetime = instant()
