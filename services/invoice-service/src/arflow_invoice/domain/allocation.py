"""Allocating a payment (or unapplied credit) to a customer's open items.

The ERP may name the invoices and amounts; otherwise the oldest due invoice is settled first
(ties: earlier issue date, then invoice number). Within an invoice the parts are settled in
`within_invoice_order` (fees, then interest, then principal by default). What is left is the
customer's unapplied credit, never lost. Disputed amounts are not skipped: name invoices
explicitly to keep a payment off a disputed invoice.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Literal

from arflow_invoice.domain.currency import format_money, validate_amount, validate_currency
from arflow_invoice.domain.documents import PARTS, ZERO, OpenItem, Part
from arflow_invoice.domain.errors import (
    CurrencyMismatch,
    CustomerMismatch,
    InvalidInput,
    InvalidParameter,
    OverAllocation,
    UnknownInvoice,
)
from arflow_invoice.domain.invoice import InvoiceState

AllocationOrder = Literal["oldest_due_first", "oldest_issue_first"]
ALLOCATION_ORDERS: tuple[AllocationOrder, ...] = ("oldest_due_first", "oldest_issue_first")


@dataclass(frozen=True)
class RequestedAllocation:
    """An amount the ERP asks to apply to a named invoice."""

    invoice_number: str
    amount: Decimal


@dataclass(frozen=True)
class Allocation:
    """An amount applied to one part of one invoice."""

    invoice_number: str
    part: Part
    amount: Decimal


@dataclass(frozen=True)
class AllocationResult:
    """How a payment or credit is applied, and what is left unapplied."""

    currency: str
    amount: Decimal
    allocations: tuple[Allocation, ...]
    unapplied: Decimal

    @property
    def applied(self) -> Decimal:
        """Total applied to invoices."""
        return sum((a.amount for a in self.allocations), ZERO)

    def for_invoice(self, invoice_number: str) -> tuple[Allocation, ...]:
        """The allocations to one invoice."""
        return tuple(a for a in self.allocations if a.invoice_number == invoice_number)


def _part_order(order: Sequence[str]) -> tuple[Part, ...]:
    if sorted(order) != sorted(PARTS):
        raise InvalidParameter(
            f"within_invoice_order must name each of {', '.join(PARTS)} once, got {list(order)}"
        )
    return tuple(part for name in order for part in PARTS if part == name)


def _sort_key(order: str) -> Callable[[OpenItem], tuple[date, date, str]]:
    if order == "oldest_due_first":
        return lambda item: (item.due_date, item.issue_date, item.invoice_number)
    if order == "oldest_issue_first":
        return lambda item: (item.issue_date, item.due_date, item.invoice_number)
    raise InvalidParameter(
        f"unknown allocation order {order!r}; choose one of {', '.join(ALLOCATION_ORDERS)}"
    )


def _split(item: OpenItem, amount: Decimal, parts: tuple[Part, ...]) -> list[Allocation]:
    """Spread an amount over one invoice's parts in order."""
    out = []
    for part in parts:
        take = min(amount, item.outstanding.get(part))
        if take > 0:
            out.append(Allocation(item.invoice_number, part, take))
            amount -= take
    return out


def _index(open_items: Iterable[OpenItem]) -> dict[str, OpenItem]:
    items: dict[str, OpenItem] = {}
    for item in open_items:
        if item.invoice_number in items:
            raise InvalidInput(f"open item {item.invoice_number} is listed twice")
        items[item.invoice_number] = item
    return items


