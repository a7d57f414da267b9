"""Builders of ledger and credit events and a feed into dunning's real dispatcher, for the service tests."""

import contextlib
from collections import Counter
from collections.abc import AsyncIterator
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import select

from arflow_contracts import EventData, EventEnvelope, contract_for, wrap
from arflow_contracts.credit import CreditRatingChangedV1, CustomerProfileChangedV1
from arflow_contracts.ledger import (
    BusinessDayClosedV1,
    InvoiceIssuedV1,
    InvoiceOverdueV1,
    InvoicePaidV1,
    PaymentAllocatedV1,
)
from arflow_dunning.handlers import dunning_handlers
from arflow_dunning.main import NAME
from arflow_dunning.settings import EvaluationRules
from arflow_runtime.bus.base import Record
from arflow_runtime.db import Database, create_engine
from arflow_runtime.handlers import EventDispatcher
from arflow_runtime.migrations import apply_migrations
from arflow_runtime.outbox import Outbox
from arflow_runtime.tables import outbox

SMALL_BATCHES = EvaluationRules(chunk_customers=2)
"""Two customers per transaction, so every test also crosses batch boundaries."""


class DunningFeed:
    """Dunning's handlers behind the real dispatcher (inbox, one transaction per event)."""

    def __init__(self, database: Database, rules: EvaluationRules = SMALL_BATCHES) -> None:
        self.database = database
        self.dispatch = EventDispatcher(NAME, dunning_handlers(rules), database)
        self._offset = 0

    async def feed(self, data: EventData, **envelope: Any) -> EventEnvelope:
        """Deliver an event as the consumer would; returns its envelope (to redeliver it)."""
        wrapped = wrap(data, producer="invoice-service", **envelope)
        await self.deliver(wrapped)
        return wrapped

    async def deliver(self, envelope: EventEnvelope) -> None:
        """Deliver an envelope (again)."""
        self._offset += 1
        topic = "t." + contract_for(envelope.event_type, envelope.event_version).topic
        await self.dispatch(
            Record(topic, 0, self._offset, envelope.customer_id.encode(), envelope.to_bytes())
        )

    async def published(self, event_type: str | None = None) -> list[EventEnvelope]:
        """What dunning staged in its outbox, in order."""
        async with self.database.engine.connect() as connection:
            rows = (await connection.execute(select(outbox.c.payload).order_by(outbox.c.id))).scalars()
            envelopes = [EventEnvelope.from_bytes(bytes(payload)) for payload in rows]
        return [e for e in envelopes if event_type is None or e.event_type == event_type]

    async def published_counts(self) -> Counter[str]:
        return Counter(e.event_type for e in await self.published())

    async def query(self, statement: Any) -> list[Any]:
        async with self.database.unit_of_work() as uow:
            return list((await uow.session.execute(statement)).all())


@contextlib.asynccontextmanager
async def fresh_feed(directory: Path, rules: EvaluationRules = SMALL_BATCHES) -> AsyncIterator[DunningFeed]:
    """Dunning's handlers on a new SQLite database in the directory."""
    engine = create_engine(f"sqlite+aiosqlite:///{directory / 'dunning.sqlite'}")
    try:
        await apply_migrations(engine, "arflow_dunning.migrations")
        yield DunningFeed(Database(engine, Outbox(NAME, "t.")), rules)
    finally:
        await engine.dispose()


def lines_of(notification: EventEnvelope) -> list[str]:
    """Invoice numbers a NotificationRequested lists."""
    return [line["invoice_number"] for line in notification.data["invoices"]]


def issued(
    number: str, customer: str, due: date, amount: str = "100.00", currency: str = "EUR", **fields: Any
) -> InvoiceIssuedV1:
    """An invoice issued 30 days before it is due."""
    return InvoiceIssuedV1(
        invoice_number=number,
        customer_id=customer,
        currency=currency,
        amount=Decimal(amount),
        issue_date=date.fromordinal(due.toordinal() - 30),
        due_date=due,
        **fields,
    )


def closed(day: date, replay: bool = False) -> BusinessDayClosedV1:
    return BusinessDayClosedV1(business_date=day, replay=replay)


def overdue(invoice: InvoiceIssuedV1, as_of: date, outstanding: str | None = None) -> InvoiceOverdueV1:
    return InvoiceOverdueV1(
        invoice_number=invoice.invoice_number,
        customer_id=invoice.customer_id,
        due_date=invoice.due_date,
        as_of=as_of,
        outstanding=Decimal(outstanding) if outstanding else invoice.amount,
        currency=invoice.currency,
        days_overdue=(as_of - invoice.due_date).days,
    )


def allocated(
    invoice: InvoiceIssuedV1,
    on: date,
    amount: str | None = None,
    reference: str = "PAY-1",
    outstanding_after: str | None = None,
) -> PaymentAllocatedV1:
    paid = Decimal(amount) if amount else invoice.amount
    after = Decimal(outstanding_after) if outstanding_after is not None else invoice.amount - paid
    return PaymentAllocatedV1(
        payment_reference=reference,
        customer_id=invoice.customer_id,
        invoice_number=invoice.invoice_number,
        amount=paid,
        currency=invoice.currency,
        charges=Decimal(0),
        interest=Decimal(0),
        principal=paid,
        allocated_on=on,
        outstanding_after=after,
    )


def paid(invoice: InvoiceIssuedV1, on: date) -> InvoicePaidV1:
    return InvoicePaidV1(
        invoice_number=invoice.invoice_number,
        customer_id=invoice.customer_id,
        amount=invoice.amount,
        currency=invoice.currency,
        issue_date=invoice.issue_date,
        due_date=invoice.due_date,
        paid_date=on,
        days_late=max(0, (on - invoice.due_date).days),
        days_to_settle=(on - invoice.issue_date).days,
    )


def rated(customer: str, risk_class: str, on: date, score: int = 50) -> CreditRatingChangedV1:
    return CreditRatingChangedV1(customer_id=customer, new_class=risk_class, score=score, as_of=on)


def profile(customer: str, collector: str | None = None, **fields: Any) -> CustomerProfileChangedV1:
    return CustomerProfileChangedV1(
        customer_id=customer, name=f"{customer} Ltd", collector_id=collector, **fields
    )


async def close_days(feed: DunningFeed, first: date, last: date) -> None:
    """Close every business day from first to last (inclusive)."""
    day = first
    while day <= last:
        await feed.feed(closed(day))
        day = date.fromordinal(day.toordinal() + 1)


PROBLEM_JSON = "application/problem+json"
