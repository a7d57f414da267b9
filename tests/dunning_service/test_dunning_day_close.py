"""Business-day evaluation in the service: one message per customer and stage, nothing acts twice."""

import asyncio
from collections import Counter
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from dunning_support import DunningFeed, closed, fresh_feed, issued, lines_of, overdue
from sqlalchemy import select

from arflow_contracts import EventEnvelope
from arflow_contracts.terms import ContractTerms
from arflow_dunning import business_days
from arflow_dunning.settings import EvaluationRules
from arflow_dunning.store import BusinessDay, StageReached, WatchedInvoice
from arflow_runtime.consumer import Poison
from arflow_testing import eventually

DUE = date(2024, 3, 1)
START = DUE - timedelta(days=10)
CLASS_B = ["friendly_reminder", "reminder_1", "reminder_2", "formal_demand", "final_notice"]
TERMS = ContractTerms(late_interest_rate=Decimal("0.08"), day_count="ACT/360")


def days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


async def close_days(
    dunning: DunningFeed, first: date, last: date, **envelope: object
) -> list[EventEnvelope]:
    """Close each business day, sending InvoiceOverdue first for invoices due the day before."""
    return [await dunning.feed(closed(day), **envelope) for day in days(first, last)]


async def test_a_customer_gets_one_message_per_stage_listing_all_its_invoices(dunning: DunningFeed) -> None:
    for invoice in (
        issued("A-1", "C-1", DUE, "100.00"),
        issued("A-2", "C-1", DUE, "200.00"),
        issued("A-3", "C-1", DUE, "300.00"),
        issued("B-1", "C-2", DUE, "50.00"),
        issued("D-1", "C-3", DUE + timedelta(days=4), "70.00"),
    ):
        await dunning.feed(invoice)
    await close_days(dunning, START, DUE + timedelta(days=35))

    notices = await dunning.published("NotificationRequested")
    per_customer_and_stage = Counter((n.customer_id, n.data["stage"]) for n in notices)
    assert set(per_customer_and_stage.values()) == {1}
    assert sorted(per_customer_and_stage) == [(c, s) for c in ("C-1", "C-2", "C-3") for s in range(1, 6)]
    for notice in notices:
        expected = {"C-1": ["A-1", "A-2", "A-3"], "C-2": ["B-1"], "C-3": ["D-1"]}[notice.customer_id]
        assert lines_of(notice) == expected
    c1 = [n for n in notices if n.customer_id == "C-1"]
    assert [n.data["template"] for n in c1] == [f"dunning.{stage}" for stage in CLASS_B]
    assert [n.data["as_of"] for n in c1] == [str(DUE + timedelta(days=d)) for d in (-3, 1, 7, 15, 30)]
    assert c1[1].data["invoices"][0] == {
        "invoice_number": "A-1",
        "currency": "EUR",
        "amount": "100.00",
        "outstanding": "100.00",
        "due_date": "2024-03-01",
        "days_overdue": 1,
        "charges": None,
    }
    stages = await dunning.published("DunningStageReached")
    assert Counter((s.customer_id, s.data["stage_name"]) for s in stages) == {
        (c, s.replace("_", " ").capitalize()): 1 for c in ("C-1", "C-2", "C-3") for s in CLASS_B
    }


async def test_an_invoice_already_at_the_stage_is_listed_again_when_another_reaches_it(
    dunning: DunningFeed,
) -> None:
    await dunning.feed(issued("A-1", "C-1", DUE))
    await dunning.feed(issued("A-2", "C-1", DUE + timedelta(days=2)))
    await close_days(dunning, START, DUE)
    friendly = [n for n in await dunning.published("NotificationRequested") if n.data["stage"] == 1]
    assert [lines_of(n) for n in friendly] == [["A-1"], ["A-1", "A-2"]]
    assert [n.data["as_of"] for n in friendly] == ["2024-02-27", "2024-02-29"]


