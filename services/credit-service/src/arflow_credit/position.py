"""A customer's credit position on a date, assembled from the store for the pure domain rules."""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from arflow_credit.domain import (
    CreditHold,
    CreditPolicy,
    CreditSale,
    DerivedLimit,
    Exposure,
    HoldSource,
    OpenInvoice,
    OverdueState,
    PaymentHistory,
    SettledInvoice,
    available_credit,
    credit_exposure,
    default_credit_policies,
    overdue_state,
    policy_for,
    resolve_limit,
)
from arflow_credit.domain.policy import months_before
from arflow_credit.policies import credit_policies
from arflow_credit.rules import CreditRules
from arflow_credit.store.customers import CreditAccount
from arflow_credit.store.holds import HoldRecord, active_holds
from arflow_credit.store.ledger import (
    InvoiceFacts,
    credit_sales,
    scored_items,
)
from arflow_credit.store.summary import CustomerSummary, customer_summary

UNRATED_CLASS = "C"
"""Class used for a customer credit has not rated yet (never happens once an account exists)."""


@dataclass(frozen=True)
class CreditPosition:
    """Everything a decision about one customer needs, on one date, in the credit currency."""

    customer_id: str
    as_of: date
    risk_class: str
    policy: CreditPolicy
    limit: Decimal
    limit_source: str
    exposure: Exposure
    overdue: OverdueState
    holds: tuple[CreditHold, ...]
    hold_records: tuple[HoldRecord, ...]
    items: tuple[InvoiceFacts, ...]
    order_invoiced: bool = False

    @property
    def available(self) -> Decimal:
        """Limit minus counted exposure."""
        return available_credit(self.limit, self.exposure)

    def history(self, first_invoice_date: date | None) -> PaymentHistory:
        """The payment history scoring reads."""
        return payment_history(self.items, first_invoice_date)


def payment_history(items: tuple[InvoiceFacts, ...], first_invoice_date: date | None) -> PaymentHistory:
    """Settled and open invoices as the domain's scoring wants them."""
    settled, open_ = [], []
    for item in items:
        flagged = item.disputed
        if item.due_date is None:
            continue
        if item.outstanding > 0:
            open_.append(OpenInvoice(item.outstanding, item.due_date, flagged))
        elif item.settled_on is not None and item.amount > 0:
            settled.append(SettledInvoice(item.amount, item.due_date, item.settled_on, flagged))
    return PaymentHistory(tuple(settled), tuple(open_), first_invoice_date)


def hold_of(record: HoldRecord) -> CreditHold:
    """The domain hold a stored hold describes."""
    return CreditHold(
        HoldSource(record.source), record.reason, record.since, record.reference, record.placed_by
    )


@dataclass(frozen=True)
class CustomerFacts:
    """What the store holds about one customer that a position is built from."""

    items: tuple[InvoiceFacts, ...]
    summary: CustomerSummary
    hold_records: tuple[HoldRecord, ...] = ()
    sales: tuple[tuple[date, Decimal], ...] = ()
    """(issue date, amount) of invoices issued since the earliest date a derived limit looks at."""


def needs_sales(customer_limit: Decimal | None, policy: CreditPolicy) -> bool:
    """Whether the limit is derived from credit sales (a customer's own limit replaces it)."""
    return customer_limit is None and isinstance(policy.limit, DerivedLimit)


def sales_window_start(policy: CreditPolicy, as_of: date) -> date:
    """The day after which invoices count as credit sales for a derived limit (as_of for a fixed one)."""
    if isinstance(policy.limit, DerivedLimit):
        return months_before(as_of, policy.limit.trailing_months)
    return as_of


def limit_from(
    customer_limit: Decimal | None,
    policy: CreditPolicy,
    as_of: date,
    sales: Iterable[tuple[date, Decimal]],
) -> tuple[Decimal, str]:
    """The limit on `as_of` and its source: the customer's own, else the policy's over its sales window."""
    if customer_limit is not None:
        return customer_limit, "customer"
    counted: list[CreditSale] = []
    if isinstance(policy.limit, DerivedLimit):
        since = sales_window_start(policy, as_of)
        counted = [CreditSale(day, amount) for day, amount in sales if since < day <= as_of and amount > 0]
    return resolve_limit(policy, as_of, counted), "policy"


