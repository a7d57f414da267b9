"""Ledger documents posted against an invoice, and the value types derived from them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Literal

Part = Literal["fees", "interest", "principal"]
"""What part of an invoice a payment settles: dunning fees, late interest or the invoice itself."""

PARTS: tuple[Part, ...] = ("fees", "interest", "principal")
"""The default order in which a payment settles an invoice's parts (costs, interest, principal)."""

ChargeKind = Literal["fees", "interest"]
CreditKind = Literal["payment", "credit_note"]
Resolution = Literal["valid", "invalid"]

ZERO = Decimal(0)


class InvoiceStatus(StrEnum):
    """Where an invoice stands as of a date."""

    OPEN = "open"
    PARTIALLY_PAID = "partially_paid"
    PAID = "paid"
    DISPUTED = "disputed"
    WRITTEN_OFF = "written_off"


@dataclass(frozen=True)
class PartAmounts:
    """An amount per invoice part."""

    fees: Decimal = ZERO
    interest: Decimal = ZERO
    principal: Decimal = ZERO

    @property
    def total(self) -> Decimal:
        """Sum of all parts."""
        return self.fees + self.interest + self.principal

    def get(self, part: Part) -> Decimal:
        """The amount of one part."""
        return {"fees": self.fees, "interest": self.interest, "principal": self.principal}[part]


@dataclass(frozen=True)
class Charge:
    """A dunning fee or late interest posted as its own document (on dunning's request)."""

    reference: str
    kind: ChargeKind
    amount: Decimal
    posted_date: date
    due_date: date | None = None

    @property
    def due(self) -> date:
        """When the charge is due: its own due date, else the day it was posted."""
        return self.due_date or self.posted_date


@dataclass(frozen=True)
class PostedAllocation:
    """Part of a payment (or of unapplied credit) applied to one part of an invoice on a date."""

    source_reference: str
    part: Part
    amount: Decimal
    applied_date: date


@dataclass(frozen=True)
class CreditNote:
    """A credit note against the invoice; it reduces the principal."""

    number: str
    amount: Decimal
    issue_date: date
    reason: str = ""


@dataclass(frozen=True)
class WriteOff:
    """An amount of one invoice part given up as uncollectable."""

    reference: str
    amount: Decimal
    written_off_date: date
    part: Part = "principal"
    reason: str = ""


@dataclass(frozen=True)
class Dispute:
    """A customer's dispute of the whole invoice or a part amount."""

    reference: str
    amount: Decimal
    opened_date: date
    reason_code: str
    resolved_date: date | None = None
    resolution: Resolution | None = None

    def is_open(self, as_of: date) -> bool:
        """True if opened on or before `as_of` and not resolved by then."""
        return self.opened_date <= as_of and (self.resolved_date is None or self.resolved_date > as_of)


@dataclass(frozen=True)
class OpenEntry:
    """An amount still owed with the date it fell due (one per instalment or charge)."""

    due_date: date
    part: Part
    amount: Decimal


@dataclass(frozen=True)
class OpenItem:
    """What a payment may settle on one invoice as of a date."""

    invoice_number: str
    customer_id: str
    currency: str
    issue_date: date
    due_date: date
    outstanding: PartAmounts


@dataclass(frozen=True)
class CreditSource:
    """Money a customer has on account: a received payment or a credit note not tied to an invoice."""

    reference: str
    customer_id: str
    currency: str
    amount: Decimal
    received_date: date
    kind: CreditKind = "payment"
