"""One round trip for the small facts every credit decision needs about a customer."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import BindParameter, exists, func, literal, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped
from sqlmodel import col

from arflow_credit.store.checks import ACTIVE, Reservation
from arflow_credit.store.customers import CreditAccount
from arflow_credit.store.holds import HoldRecord
from arflow_credit.store.ledger import LedgerItem, UnappliedCredit
from arflow_credit.store.policies import CreditPolicyRecord


@dataclass(frozen=True)
class CustomerSummary:
    """Unapplied credit and reserved orders in the credit currency; whether holds or policies exist."""

    unapplied_credit: Decimal
    reserved: Decimal
    on_hold: bool
    policies_stored: bool
    order_invoiced: bool = False


Text = str | BindParameter[str] | Mapped[str]
"""A value, a parameter bound when a prebuilt statement runs (store.decision), or a mapped column."""
Day = date | BindParameter[date]


def unapplied_credit_balance(customer_id: Text, currency: Text) -> Any:
    """The customer's unapplied credit in `currency` (NULL when none), as a scalar subquery."""
    return (
        select(col(UnappliedCredit.balance))
        .where(col(UnappliedCredit.customer_id) == customer_id, col(UnappliedCredit.currency) == currency)
        .scalar_subquery()
    )


def active_reservations_total(customer_id: Text, currency: Text, as_of: Day) -> Any:
    """Reservations still counting on `as_of` (NULL when none), as a scalar subquery."""
    return (
        select(func.sum(col(Reservation.amount)))
        .where(
            col(Reservation.customer_id) == customer_id,
            col(Reservation.currency) == currency,
            col(Reservation.status) == ACTIVE,
            col(Reservation.expires_on) >= as_of,
        )
        .scalar_subquery()
    )


def open_hold_exists(customer_id: Text) -> Any:
    """Whether the customer has a hold not released."""
    return exists().where(col(HoldRecord.customer_id) == customer_id, col(HoldRecord.released_on).is_(None))


def order_invoiced_exists(order_id: str | None) -> Any:
    """Whether an invoice for the order reached the ledger (false without an order)."""
    if not order_id:
        return literal(False)
    return exists().where(col(LedgerItem.order_id) == order_id, col(LedgerItem.issued))


def stored_policies_exist() -> Any:
    """Whether a credit manager set any policy."""
    return exists().where(col(CreditPolicyRecord.risk_class).is_not(None))


async def customer_summary(
    session: AsyncSession, customer_id: str, currency: str, as_of: date, order_id: str | None = None
) -> CustomerSummary:
    """Read the summary in one statement (a decision should not cost a round trip per fact).

    With `order_id`, also whether an invoice for that order reached the ledger.
    """
    query = select(
        unapplied_credit_balance(customer_id, currency),
        active_reservations_total(customer_id, currency, as_of),
        open_hold_exists(customer_id),
        stored_policies_exist(),
        order_invoiced_exists(order_id),
    )
    row = (await session.execute(query)).one()
    return _summary(row)


async def accounts_with_summaries(
    session: AsyncSession, customer_ids: Sequence[str], currency: str, as_of: date
) -> list[tuple[CreditAccount, CustomerSummary]]:
    """Many customers' credit accounts, each with its summary (no order), in one statement, in id order."""
    customer_id = col(CreditAccount.customer_id)
    query = (
        select(
            CreditAccount,
            unapplied_credit_balance(customer_id, currency),
            active_reservations_total(customer_id, currency, as_of),
            open_hold_exists(customer_id),
            stored_policies_exist(),
            literal(False),
        )
        .where(customer_id.in_(customer_ids))
        .order_by(customer_id)
    )
    return [(row[0], _summary(row[1:])) for row in (await session.execute(query)).all()]


def _summary(row: Any) -> CustomerSummary:
    return CustomerSummary(
        row[0] or Decimal(0), row[1] or Decimal(0), bool(row[2]), bool(row[3]), bool(row[4])
    )