async def test_redelivered_and_replayed_day_closes_never_act_twice(dunning: DunningFeed) -> None:
    await dunning.feed(issued("A-1", "C-1", DUE, "400.00", terms=TERMS))
    await dunning.feed(issued("A-2", "C-1", DUE, "600.00"))
    await dunning.feed(issued("B-1", "C-2", DUE, "80.00"))
    await dunning.feed(issued("E-1", "C-3", DUE, "90.00"))
    envelopes = await close_days(dunning, START, DUE + timedelta(days=35))
    counts = await dunning.published_counts()
    assert counts == {
        "DunningStageReached": 15,  # three customers × five stages
        "NotificationRequested": 15,
        "CollectionTaskCreated": 3,  # the call at formal_demand
        "CreditHoldRequested": 3,  # at final_notice
        "ChargeRequested": 5,  # a fee on each of the 4 invoices, interest where the contract has a rate
    }

    for envelope in envelopes:  # the broker delivers everything again (same event ids)
        await dunning.deliver(envelope)
    assert await dunning.published_counts() == counts

    await close_days(dunning, START, DUE + timedelta(days=35), correlation_id="replay")  # new ids
    await dunning.feed(closed(DUE + timedelta(days=35), replay=True))
    await dunning.feed(closed(DUE + timedelta(days=35), replay=True))
    assert await dunning.published_counts() == counts
    reached = await dunning.query(select(StageReached.invoice_number, StageReached.stage))
    assert len(reached) == 4 * 5 and len(set(reached)) == 20
    (latest,) = await dunning.query(
        select(BusinessDay.evaluations, BusinessDay.status).where(
            BusinessDay.business_date == DUE + timedelta(days=35)
        )
    )
    assert tuple(latest) == (4, "finished")


async def test_the_same_history_replayed_from_scratch_publishes_the_same_requests(
    dunning: DunningFeed, tmp_path: Path
) -> None:
    async def history(feed: DunningFeed) -> list[tuple[str, str]]:
        await feed.feed(issued("A-1", "C-1", DUE, "400.00", terms=TERMS))
        await feed.feed(issued("B-1", "C-2", DUE, "80.00"))
        await close_days(feed, START, DUE + timedelta(days=31))
        return [
            (e.event_type, e.data.get("request_id") or e.data.get("task_id") or e.data["stage"])
            for e in await feed.published()
        ]

    first = await history(dunning)
    (tmp_path / "again").mkdir()
    async with fresh_feed(tmp_path / "again") as again:
        assert await history(again) == first


async def test_an_overdue_invoice_is_evaluated_at_once_and_the_close_after_it_adds_nothing(
    dunning: DunningFeed,
) -> None:
    invoice = issued("A-1", "C-1", DUE)
    await dunning.feed(invoice)
    await dunning.feed(issued("A-2", "C-1", DUE))
    await close_days(dunning, START, DUE)
    await dunning.feed(overdue(invoice, DUE + timedelta(days=1)))
    first = await dunning.published("NotificationRequested")
    assert [(n.data["template"], lines_of(n)) for n in first] == [
        ("dunning.friendly_reminder", ["A-1", "A-2"]),
        ("dunning.reminder_1", ["A-1", "A-2"]),  # the whole customer, not just the overdue invoice
    ]
    await dunning.feed(overdue(issued("A-2", "C-1", DUE), DUE + timedelta(days=1)))
    await dunning.feed(closed(DUE + timedelta(days=1)))
    assert await dunning.published("NotificationRequested") == first
    (case_ids,) = await dunning.query(select(WatchedInvoice.case_id).distinct())
    assert case_ids[0] is not None


async def test_a_close_before_the_overdue_events_sends_the_reminder_once(dunning: DunningFeed) -> None:
    invoice = issued("A-1", "C-1", DUE)
    await dunning.feed(invoice)
    await close_days(dunning, DUE + timedelta(days=1), DUE + timedelta(days=1))
    await dunning.feed(overdue(invoice, DUE + timedelta(days=1)))
    notices = await dunning.published("NotificationRequested")
    # The first evaluation comes late (after the friendly reminder's day): one stage per business day.
    assert [n.data["template"] for n in notices] == ["dunning.friendly_reminder"]
    await close_days(dunning, DUE + timedelta(days=2), DUE + timedelta(days=2))
    notices = await dunning.published("NotificationRequested")
    assert [n.data["template"] for n in notices] == ["dunning.friendly_reminder", "dunning.reminder_1"]


