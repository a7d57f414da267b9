"""The day close reassesses all customers at once exactly as reassessing them one by one did.

The same seeded ledger histories (several customers, many business days, checks, dunning holds,
policies with derived limits, customer limits, external ratings) are fed to two credit-services:
one closes each day through the real handlers (set-based), the other through the per-customer
path the handler used before. Accounts, holds, audit, reservations, check answers and published
events must come out the same.
"""

import json
import random
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from credit_harness import CreditCore, credit_core, day_closed, sqlite_url
from credit_ledger_model import LedgerModel
from sqlalchemy import select
from sqlmodel import col

from arflow_contracts import EventData, EventEnvelope, contract_for
from arflow_contracts.dunning import CreditHoldRequestedV1
from arflow_contracts.ledger import BusinessDayClosedV1
from arflow_credit.assessment import reassess_customer
from arflow_credit.checks import OrderCheck
from arflow_credit.concurrency import Precondition
from arflow_credit.domain import CreditPolicy, DerivedLimit, ExposurePart, OverdueThreshold
from arflow_credit.handlers import credit_handlers
from arflow_credit.main import NAME
from arflow_credit.policies import set_credit_policy
from arflow_credit.reservations import expire_reservations
from arflow_credit.rules import CreditRules
from arflow_credit.store.audit import AuditEntry
from arflow_credit.store.checks import Reservation
from arflow_credit.store.clock import record_business_day
from arflow_credit.store.customers import CreditAccount, all_customer_ids, credit_account
from arflow_credit.store.holds import HoldRecord
from arflow_runtime.db import UnitOfWork
from arflow_runtime.handlers import EventDispatcher, EventHandler, EventHandlers

DAYS = 40
CUSTOMERS = 5
SEEDS = range(6)


class CustomerByCustomerDayClose(EventHandlers):
    """credit-service's handlers, except that a day close reassesses one customer after another."""

    def __init__(self, rules: CreditRules) -> None:
        super().__init__()
        self.rules = rules
        self.real = credit_handlers(rules)

    def get(self, contract: type[EventData]) -> EventHandler | None:
        if contract is BusinessDayClosedV1:
            return self.business_day_closed
        return self.real.get(contract)

    async def business_day_closed(
        self, event: BusinessDayClosedV1, _: EventEnvelope, uow: UnitOfWork
    ) -> None:
        await record_business_day(uow.session, event.business_date)
        await expire_reservations(uow.session, event.business_date)
        for customer_id in await all_customer_ids(uow.session):
            await reassess_customer(uow, self.rules, customer_id, event.business_date, event.event_type)


def derived_policy(risk_class: str, multiple: str, minimum: str, hold: tuple[str, int]) -> CreditPolicy:
    return CreditPolicy(
        risk_class,
        DerivedLimit(Decimal(multiple), 2, "EUR", Decimal(minimum)),
        30,
        Decimal(5),
        OverdueThreshold(Decimal(hold[0]), hold[1]),
        False,
        frozenset(ExposurePart),
    )


class TwoServices:
    """The same inputs into the set-based service and the customer-by-customer one."""

    def __init__(self, bulk: CreditCore, reference: CreditCore) -> None:
        self.bulk, self.reference = bulk, reference
        reference.dispatcher = EventDispatcher(
            NAME, CustomerByCustomerDayClose(reference.rules), reference.database
        )
        self.cores = (bulk, reference)

    async def feed(self, data: EventData) -> None:
        for core in self.cores:
            await core.feed(data)

    async def check(self, order: OrderCheck) -> str:
        bulk, reference = [await core.check(order) for core in self.cores]
        assert (bulk.check.decision, bulk.check.reasons) == (
            reference.check.decision,
            reference.check.reasons,
        )
        return reference.check.decision

    async def set_policies(self, policies: list[CreditPolicy], on: date) -> None:
        for core in self.cores:
            async with core.database.unit_of_work() as uow:
                for policy in policies:
                    await set_credit_policy(
                        uow.session,
                        core.rules,
                        policy,
                        actor="test",
                        business_date=on,
                        precondition=Precondition(False, None),
                    )
                await uow.commit()

    async def adjust_account(self, customer_id: str, **changes: Any) -> None:
        """Stand-in for an approved limit change or a profile's rating: the same change in both stores."""
        for core in self.cores:
            async with core.database.unit_of_work() as uow:
                account = await credit_account(uow.session, customer_id)
                if account is None:
                    return
                for name, value in changes.items():
                    setattr(account, name, value)
                await uow.commit()