def _checked_request(
    req: RequestedAllocation,
    items: dict[str, OpenItem],
    currency: str,
    customer_id: str | None,
    source: str,
) -> tuple[OpenItem, Decimal]:
    """Validate one requested allocation and return its open item and amount."""
    number = req.invoice_number
    amount = validate_amount(req.amount, currency, what=f"allocation to invoice {number}")
    item = items.get(number)
    if item is None:
        raise UnknownInvoice(
            f"invoice {number} named in the allocations is not an open item of this customer",
            invoice_number=number,
        )
    if customer_id is not None and item.customer_id != customer_id:
        raise CustomerMismatch(
            f"invoice {number} belongs to customer {item.customer_id}, not to the {source}'s "
            f"customer {customer_id}",
            invoice_number=number,
        )
    if item.currency != currency:
        raise CurrencyMismatch(
            f"invoice {number} is in {item.currency} but the {source} is in {currency}; "
            "amounts are not converted",
            invoice_number=number,
        )
    owed = item.outstanding.total
    if amount > owed:
        raise OverAllocation(
            f"allocation of {format_money(amount, currency)} to invoice {number} exceeds its "
            f"outstanding {format_money(owed, currency)}",
            invoice_number=number,
            amount=amount,
            outstanding=owed,
        )
    return item, amount


def _allocate(
    source: str,
    amount: Decimal,
    currency: str,
    open_items: Iterable[OpenItem],
    requested: Sequence[RequestedAllocation] | None,
    order: str,
    within_invoice_order: Sequence[str],
    customer_id: str | None,
) -> AllocationResult:
    currency = validate_currency(currency)
    total = validate_amount(amount, currency, what=f"{source} amount")
    parts = _part_order(within_invoice_order)
    sort_key = _sort_key(order)
    items = _index(open_items)
    plan: list[tuple[OpenItem, Decimal]] = []
    if requested:
        seen: set[str] = set()
        for req in requested:
            if req.invoice_number in seen:
                raise InvalidInput(f"invoice {req.invoice_number} is named twice in the allocations")
            seen.add(req.invoice_number)
            plan.append(_checked_request(req, items, currency, customer_id, source))
        asked = sum((amount for _, amount in plan), ZERO)
        if asked > total:
            raise OverAllocation(
                f"allocations total {format_money(asked, currency)}, more than the {source} "
                f"of {format_money(total, currency)}",
                allocations_total=asked,
                amount=total,
            )
    else:
        left = total
        eligible = [
            item
            for item in items.values()
            if item.currency == currency
            and customer_id in (None, item.customer_id)
            and item.outstanding.total > 0
        ]
        for item in sorted(eligible, key=sort_key):
            if left == 0:
                break
            take = min(left, item.outstanding.total)
            plan.append((item, take))
            left -= take
    allocations = tuple(a for item, take in plan for a in _split(item, take, parts))
    applied = sum((a.amount for a in allocations), ZERO)
    return AllocationResult(currency, total, allocations, total - applied)


def allocate_payment(
    payment_amount: Decimal,
    currency: str,
    open_items: Iterable[OpenItem],
    requested: Sequence[RequestedAllocation] | None = None,
    order: AllocationOrder = "oldest_due_first",
    within_invoice_order: Sequence[str] = PARTS,
    customer_id: str | None = None,
) -> AllocationResult:
    """Apply a payment to the named invoices, or else oldest due first; the rest stays unapplied."""
    return _allocate(
        "payment",
        payment_amount,
        currency,
        open_items,
        requested,
        order,
        within_invoice_order,
        customer_id,
    )


def apply_unapplied_credit(
    credit_amount: Decimal,
    currency: str,
    open_items: Iterable[OpenItem],
    requested: Sequence[RequestedAllocation] | None = None,
    order: AllocationOrder = "oldest_due_first",
    within_invoice_order: Sequence[str] = PARTS,
    customer_id: str | None = None,
) -> AllocationResult:
    """Apply a customer's unapplied credit to open items, by the same rules as a payment."""
    return _allocate(
        "credit",
        credit_amount,
        currency,
        open_items,
        requested,
        order,
        within_invoice_order,
        customer_id,
    )


def open_items_as_of(invoices: Iterable[InvoiceState], as_of: date) -> tuple[OpenItem, ...]:
    """Open items (outstanding > 0) of invoice states as of a date, ready for allocation."""
    items = (inv.open_item(as_of) for inv in invoices)
    return tuple(item for item in items if item.outstanding.total > 0)
