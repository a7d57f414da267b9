"""credit-service's own projection of the ledger: invoices, disputes and unapplied credit."""

from collections import defaultdict
from collections.abc import Collection, Sequence
from datetime import date
from decimal import Decimal
from typing import Any, NamedTuple

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import Field, col

from arflow_credit.store.base import CreditTable, money_column
from arflow_runtime.bulk_rows import insert_rows


class LedgerItem(CreditTable, table=True):
    """An invoice as credit sees it; `outstanding` = amount + charges - settled.

    Movements are added up rather than overwritten, so a movement that reaches credit before
    its invoice (a stub with issued=False) is not lost and the sum never depends on order.
    """

    __tablename__ = "ledger_items"

    invoice_number: str = Field(primary_key=True, max_length=128)
    customer_id: str = Field(max_length=128, index=True)
    currency: str = Field(max_length=3)
    issued: bool = False
    amount: Decimal = money_column()
    charges: Decimal = money_column()
    settled: Decimal = money_column()
    outstanding: Decimal = money_column()
    issue_date: date | None = None
    due_date: date | None = None
    order_id: str | None = Field(default=None, max_length=128, index=True)
    settled_on: date | None = Field(default=None, description="paid or written off on")
    written_off: bool = False

    def recompute(self) -> None:
        """Outstanding from the movements seen so far."""
        self.outstanding = self.amount + self.charges - self.settled

    def add_movement(self, settled: Decimal = Decimal(0), charges: Decimal = Decimal(0)) -> None:
        """A payment or credit (settled) or a fee or interest (charges) on this invoice."""
        self.settled += settled
        self.charges += charges
        self.recompute()

    def settle_in_full(self) -> None:
        """The ledger says it is paid: nothing is outstanding (until a later charge)."""
        self.settled = max(self.settled, self.amount + self.charges)
        self.recompute()


class Dispute(CreditTable, table=True):
    """A dispute on an invoice; valid ones (the customer was right) do not count against it."""

    __tablename__ = "disputes"

    dispute_id: str = Field(primary_key=True, max_length=128)
    customer_id: str = Field(max_length=128, index=True)
    invoice_number: str = Field(max_length=128, index=True)
    opened_on: date | None = None
    outcome: str | None = Field(default=None, max_length=16)
    resolved_on: date | None = None


class UnappliedCredit(CreditTable, table=True):
    """A customer's unapplied credit balance in one currency, as the ledger last reported it."""

    __tablename__ = "unapplied_credit"

    customer_id: str = Field(primary_key=True, max_length=128)
    currency: str = Field(primary_key=True, max_length=3)
    balance: Decimal = money_column()
    changed_on: date


async def ledger_item(
    session: AsyncSession, invoice_number: str, customer_id: str, currency: str
) -> LedgerItem:
    """The item for an invoice, created as a stub when credit has not seen the invoice yet."""
    item = await session.get(LedgerItem, invoice_number)
    if item is None:
        item = LedgerItem(invoice_number=invoice_number, customer_id=customer_id, currency=currency)
        session.add(item)
    return item


async def known_ledger_items(session: AsyncSession, numbers: Collection[str]) -> dict[str, LedgerItem]:
    """The items credit has for these invoice numbers, in one read."""
    query = select(LedgerItem).where(col(LedgerItem.invoice_number).in_(sorted(numbers)))
    return {item.invoice_number: item for item in (await session.execute(query)).scalars()}


async def ledger_items(
    session: AsyncSession, invoices: Sequence[tuple[str, str, str]]
) -> dict[str, LedgerItem]:
    """The items for many (invoice number, customer id, currency), in one read; stubs for new ones."""
    found = await known_ledger_items(session, {number for number, _, _ in invoices})
    for number, customer_id, currency in invoices:
        if number not in found:
            found[number] = LedgerItem(invoice_number=number, customer_id=customer_id, currency=currency)
            session.add(found[number])
    return found


