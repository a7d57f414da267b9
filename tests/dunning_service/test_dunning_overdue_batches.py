"""A run of InvoiceOverdue events applied in one transaction has the effect of applying them one by one."""

from datetime import date, timedelta
from pathlib import Path
from typing import Any

from dunning_support import DunningFeed, allocated, close_days, fresh_feed, issued, overdue
from sqlalchemy import select

from arflow_contracts import EventEnvelope, wrap
from arflow_contracts.ledger import InvoiceOverdueV1
from arflow_dunning.store import CollectionCase, StageReached, WatchedInvoice
from arflow_runtime.bus.base import Record

DUE = date(2024, 3, 1)
DAY = DUE + timedelta(days=1)


async def history(feed: DunningFeed) -> list[InvoiceOverdueV1]:
    """Three customers' invoices, closed up to the due date; one paid; the day's overdue events."""
    invoices = [
        issued("A-1", "C-1", DUE, "900.00"),
        issued("A-2", "C-1", DUE, "50.00"),
        issued("B-1", "C-2", DUE - timedelta(days=20), "400.00"),
        issued("B-2", "C-2", DUE, "70.00"),
        issued("D-1", "C-3", DUE, "120.00"),
    ]
    for invoice in invoices:
        await feed.feed(invoice)
    await close_days(feed, DUE - timedelta(days=25), DUE)
    await feed.feed(allocated(invoices[4], DUE))
    unknown = issued("A-9", "C-1", DUE, "300.00")  # dunning never saw it issued
    return [
        overdue(invoices[0], DAY),
        overdue(invoices[2], DAY),
        overdue(invoices[4], DAY),  # paid already: watched, not evaluated
        overdue(unknown, DAY),  # a customer already in the run: its evaluation comes first
        overdue(invoices[1], DAY),
        overdue(invoices[3], DAY),
    ]


def records(envelopes: list[EventEnvelope]) -> list[Record]:
    return [
        Record("t.ledger.events", 0, n, e.customer_id.encode(), e.to_bytes(), tuple(e.headers()))
        for n, e in enumerate(envelopes)
    ]


async def outcome(feed: DunningFeed) -> tuple[Any, ...]:
    published = await feed.published()
    per_customer = sorted(
        (
            e.customer_id,
            e.event_type,
            e.data.get("request_id") or e.data.get("task_id") or e.data.get("stage_key"),
        )
        for e in published
    )
    reached = await feed.query(
        select(StageReached.invoice_number, StageReached.stage, StageReached.reached_on)
    )
    watched = await feed.query(
        select(WatchedInvoice.invoice_number, WatchedInvoice.stage, WatchedInvoice.next_stage_due_on)
    )
    cases = await feed.query(select(CollectionCase.customer_id, CollectionCase.status))
    return per_customer, sorted(reached), sorted(watched), sorted(cases)


async def test_a_run_of_overdue_events_acts_as_the_events_one_by_one(
    dunning: DunningFeed, tmp_path: Path
) -> None:
    events = await history(dunning)
    for event in events:
        await dunning.feed(event)
    one_by_one = await outcome(dunning)

    (tmp_path / "batched").mkdir()
    async with fresh_feed(tmp_path / "batched") as batched:
        assert await history(batched) == events
        await batched.dispatch.dispatch_batch(records([wrap(e, producer="invoice-service") for e in events]))
        assert await outcome(batched) == one_by_one
    assert any(stage == "reminder_1" for _, stage, _ in one_by_one[1])  # the run moved invoices


async def test_a_run_delivered_again_acts_once(dunning: DunningFeed) -> None:
    events = await history(dunning)
    envelopes = [wrap(e, producer="invoice-service") for e in events]
    await dunning.dispatch.dispatch_batch(records(envelopes))
    first = await outcome(dunning)
    await dunning.dispatch.dispatch_batch(records(envelopes))
    for envelope in envelopes:
        await dunning.deliver(envelope)
    assert await outcome(dunning) == first


async def test_only_runs_of_overdue_events_are_batched(dunning: DunningFeed) -> None:
    invoice = issued("A-1", "C-1", DUE)
    batched, single = records(
        [wrap(overdue(invoice, DAY), producer="invoice-service"), wrap(invoice, producer="invoice-service")]
    )
    assert dunning.dispatch.batch_key(batched) == ("InvoiceOverdue", "1")
    assert dunning.dispatch.batch_key(single) is None
