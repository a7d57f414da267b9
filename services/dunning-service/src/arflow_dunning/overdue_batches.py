"""Runs of InvoiceOverdue, applied together: a close marks thousands of invoices overdue at once.

The effect is that of the single handler applied to each event in order (watch an unknown
invoice, then evaluate its customer as of the event's date), with one evaluation per business
date for all customers of the run instead of one per event. Evaluating a customer twice on one
date moves nothing the second time, so one evaluation after all the run's events is the same as
one after each; the run is cut where that would not hold: at a change of date, and before an
event that brings an unknown invoice of a customer already in the run (in order, that customer
was evaluated before the invoice was known).
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select

from arflow_contracts.ledger import InvoiceOverdueV1
from arflow_dunning.business_days import evaluation_lock
from arflow_dunning.evaluation import evaluate_customers
from arflow_dunning.invoice_rows import WATCHED
from arflow_dunning.policies import load_policy_book
from arflow_dunning.settings import EvaluationRules
from arflow_dunning.store import OPEN, WatchedInvoice
from arflow_runtime.bulk_rows import one_of
from arflow_runtime.db import UnitOfWork


@dataclass
class _Segment:
    as_of: date
    customers: list[str] = field(default_factory=list)
    seen: set[str] = field(default_factory=set)
    new: list[InvoiceOverdueV1] = field(default_factory=list)


def _watched(event: InvoiceOverdueV1) -> WatchedInvoice:
    return WatchedInvoice(
        invoice_number=event.invoice_number,
        customer_id=event.customer_id,
        currency=event.currency,
        amount=event.outstanding,
        outstanding=event.outstanding,
        principal_outstanding=event.outstanding,
        due_date=event.due_date,
    )


def _segments(events: Sequence[InvoiceOverdueV1], status: dict[str, str]) -> list[_Segment]:
    segments: list[_Segment] = []
    for event in events:
        unknown = event.invoice_number not in status
        current = segments[-1] if segments else None
        if current is None or current.as_of != event.as_of or (unknown and event.customer_id in current.seen):
            current = _Segment(event.as_of)
            segments.append(current)
        if unknown:
            status[event.invoice_number] = OPEN
            current.new.append(event)
        current.seen.add(event.customer_id)
        if status[event.invoice_number] == OPEN and event.customer_id not in current.customers:
            current.customers.append(event.customer_id)
    return segments


async def invoices_overdue(
    uow: UnitOfWork, events: Sequence[InvoiceOverdueV1], rules: EvaluationRules
) -> None:
    """Watch the unknown invoices and evaluate the customers, one evaluation per date and segment."""
    session = uow.session
    numbers = sorted({event.invoice_number for event in events})
    status = dict(
        (
            await session.execute(
                select(WATCHED.c.invoice_number, WATCHED.c.status).where(
                    one_of(session, WATCHED.c.invoice_number, numbers)
                )
            )
        ).all()
    )
    async with evaluation_lock(session):
        book = await load_policy_book(session, rules.default_risk_class)
        for segment in _segments(events, status):
            session.add_all([_watched(event) for event in segment.new])
            await session.flush()
            if segment.customers:
                await evaluate_customers(
                    uow, segment.as_of, segment.customers, book, rules.default_risk_class
                )
