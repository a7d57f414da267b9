"""One round trip for the small facts every credit decision needs about a customer."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import BindParameter, exists, func, literal, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from arflow_credit.store.checks import ACTIVE, Reservation
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


Text = str | BindParameter[str]
"""A value, or a parameter bound when a prebuilt statement runs (store.decision)."""
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


async def customer_summary(
    session: AsyncSession, customer_id: str, currency: str, as_of: date, order_id: str | None = None
) -> CustomerSummary:
    """Read the summary in one statement (a decision should not cost a round trip per fact).

    With `order_id`, also whether an invoice for that order reached the ledger.
    """
    policies = exists().where(col(CreditPolicyRecord.risk_class).is_not(None))
    query = select(
        unapplied_credit_balance(customer_id, currency),
        active_reservations_total(customer_id, currency, as_of),
        open_hold_exists(customer_id),
        policies,
        order_invoiced_exists(order_id),
    )
    row = (await session.execute(query)).one()
    return CustomerSummary(
        row[0] or Decimal(0), row[1] or Decimal(0), bool(row[2]), bool(row[3]), bool(row[4])
    )
