"""Re-assessing many customers at once, reading each fact once for a chunk of customers.

A day close touches every customer, and most of them change nothing; a run of ledger events (a
poll of the consumer) touches many customers once each. Reading each customer's position on its
own costs a handful of queries per customer; here the same facts are read for a chunk of
customers at once and each position is built in memory by the same rules (`position_of`), then
rated, watched and held exactly as `reassess_customer` does.
"""

from collections.abc import Awaitable, Callable, Iterable, Sequence
from datetime import date

from arflow_credit.assessment import assess_position
from arflow_credit.domain import CreditPolicy, DerivedLimit
from arflow_credit.holds import unsettled_hold_invoices
from arflow_credit.position import (
    CreditPosition,
    CustomerFacts,
    position_of,
    sales_window_start,
    scoring_window_start,
    stored_policies,
)
from arflow_credit.rules import CreditRules
from arflow_credit.store.customers import CreditAccount, all_customer_ids
from arflow_credit.store.holds import active_holds_of
from arflow_credit.store.ledger import credit_sales_of, scored_items_of
from arflow_credit.store.summary import accounts_with_summaries
from arflow_runtime.db import UnitOfWork

CHUNK = 500
"""Customers read per round of queries: bounds memory and the size of IN lists."""


async def reassess_everyone(uow: UnitOfWork, rules: CreditRules, as_of: date, cause: str) -> int:
    """Rescore, watch the limit and apply the hold rules for every customer on `as_of`; how many."""
    customers = await all_customer_ids(uow.session)
    await reassess_customers(uow, rules, customers, as_of, cause)
    return len(customers)


async def reassess_customers(
    uow: UnitOfWork, rules: CreditRules, customer_ids: Sequence[str], as_of: date, cause: str
) -> None:
    """Rescore, watch the limit and apply the hold rules for these customers (with accounts) on `as_of`."""
    for start in range(0, len(customer_ids), CHUNK):
        await _reassess_chunk(uow, rules, customer_ids[start : start + CHUNK], as_of, cause)


async def _reassess_chunk(
    uow: UnitOfWork, rules: CreditRules, customer_ids: Sequence[str], as_of: date, cause: str
) -> None:
    session, currency = uow.session, rules.currency
    accounts = await accounts_with_summaries(session, customer_ids, currency, as_of)
    if not accounts:
        return
    policies = await stored_policies(session, rules, accounts[0][1].policies_stored)
    items = await scored_items_of(session, customer_ids, currency, scoring_window_start(rules, as_of), as_of)
    on_hold = [account.customer_id for account, summary in accounts if summary.on_hold]
    holds = await active_holds_of(session, on_hold) if on_hold else {}
    unsettled = await unsettled_hold_invoices(session, (r for records in holds.values() for r in records))
    since = _earliest_sales_day(policies.values(), as_of)
    sales = {}
    if since is not None and any(account.customer_limit is None for account, _ in accounts):
        sales = await credit_sales_of(session, customer_ids, currency, since, as_of)
    async with uow.events_written_together():  # ratings, breaches and holds of the whole chunk
        for account, summary in accounts:
            customer_id = account.customer_id
            facts = CustomerFacts(
                tuple(items.get(customer_id, ())),
                summary,
                tuple(holds.get(customer_id, ())),
                tuple(sales.get(customer_id, ())),
            )
            built = _built(rules, account, as_of, facts, policies)
            await assess_position(uow, rules, account, built, cause, unsettled)


def _built(
    rules: CreditRules,
    account: CreditAccount,
    as_of: date,
    facts: CustomerFacts,
    policies: dict[str, CreditPolicy],
) -> Callable[[], Awaitable[CreditPosition]]:
    async def position() -> CreditPosition:
        return position_of(rules, account, as_of, facts, policies)

    return position


def _earliest_sales_day(policies: Iterable[CreditPolicy], as_of: date) -> date | None:
    """The earliest day a derived limit reads sales after; None when every limit is fixed."""
    days = [sales_window_start(p, as_of) for p in policies if isinstance(p.limit, DerivedLimit)]
    return min(days, default=None)
