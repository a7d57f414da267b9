"""Runs of ledger events applied together leave credit where applying them one by one leaves it.

The consumer hands credit-service runs of consecutive events of one contract (a poll's worth of
InvoiceIssued, PaymentAllocated or InvoicePaid); each event is applied in order and each customer
is re-assessed once, for the run's end state. The seeded histories of the day-close comparison are
fed to two credit-services: one event at a time, and in runs as a consumer poll forms them. Ledger
items, accounts (score, class, exposure watched, breach state), reservations and the holds in
force must come out the same; the batched service may publish fewer events (a class passed
through inside a run is not announced), never others.
"""

import random
from collections import Counter
from collections.abc import Awaitable, Callable
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from credit_harness import CreditCore, credit_core, day_closed, sqlite_url
from credit_ledger_model import LedgerModel
from sqlalchemy import select
from sqlmodel import col
from test_credit_bulk_reassessment import TwoServices, play, state

from arflow_contracts import EventData, wrap
from arflow_contracts.ledger import InvoicePaidV1
from arflow_credit.checks import OrderCheck
from arflow_credit.domain import CreditPolicy
from arflow_credit.store.ledger import LedgerItem
from arflow_runtime.bus.base import Record
from arflow_runtime.consumer import runs_of

SEEDS = range(6)
HALF, ONE = Decimal("0.5"), Decimal(1)
History = Callable[[Any, int], Awaitable[None]]


class Polls:
    """Events reach the batched core in polls: held back until something else reads or writes credit."""

    def __init__(self, core: CreditCore) -> None:
        self.core = core
        self.pending: list[Record] = []
        self.runs: Counter[int] = Counter()

    def hold(self, data: EventData) -> None:
        envelope = wrap(data, producer="invoice-service")
        offset = next(self.core.offsets)
        self.pending.append(
            Record(
                data.topic, 0, offset, envelope.customer_id.encode(), envelope.to_bytes(), envelope.headers()
            )
        )

    async def deliver(self) -> None:
        """Consecutive records of one batched contract go to dispatch_batch together, as the consumer does."""
        records, self.pending = self.pending, []
        dispatcher = self.core.dispatcher
        runs = runs_of(records, dispatcher.batch_key)
        for run in runs:
            self.runs[len(run)] += 1
            if len(run) > 1:
                await dispatcher.dispatch_batch(run)
            else:
                await dispatcher(run[0])


class OneByOneAndInRuns(TwoServices):
    """The same history into a service fed event by event and one fed in polls."""

    def __init__(self, batched: CreditCore, reference: CreditCore) -> None:
        self.batched, self.reference = batched, reference
        self.cores = (batched, reference)
        self.polls = Polls(batched)

    async def feed(self, data: EventData) -> None:
        await self.reference.feed(data)
        self.polls.hold(data)

    async def check(self, order: OrderCheck) -> str:
        await self.polls.deliver()
        return await super().check(order)

    async def set_policies(self, policies: list[CreditPolicy], on: date) -> None:
        await self.polls.deliver()
        await super().set_policies(policies, on)

    async def adjust_account(self, customer_id: str, **changes: Any) -> None:
        await self.polls.deliver()
        await super().adjust_account(customer_id, **changes)


async def bursts(services: OneByOneAndInRuns, seed: int) -> None:
    """Busy days: every customer's new invoices, then the day's allocations, then the invoices paid."""
    rng = random.Random(seed)
    models = [LedgerModel(f"B{seed}-C{n}") for n in range(12)]
    today = models[0].today
    await services.feed(day_closed(today))
    for day in range(25):
        issued: list[EventData] = []
        allocated: list[EventData] = []
        paid: list[EventData] = []
        for model in rng.sample(models, len(models)):
            model.today = today
            for _ in range(rng.randrange(5)):
                amount = Decimal(rng.randint(5_000, 900_000)) / 100
                issued += model.issue(amount, rng.choice((0, 7, 14, 30)), rng.random() < 0.3)
            for _ in range(rng.randrange(4)):
                for event in model.settle(rng.randrange(10), rng.choice((HALF, ONE)), "payment"):
                    (paid if isinstance(event, InvoicePaidV1) else allocated).append(event)
        for event in [*issued, *allocated, *paid]:
            await services.feed(event)
        if day % 4 == 3:  # an order now and then, so reservations are consumed by invoices in runs
            model = rng.choice(models)
            await services.check(OrderCheck(model.next_id("ORD"), model.customer, Decimal(500), "EUR"))
        today += timedelta(days=rng.choice((1, 1, 2, 8)))
        await services.feed(day_closed(today))


async def items(core: CreditCore) -> list[dict[str, Any]]:
    async with core.database.unit_of_work() as uow:
        rows = await uow.session.execute(select(LedgerItem).order_by(col(LedgerItem.invoice_number)))
        return [item.model_dump() for item in rows.scalars()]


def in_force(snapshot: dict[str, Any]) -> list[tuple[Any, ...]]:
    return sorted(
        (h["customer_id"], h["source"], h["request_id"], h["reason"])
        for h in snapshot["holds"]
        if h["released_on"] is None
    )


async def same_end_state(
    batched_url: str, reference_url: str, seed: int, history: History = play
) -> Counter[int]:
    async with credit_core(batched_url) as batched, credit_core(reference_url) as reference:
        services = OneByOneAndInRuns(batched, reference)
        await history(services, seed)
        await services.polls.deliver()
        expected, actual = await state(reference), await state(batched)
        assert await items(batched) == await items(reference), f"seed {seed}: ledger items differ"
    assert actual["accounts"] == expected["accounts"], f"seed {seed}: accounts differ"
    assert actual["reservations"] == expected["reservations"], f"seed {seed}: reservations differ"
    assert in_force(actual) == in_force(expected), f"seed {seed}: holds in force differ"
    published = Counter((e, c) for e, c, _ in actual["published"])
    reference_published = Counter((e, c) for e, c, _ in expected["published"])
    assert not published - reference_published, f"seed {seed}: the batched service published other events"
    return services.polls.runs


@pytest.mark.timeout(600)
async def test_busy_days_in_runs_leave_credit_where_one_by_one_leaves_it(tmp_path: Path) -> None:
    runs: Counter[int] = Counter()
    for seed in range(3):
        batched, reference = tmp_path / f"b{seed}", tmp_path / f"r{seed}"
        batched.mkdir(), reference.mkdir()
        runs += await same_end_state(sqlite_url(batched), sqlite_url(reference), seed, bursts)
    assert sum(count for length, count in runs.items() if length >= 10) > 50, runs


@pytest.mark.timeout(600)
async def test_runs_of_ledger_events_leave_credit_where_one_by_one_leaves_it(tmp_path: Path) -> None:
    runs: Counter[int] = Counter()
    for seed in SEEDS:
        (tmp_path / f"b{seed}").mkdir()
        (tmp_path / f"r{seed}").mkdir()
        runs += await same_end_state(
            sqlite_url(tmp_path / f"b{seed}"), sqlite_url(tmp_path / f"r{seed}"), seed
        )
    # The histories must hold real runs, or the comparison proves nothing about them.
    assert sum(count for length, count in runs.items() if length > 1) > 40, runs


@pytest.mark.postgres
@pytest.mark.timeout(600)
async def test_runs_of_ledger_events_on_postgresql(postgres_database: str, tmp_path: Path) -> None:
    (tmp_path / "r").mkdir()
    runs = await same_end_state(postgres_database, sqlite_url(tmp_path / "r"), seed=1)
    assert sum(count for length, count in runs.items() if length > 1) > 5, runs
