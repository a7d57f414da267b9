"""credit-service for tests: its real handlers behind the real dispatcher, with or without its HTTP app."""

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from itertools import count
from pathlib import Path

import httpx
from fastapi import FastAPI
from pydantic import SecretStr
from sqlalchemy import select

from arflow_contracts import EventData, EventEnvelope, contract_for, wrap
from arflow_contracts.ledger import BusinessDayClosedV1, InvoiceIssuedV1
from arflow_credit.checks import CheckOutcome, OrderCheck, check_credit
from arflow_credit.handlers import credit_handlers
from arflow_credit.main import NAME, create_app
from arflow_credit.policy_book import PolicyBook
from arflow_credit.position import CreditPosition, credit_position
from arflow_credit.rules import CreditRules
from arflow_credit.settings import CreditSettings
from arflow_credit.store.clock import business_today
from arflow_credit.store.customers import open_credit_account
from arflow_runtime.bus.base import Record
from arflow_runtime.db import Database, create_engine
from arflow_runtime.handlers import EventDispatcher
from arflow_runtime.migrations import apply_migrations
from arflow_runtime.outbox import Outbox
from arflow_runtime.service import ServiceRuntime
from arflow_runtime.settings import PlatformSettings
from arflow_runtime.tables import outbox

KEYS = {
    "erp": ("erp-key", "credit:read,credit:check"),
    "maker": ("maker-key", "credit:read,credit:write,credit:check"),
    "checker": ("checker-key", "credit:read,credit:write,credit:approve"),
    "reader": ("reader-key", "credit:read"),
}
"""Principals of the test deployment: name -> (API key, scopes)."""


def api_keys() -> SecretStr:
    return SecretStr(";".join(f"{name} {key} {scopes}" for name, (key, scopes) in KEYS.items()))


@dataclass
class CreditCore:
    """credit-service's database, rules and event dispatcher: events go in exactly as the consumer's do."""

    database: Database
    rules: CreditRules
    dispatcher: EventDispatcher = field(init=False)
    book: PolicyBook = field(init=False)
    offsets: "count[int]" = field(default_factory=count)

    def __post_init__(self) -> None:
        self.dispatcher = EventDispatcher(NAME, credit_handlers(self.rules), self.database)
        self.book = PolicyBook(self.rules)

    async def feed(self, data: EventData, *, customer_id: str | None = None) -> EventEnvelope:
        """Deliver one new event through inbox and handler."""
        envelope = wrap(data, customer_id=customer_id, producer="invoice-service")
        await self.deliver(envelope)
        return envelope

    async def deliver(self, envelope: EventEnvelope) -> None:
        """Deliver an envelope (again, for a redelivery)."""
        topic = contract_for(envelope.event_type, envelope.event_version).topic
        record = Record(
            topic,
            0,
            next(self.offsets),
            envelope.customer_id.encode(),
            envelope.to_bytes(),
            tuple(envelope.headers()),
        )
        await self.dispatcher(record)

    async def check(self, order: OrderCheck, by: str = "erp") -> CheckOutcome:
        """A credit check through the same use case POST /v1/credit-checks runs."""
        async with self.database.unit_of_work() as uow:
            outcome = await check_credit(uow, self.rules, order, by, self.book)
            await uow.commit()
            return outcome

    async def position(self, customer_id: str, as_of: date | None = None) -> CreditPosition:
        """The position GET /v1/customers/{id}/credit shows (on the platform's today by default)."""
        async with self.database.unit_of_work() as uow:
            account, _ = await open_credit_account(uow.session, customer_id)
            return await credit_position(
                uow.session, self.rules, account, as_of or await business_today(uow.session)
            )

    async def published(
        self, event_type: str | None = None, customer_id: str | None = None
    ) -> list[EventEnvelope]:
        """Events staged in the outbox, in order, optionally of one type and customer."""
        async with self.database.engine.connect() as connection:
            rows = (await connection.execute(select(outbox.c.payload).order_by(outbox.c.id))).scalars().all()
        envelopes = [EventEnvelope.from_bytes(bytes(row)) for row in rows]
        return [
            e
            for e in envelopes
            if (event_type is None or e.event_type == event_type)
            and (customer_id is None or e.customer_id == customer_id)
        ]


@contextlib.asynccontextmanager
async def credit_core(url: str, rules: CreditRules | None = None) -> AsyncIterator[CreditCore]:
    """credit-service's migrated database and dispatcher, without HTTP, relay or consumer loop."""
    engine = create_engine(url)
    try:
        await apply_migrations(engine, "arflow_credit.migrations")
        yield CreditCore(Database(engine, Outbox(NAME, "test.")), rules or CreditRules())
    finally:
        await engine.dispose()


def sqlite_url(data_dir: Path) -> str:
    """Where the embedded credit-service keeps its database in `data_dir`."""
    return f"sqlite+aiosqlite:///{data_dir}/{NAME}.sqlite"


@dataclass
class CreditService:
    """A running credit-service app: HTTP clients per principal, and its core for feeding events."""

    app: FastAPI
    clients: dict[str, httpx.AsyncClient]
    core: CreditCore

    @property
    def runtime(self) -> ServiceRuntime:
        return self.app.state.runtime  # type: ignore[no-any-return]

    def __getattr__(self, principal: str) -> httpx.AsyncClient:
        try:
            return self.clients[principal]
        except KeyError:
            raise AttributeError(principal) from None

    async def feed(self, data: EventData, *, customer_id: str | None = None) -> EventEnvelope:
        return await self.core.feed(data, customer_id=customer_id)

    async def published(
        self, event_type: str | None = None, customer_id: str | None = None
    ) -> list[EventEnvelope]:
        return await self.core.published(event_type, customer_id)


@contextlib.asynccontextmanager
async def running_credit_service(
    platform: PlatformSettings,
    settings: CreditSettings | None = None,
) -> AsyncIterator[CreditService]:
    """Start credit-service (migrations, relay, consumer) and open a client per principal."""
    platform = platform.model_copy(update={"api_keys": api_keys()})
    app = create_app(settings=settings or CreditSettings(), platform=platform)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        clients = {
            name: httpx.AsyncClient(
                transport=transport, base_url="http://credit", headers={"Authorization": f"Bearer {key}"}
            )
            for name, (key, _) in KEYS.items()
        }
        runtime: ServiceRuntime = app.state.runtime
        try:
            yield CreditService(app, clients, CreditCore(runtime.database, app.state.credit_rules))
        finally:
            for client in clients.values():
                await client.aclose()


def invoice(
    number: str,
    customer: str,
    amount: str,
    issued: date,
    due: date,
    order_id: str | None = None,
    currency: str = "EUR",
) -> InvoiceIssuedV1:
    """An InvoiceIssued event."""
    return InvoiceIssuedV1(
        invoice_number=number,
        customer_id=customer,
        currency=currency,
        amount=Decimal(amount),
        issue_date=issued,
        due_date=due,
        order_id=order_id,
    )


def day_closed(business_date: date) -> BusinessDayClosedV1:
    """A BusinessDayClosed event."""
    return BusinessDayClosedV1(business_date=business_date)