async def play(services: TwoServices, seed: int) -> None:
    """A seeded history of several customers over many business days, fed to both services."""
    rng = random.Random(seed)
    models = [LedgerModel(f"S{seed}-C{n}") for n in range(CUSTOMERS)]
    today = models[0].today
    if seed % 2:
        await services.set_policies(
            [derived_policy("B", "2", "3000", ("2000", 10)), derived_policy("C", "1.5", "1500", ("500", 5))],
            today,
        )
    await services.feed(day_closed(today))
    money = lambda low, high: Decimal(rng.randint(low * 100, high * 100)) / 100  # noqa: E731
    for _ in range(DAYS):
        for model in models:
            model.today = today
            for _ in range(rng.choice((0, 0, 1, 1, 2, 3))):
                step = rng.choice(
                    (
                        "issue",
                        "issue",
                        "issue",
                        "pay",
                        "pay",
                        "credit_note",
                        "charge",
                        "write_off",
                        "dispute",
                        "unapplied",
                        "check",
                        "dunning",
                        "limit",
                        "rating",
                    )
                )
                events: list[EventData] = []
                if step == "issue":
                    events = model.issue(money(50, 9000), rng.choice((0, 7, 14, 30)), rng.random() < 0.3)
                elif step in ("pay", "credit_note"):
                    share = rng.choice((Decimal("0.25"), Decimal("0.5"), Decimal(1)))
                    events = model.settle(
                        rng.randrange(10), share, "payment" if step == "pay" else "credit_note"
                    )
                elif step == "charge":
                    events = model.charge(rng.randrange(10), money(5, 200))
                elif step == "write_off":
                    events = model.write_off(rng.randrange(10))
                elif step == "dispute":
                    events = model.dispute(rng.randrange(10), rng.choice(("valid", "invalid")))
                elif step == "unapplied":
                    events = model.unapplied_credit(money(0, 3000))
                elif step == "check":
                    order = model.next_id("ORD")
                    await services.check(OrderCheck(order, model.customer, money(100, 20000), "EUR"))
                elif step == "dunning":
                    open_ = [i.number for i in model.invoices if i.outstanding > 0][:2]
                    events = [
                        CreditHoldRequestedV1(
                            request_id=model.next_id("REQ"),
                            customer_id=model.customer,
                            reason="dunning stage 2",
                            as_of=today,
                            invoice_numbers=tuple(open_),
                        )
                    ]
                elif step == "limit":
                    limit = None if rng.random() < 0.3 else money(1000, 30000)
                    await services.adjust_account(model.customer, customer_limit=limit)
                else:
                    rating = rng.choice((None, "AAA", "BB", "D", "35", "90"))
                    await services.adjust_account(model.customer, external_rating=rating)
                for event in events:
                    await services.feed(event)
        today += timedelta(days=rng.choice((1, 1, 1, 2, 3, 8)))
        await services.feed(day_closed(today))


def labels(holds: list[HoldRecord]) -> dict[str, str]:
    """Hold ids are random: name each by its customer and its place among the customer's holds."""
    seen: dict[str, int] = {}
    named = {}
    for record in holds:
        seen[record.customer_id] = seen.get(record.customer_id, 0) + 1
        named[record.hold_id] = f"{record.customer_id}/hold{seen[record.customer_id]}"
    return named


def relabelled(text: str | None, names: dict[str, str]) -> str | None:
    if text is None:
        return None
    for hold_id, name in names.items():
        text = text.replace(hold_id, name)
    return text


async def state(core: CreditCore) -> dict[str, Any]:
    """Everything a day close can change, with random ids and wall-clock instants left out."""
    async with core.database.unit_of_work() as uow:
        session = uow.session
        accounts = (
            await session.execute(select(CreditAccount).order_by(col(CreditAccount.customer_id)))
        ).scalars()
        holds = list(
            (
                await session.execute(
                    select(HoldRecord).order_by(col(HoldRecord.customer_id), col(HoldRecord.placed_at))
                )
            ).scalars()
        )
        names = labels(holds)
        audit = (await session.execute(select(AuditEntry).order_by(col(AuditEntry.id)))).scalars()
        reservations = (
            await session.execute(select(Reservation).order_by(col(Reservation.order_id)))
        ).scalars()
        snapshot: dict[str, Any] = {
            "accounts": [a.model_dump() for a in accounts],
            "holds": [
                {
                    **h.model_dump(exclude={"placed_at"}),
                    "hold_id": names[h.hold_id],
                    "reference": relabelled(h.reference, names),
                }
                for h in holds
            ],
            "audit": [
                {
                    **e.model_dump(exclude={"id", "recorded_at"}),
                    "subject_id": relabelled(e.subject_id, names),
                    "before": relabelled(e.before, names),
                    "after": relabelled(e.after, names),
                }
                for e in audit
            ],
            "reservations": [r.model_dump() for r in reservations],
        }
    # Compared as contracts, so amounts compare as numbers whichever database they came from.
    snapshot["published"] = [
        (
            e.event_type,
            e.customer_id,
            contract_for(e.event_type, e.event_version).model_validate_json(
                relabelled(json.dumps(e.data), names) or ""
            ),
        )
        for e in await core.published()
    ]
    return snapshot


async def same_effects(bulk_url: str, reference_url: str, seed: int) -> set[str]:
    """Play a seed into both services and compare what they stored and published; the event types."""
    async with credit_core(bulk_url) as bulk, credit_core(reference_url) as reference:
        await play(TwoServices(bulk, reference), seed)
        expected = await state(reference)
        actual = await state(bulk)
    for part in expected:
        assert actual[part] == expected[part], f"seed {seed}: {part} differ"
    return {event_type for event_type, _, _ in expected["published"]}


def fresh_sqlite(directory: Path) -> str:
    directory.mkdir(parents=True)
    return sqlite_url(directory)


@pytest.mark.timeout(600)
async def test_closing_a_day_for_all_customers_at_once_has_the_effects_of_closing_it_customer_by_customer(
    tmp_path: Path,
) -> None:
    published_types: set[str] = set()
    for seed in SEEDS:
        published_types |= await same_effects(
            fresh_sqlite(tmp_path / f"bulk{seed}"), fresh_sqlite(tmp_path / f"reference{seed}"), seed
        )
    # The histories must reach every rule the day close applies, or the comparison proves little.
    assert {
        "CreditRatingChanged",
        "CreditLimitBreached",
        "CreditHoldPlaced",
        "CreditHoldReleased",
    } <= published_types


@pytest.mark.postgres
@pytest.mark.timeout(600)
async def test_the_set_based_day_close_on_postgresql_has_the_effects_of_the_customer_by_customer_one(
    postgres_database: str, tmp_path: Path
) -> None:
    published_types = await same_effects(postgres_database, fresh_sqlite(tmp_path / "reference"), seed=1)
    assert {"CreditRatingChanged", "CreditHoldPlaced"} <= published_types