async def test_a_day_older_than_the_last_closed_one_is_ignored(dunning: DunningFeed) -> None:
    await dunning.feed(issued("A-1", "C-1", DUE))
    await dunning.feed(closed(DUE + timedelta(days=10)))
    before = await dunning.published_counts()
    await dunning.feed(closed(DUE))
    assert await dunning.published_counts() == before
    rows = await dunning.query(select(BusinessDay.business_date))
    assert [row[0] for row in rows] == [DUE + timedelta(days=10)]


async def crash_in_the_second_batch(monkeypatch: pytest.MonkeyPatch) -> None:
    real = business_days.evaluate_customers
    calls = 0

    async def evaluate_then_die(*args: Any, **kwargs: Any) -> Any:
        nonlocal calls
        calls += 1
        if calls == 2:
            raise ConnectionResetError("the process died here")
        return await real(*args, **kwargs)

    monkeypatch.setattr(business_days, "evaluate_customers", evaluate_then_die)


async def five_customers_due(dunning: DunningFeed) -> None:
    for n in range(1, 6):
        await dunning.feed(issued(f"A-{n}", f"C-{n}", DUE))


async def day_row(dunning: DunningFeed, day: date) -> tuple[str, str | None]:
    (row,) = await dunning.query(
        select(BusinessDay.status, BusinessDay.cursor).where(BusinessDay.business_date == day)
    )
    return tuple(row)  # type: ignore[return-value]


async def test_a_day_interrupted_half_way_is_finished_by_the_next_close(
    dunning: DunningFeed, monkeypatch: pytest.MonkeyPatch
) -> None:
    await five_customers_due(dunning)
    await crash_in_the_second_batch(monkeypatch)
    with pytest.raises(ConnectionResetError):
        await dunning.feed(closed(DUE - timedelta(days=3)))
    assert await day_row(dunning, DUE - timedelta(days=3)) == ("running", "C-2")  # batch 1 committed
    assert len(await dunning.published("NotificationRequested")) == 2
    monkeypatch.undo()
    await dunning.feed(closed(DUE - timedelta(days=2)))
    notices = await dunning.published("NotificationRequested")
    assert sorted(n.customer_id for n in notices) == [f"C-{n}" for n in range(1, 6)]
    assert {n.data["as_of"] for n in notices} == {str(DUE - timedelta(days=3))}
    assert await day_row(dunning, DUE - timedelta(days=3)) == ("finished", "C-5")


async def test_the_resume_job_finishes_an_interrupted_day(
    dunning: DunningFeed, monkeypatch: pytest.MonkeyPatch
) -> None:
    await five_customers_due(dunning)
    await crash_in_the_second_batch(monkeypatch)
    with pytest.raises(ConnectionResetError):
        await dunning.feed(closed(DUE - timedelta(days=3)))
    monkeypatch.undo()
    job = business_days.resume_interrupted_days(
        EvaluationRules(chunk_customers=2, resume_interval_seconds=0.05)
    )
    task = asyncio.create_task(job(SimpleNamespace(database=dunning.database)))  # type: ignore[arg-type]
    try:
        await eventually(
            lambda: day_row(dunning, DUE - timedelta(days=3)),
            lambda row: row[0] == "finished",
            timeout=30,
            what="the resume job to finish the day",
        )
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    notices = await dunning.published("NotificationRequested")
    assert sorted(n.customer_id for n in notices) == [f"C-{n}" for n in range(1, 6)]


async def test_an_implausible_due_date_goes_to_the_dead_letter_topic(dunning: DunningFeed) -> None:
    with pytest.raises(Poison, match="not plausible"):
        await dunning.feed(issued("FAR-1", "C-1", date(9999, 1, 1)))
    await dunning.feed(closed(DUE))
    assert await dunning.query(select(WatchedInvoice.invoice_number)) == []