async def insert_ledger_items(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    """New items as plain rows, one COPY on PostgreSQL (no ORM objects: a run of new invoices is large)."""
    await insert_rows(session, LedgerItem.__table__, rows)  # type: ignore[attr-defined]


async def open_items(
    session: AsyncSession, customer_id: str, currency: str | None = None
) -> list[LedgerItem]:
    """Issued invoices with money outstanding, oldest due first."""
    query = select(LedgerItem).where(
        col(LedgerItem.customer_id) == customer_id, col(LedgerItem.issued), col(LedgerItem.outstanding) > 0
    )
    if currency is not None:
        query = query.where(col(LedgerItem.currency) == currency)
    return list((await session.execute(query.order_by(col(LedgerItem.due_date)))).scalars())


class InvoiceFacts(NamedTuple):
    """What scoring and exposure read of one invoice (a light row, not an ORM object).

    A tuple: a run of events reads thousands per batch, and a frozen dataclass took 2.5 times as
    long to build (5 % of credit's consumer).
    """

    invoice_number: str
    amount: Decimal
    outstanding: Decimal
    due_date: date | None
    settled_on: date | None
    disputed: bool


def _scored_items_query(currency: str, window_start: date, as_of: date) -> Any:
    """Customer and facts of the invoices scoring and exposure look at (see scored_items)."""
    counted_dispute = (
        select(col(Dispute.dispute_id))
        .where(
            col(Dispute.invoice_number) == col(LedgerItem.invoice_number),
            or_(col(Dispute.outcome).is_(None), col(Dispute.outcome) == "invalid"),
        )
        .exists()
    )
    return select(
        col(LedgerItem.customer_id),
        col(LedgerItem.invoice_number),
        col(LedgerItem.amount),
        col(LedgerItem.outstanding),
        col(LedgerItem.due_date),
        col(LedgerItem.settled_on),
        counted_dispute,
    ).where(
        col(LedgerItem.issued),
        col(LedgerItem.currency) == currency,
        or_(
            col(LedgerItem.outstanding) > 0,
            col(LedgerItem.due_date) > window_start,
            col(LedgerItem.settled_on) > as_of,
        ),
    )


def _facts(row: Any) -> InvoiceFacts:
    return InvoiceFacts(row[1], row[2], row[3], row[4], row[5], bool(row[6]))


async def scored_items(
    session: AsyncSession, customer_id: str, currency: str, window_start: date, as_of: date
) -> list[InvoiceFacts]:
    """Invoices scoring and exposure look at: open ones, those due in the window, those settled after as_of.

    `disputed` is set while a dispute on the invoice is open or was found invalid.
    """
    query = _scored_items_query(currency, window_start, as_of).where(
        col(LedgerItem.customer_id) == customer_id
    )
    return [_facts(row) for row in (await session.execute(query)).all()]


async def scored_items_of(
    session: AsyncSession, customer_ids: Sequence[str], currency: str, window_start: date, as_of: date
) -> dict[str, list[InvoiceFacts]]:
    """scored_items for many customers in one read, by customer (customers without any are absent)."""
    query = _scored_items_query(currency, window_start, as_of).where(
        col(LedgerItem.customer_id).in_(customer_ids)
    )
    found: dict[str, list[InvoiceFacts]] = defaultdict(list)
    for row in (await session.execute(query)).all():
        found[row[0]].append(_facts(row))
    return found


async def unsettled_among(session: AsyncSession, invoice_numbers: Collection[str]) -> set[str]:
    """The given invoices not settled yet: unknown here, not issued, or with something outstanding."""
    numbers = sorted(set(invoice_numbers))
    settled: set[str] = set()
    for start in range(0, len(numbers), 500):
        query = select(col(LedgerItem.invoice_number)).where(
            col(LedgerItem.invoice_number).in_(numbers[start : start + 500]),
            col(LedgerItem.issued),
            col(LedgerItem.outstanding) <= 0,
        )
        settled.update((await session.execute(query)).scalars())
    return set(numbers) - settled


async def items_for_order(session: AsyncSession, order_id: str) -> list[LedgerItem]:
    """Invoices the ERP issued for an order."""
    query = select(LedgerItem).where(col(LedgerItem.order_id) == order_id, col(LedgerItem.issued))
    return list((await session.execute(query)).scalars())


def _credit_sales_query(currency: str, since: date, until: date) -> Any:
    return select(col(LedgerItem.customer_id), col(LedgerItem.issue_date), col(LedgerItem.amount)).where(
        col(LedgerItem.issued),
        col(LedgerItem.currency) == currency,
        col(LedgerItem.issue_date) > since,
        col(LedgerItem.issue_date) <= until,
    )


async def credit_sales(
    session: AsyncSession, customer_id: str, currency: str, since: date, until: date
) -> list[tuple[date, Decimal]]:
    """(issue date, amount) of invoices issued in (since, until], for derived limits."""
    query = _credit_sales_query(currency, since, until).where(col(LedgerItem.customer_id) == customer_id)
    return [(row[1], row[2]) for row in (await session.execute(query)).all() if row[1] is not None]


async def credit_sales_of(
    session: AsyncSession, customer_ids: Sequence[str], currency: str, since: date, until: date
) -> dict[str, list[tuple[date, Decimal]]]:
    """credit_sales for many customers in one read, by customer."""
    query = _credit_sales_query(currency, since, until).where(col(LedgerItem.customer_id).in_(customer_ids))
    found: dict[str, list[tuple[date, Decimal]]] = defaultdict(list)
    for row in (await session.execute(query)).all():
        if row[1] is not None:
            found[row[0]].append((row[1], row[2]))
    return found