def scoring_window_start(rules: CreditRules, as_of: date) -> date:
    """Invoices due after this day are in the scoring window."""
    return as_of - timedelta(days=rules.scorecard.window_days)


def position_of(
    rules: CreditRules,
    account: CreditAccount,
    as_of: date,
    facts: CustomerFacts,
    policies: Mapping[str, CreditPolicy],
    risk_class: str | None = None,
) -> CreditPosition:
    """Build a customer's position on `as_of` from facts already loaded (no I/O)."""
    cls = risk_class or account.risk_class or UNRATED_CLASS
    policy = policy_for(policies, cls)
    items = facts.items
    open_invoices = [
        OpenInvoice(i.outstanding, i.due_date, False)
        for i in items
        if i.outstanding > 0 and i.due_date is not None
    ]
    exposure = credit_exposure(
        policy,
        open_invoices,
        as_of,
        reserved=facts.summary.reserved,
        unapplied_credit=max(facts.summary.unapplied_credit, Decimal(0)),
    )
    records = facts.hold_records if facts.summary.on_hold else ()
    limit, source = limit_from(account.customer_limit, policy, as_of, facts.sales)
    return CreditPosition(
        customer_id=account.customer_id,
        as_of=as_of,
        risk_class=cls,
        policy=policy,
        limit=limit,
        limit_source=source,
        exposure=exposure,
        overdue=overdue_state(open_invoices, as_of),
        holds=tuple(hold_of(r) for r in records),
        hold_records=records,
        items=items,
        order_invoiced=facts.summary.order_invoiced,
    )


async def stored_policies(
    session: AsyncSession, rules: CreditRules, policies_stored: bool
) -> dict[str, CreditPolicy]:
    """Every class's policy, reading the store only when a credit manager set one."""
    return (
        await credit_policies(session, rules) if policies_stored else default_credit_policies(rules.currency)
    )


async def credit_position(
    session: AsyncSession,
    rules: CreditRules,
    account: CreditAccount,
    as_of: date,
    risk_class: str | None = None,
    order_id: str | None = None,
) -> CreditPosition:
    """Load a customer's position on `as_of`.

    `risk_class` overrides the account's (what-if views); with `order_id` the position also says
    whether that order was invoiced already.
    """
    customer_id = account.customer_id
    currency = rules.currency
    window_start = scoring_window_start(rules, as_of)
    items = tuple(await scored_items(session, customer_id, currency, window_start, as_of))
    summary = await customer_summary(session, customer_id, currency, as_of, order_id)
    policies = await stored_policies(session, rules, summary.policies_stored)
    policy = policy_for(policies, risk_class or account.risk_class or UNRATED_CLASS)
    records = tuple(await active_holds(session, customer_id)) if summary.on_hold else ()
    sales: tuple[tuple[date, Decimal], ...] = ()
    if needs_sales(account.customer_limit, policy):
        since = sales_window_start(policy, as_of)
        sales = tuple(await credit_sales(session, customer_id, currency, since, as_of))
    facts = CustomerFacts(items, summary, records, sales)
    return position_of(rules, account, as_of, facts, policies, risk_class)


async def credit_limit(
    session: AsyncSession,
    rules: CreditRules,
    customer_id: str,
    customer_limit: Decimal | None,
    policy: CreditPolicy,
    as_of: date,
) -> tuple[Decimal, str]:
    """The customer's limit on `as_of` and where it comes from: its own, else its class's policy."""
    sales: list[tuple[date, Decimal]] = []
    if needs_sales(customer_limit, policy):
        since = sales_window_start(policy, as_of)
        sales = await credit_sales(session, customer_id, rules.currency, since, as_of)
    return limit_from(customer_limit, policy, as_of, sales)
