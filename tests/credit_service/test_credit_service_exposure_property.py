"""Exposure = the ledger's outstanding + reservations - unapplied credit, whatever order the ledger used.

A small ledger model (credit_ledger_model) plays a customer's ledger (invoices, allocations, credit
notes, charges, write-offs, disputes, unapplied credit, day closes) and credit checks, and keeps its
own books. Its events go through credit-service's real dispatcher (inbox + handlers), some of them
twice, and the service's exposure must match the model's books part by part.
"""

import asyncio
import shutil
import uuid
from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from credit_harness import CreditCore, credit_core, day_closed, sqlite_url
from credit_ledger_model import RESERVATION_DAYS, LedgerModel, Reservation
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from arflow_contracts import EventData, EventEnvelope
from arflow_credit.checks import OrderCheck

money = st.integers(min_value=1, max_value=500_000).map(lambda cents: Decimal(cents) / 100)
shares = st.sampled_from([Decimal("0.25"), Decimal("0.5"), Decimal(1)])
steps = st.one_of(
    st.tuples(st.just("issue"), money, st.integers(0, 45), st.booleans()),
    st.tuples(st.just("pay"), st.integers(0, 9), shares),
    st.tuples(st.just("credit_note"), st.integers(0, 9), shares),
    st.tuples(st.just("charge"), st.integers(0, 9), money),
    st.tuples(st.just("write_off"), st.integers(0, 9)),
    st.tuples(st.just("dispute"), st.integers(0, 9), st.sampled_from(["valid", "invalid"])),
    st.tuples(st.just("unapplied"), st.integers(0, 300_000).map(lambda cents: Decimal(cents) / 100)),
    st.tuples(st.just("check"), money),
    st.tuples(st.just("close_day"), st.integers(1, 40)),
    st.tuples(st.just("redeliver"), st.integers(0, 1000)),
)


async def play(core: CreditCore, customer: str, script: list[tuple[object, ...]]) -> LedgerModel:
    """Run a script against the model and the service; returns the model's books."""
    model = LedgerModel(customer)
    delivered: list[EventEnvelope] = []
    delivered.append(await core.feed(day_closed(model.today)))

    async def emit(events: list[EventData]) -> None:
        for event in events:
            delivered.append(await core.feed(event))

    for step in script:
        kind = step[0]
        if kind == "issue":
            await emit(model.issue(step[1], step[2], step[3]))  # type: ignore[arg-type]
        elif kind in ("pay", "credit_note"):
            await emit(model.settle(step[1], step[2], "payment" if kind == "pay" else "credit_note"))  # type: ignore[arg-type]
        elif kind == "charge":
            await emit(model.charge(step[1], step[2]))  # type: ignore[arg-type]
        elif kind == "write_off":
            await emit(model.write_off(step[1]))  # type: ignore[arg-type]
        elif kind == "dispute":
            await emit(model.dispute(step[1], step[2]))  # type: ignore[arg-type]
        elif kind == "unapplied":
            await emit(model.unapplied_credit(step[1]))  # type: ignore[arg-type]
        elif kind == "check":
            order = model.next_id("ORD")
            outcome = await core.check(OrderCheck(order, customer, step[1], "EUR"))  # type: ignore[arg-type]
            if outcome.check.decision == "approved":
                model.reservations[order] = Reservation(
                    step[1], outcome.check.business_date + timedelta(days=RESERVATION_DAYS)
                )  # type: ignore[arg-type]
        elif kind == "close_day":
            model.today += timedelta(days=step[1])  # type: ignore[arg-type]
            await emit([day_closed(model.today)])
        elif kind == "redeliver":
            await core.deliver(delivered[step[1] % len(delivered)])  # type: ignore[call-overload]
    return model


async def assert_exposure_matches(core: CreditCore, model: LedgerModel) -> None:
    position = await core.position(model.customer)
    exposure = position.exposure
    assert position.as_of == model.today
    actual = {
        part: getattr(exposure, part) for part in ("not_yet_due", "overdue", "reserved", "unapplied_credit")
    }
    assert actual == model.expected()
    expected = model.expected()
    assert exposure.total == (
        expected["not_yet_due"] + expected["overdue"] + expected["reserved"] - expected["unapplied_credit"]
    )


@pytest.fixture(scope="module")
def migrated_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated credit database to copy for every example (migrating each time would be slow)."""
    directory = tmp_path_factory.mktemp("credit-template")

    async def migrate() -> None:
        async with credit_core(sqlite_url(directory)):
            pass

    asyncio.run(migrate())
    return directory / "credit-service.sqlite"


@pytest.fixture
def fresh_databases(migrated_template: Path, tmp_path: Path) -> Iterator[Iterator[str]]:
    """An endless supply of fresh SQLite databases, each a copy of the migrated template."""

    def supply() -> Iterator[str]:
        while True:
            directory = tmp_path / uuid.uuid4().hex[:8]
            directory.mkdir()
            shutil.copy(migrated_template, directory / "credit-service.sqlite")
            yield sqlite_url(directory)

    yield supply()


# The fixture hands out a new database per example, so examples never share state.
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(script=st.lists(steps, min_size=1, max_size=30))
def test_exposure_equals_outstanding_plus_reservations_minus_unapplied_credit_in_any_order(
    fresh_databases: Iterator[str],
    script: list[tuple[object, ...]],
) -> None:
    async def example() -> None:
        async with credit_core(next(fresh_databases)) as core:
            model = await play(core, "C-" + uuid.uuid4().hex[:6], script)
            await assert_exposure_matches(core, model)

    asyncio.run(example())


FIXED_SCRIPT: list[tuple[object, ...]] = [
    ("issue", Decimal("1200.00"), 30, False),
    ("check", Decimal("800.00")),
    ("issue", Decimal("800.00"), 30, True),
    ("redeliver", 2),
    ("pay", 0, Decimal("0.5")),
    ("charge", 0, Decimal("15.00")),
    ("close_day", 35),
    ("credit_note", 1, Decimal("0.25")),
    ("redeliver", 5),
    ("unapplied", Decimal("99.90")),
    ("check", Decimal("300.00")),
    ("dispute", 1, "invalid"),
    ("write_off", 0),
    ("redeliver", 9),
    ("pay", 0, Decimal(1)),
    ("close_day", 31),
]


@pytest.mark.postgres
async def test_exposure_matches_the_books_after_a_fixed_interleaving_on_postgresql(
    postgres_database: str,
) -> None:
    async with credit_core(postgres_database) as core:
        model = await play(core, "C-PG", FIXED_SCRIPT)
        await assert_exposure_matches(core, model)
        assert model.expected()["reserved"] == 0  # both reservations ended: one invoiced, one expired
