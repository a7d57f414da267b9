"""What an InvoiceIssued costs credit-service in statements on PostgreSQL, alone or in a run.

At a few hundred invoices a second most runs the consumer hands credit hold one or two events,
so the statements of a small run are paid per event, each a round trip that waits for a busy
machine to schedule PostgreSQL and then the service again. A single event is handled as a run of
one: the accounts come with today in one read, a new ledger item is inserted whole (no insert then
update), and the customer's facts are read once even when a first rating changes the policy the
position is computed under. (COPY, which writes the new items, is not a cursor statement and is
not counted here.)
"""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from typing import Any

import pytest
from credit_harness import CreditCore, credit_core, invoice
from sqlalchemy import event
from test_credit_event_runs import Polls

pytestmark = pytest.mark.postgres
ISSUED = date.today() - timedelta(days=3)  # current: no automatic hold for overdue invoices
DUE = ISSUED + timedelta(days=30)


@contextmanager
def statements_of(core: CreditCore) -> Iterator[list[str]]:
    """The statements the core's engine runs inside the block, first words and tables kept."""
    seen: list[str] = []

    def note(_connection: object, _cursor: object, statement: str, *_: Any) -> None:
        seen.append(" ".join(statement.split()))

    engine = core.database.engine.sync_engine
    event.listen(engine, "before_cursor_execute", note)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", note)


async def deliver_run(core: CreditCore, numbers_and_customers: list[tuple[str, str]]) -> None:
    """One poll of these invoices, handed to the dispatcher as the consumer does."""
    polls = Polls(core)
    for number, customer in numbers_and_customers:
        polls.hold(invoice(number, customer, "250.00", ISSUED, DUE))
    await polls.deliver()


def reading(statements: list[str], table: str) -> list[str]:
    """Statements reading `table` by themselves (not as a subquery of another read)."""
    return [s for s in statements if s.startswith(f"SELECT {table}.")]


async def test_an_invoice_of_a_known_customer_costs_six_statements(postgres_database: str) -> None:
    async with credit_core(postgres_database) as core:
        await core.feed(invoice("INV-1", "C-1", "100.00", ISSUED, DUE))  # opens and rates C-1
        with statements_of(core) as statements:
            await core.feed(invoice("INV-2", "C-1", "200.00", ISSUED, DUE))
        position = await core.position("C-1")
    assert position.exposure.not_yet_due == 300, "both invoices count"
    assert not [s for s in statements if s.startswith("UPDATE ledger_items")], statements
    assert not reading(statements, "business_clock"), "today comes with the account"
    assert len(statements) == 6, "\n".join(statements)


async def test_a_new_customers_first_invoice_reads_its_facts_once(postgres_database: str) -> None:
    async with credit_core(postgres_database) as core:
        with statements_of(core) as statements:
            await core.feed(invoice("INV-1", "C-NEW", "100.00", ISSUED, DUE))
        rated = await core.published("CreditRatingChanged", "C-NEW")
    assert len(rated) == 1, "the first rating is announced"
    assert len(reading(statements, "ledger_items")) == 2, "the run's known items, then the scored ones"
    assert not [s for s in statements if s.startswith("UPDATE ledger_items")], statements
    assert len(statements) <= 11, "\n".join(statements)


async def test_a_run_of_invoices_of_known_customers_reads_today_with_their_accounts(
    postgres_database: str,
) -> None:
    async with credit_core(postgres_database) as core:
        await deliver_run(core, [("INV-1", "C-1"), ("INV-2", "C-2")])
        with statements_of(core) as statements:
            await deliver_run(core, [("INV-3", "C-1"), ("INV-4", "C-2"), ("INV-5", "C-1")])
        first, second = await core.position("C-1"), await core.position("C-2")
    assert (first.exposure.not_yet_due, second.exposure.not_yet_due) == (750, 500)
    assert not reading(statements, "business_clock"), "today comes with the accounts"
    assert len(statements) == 6, "\n".join(statements)
