"""One round trip for the small facts every credit decision needs about a customer."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import exists, func, literal, select
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


async def customer_summary(
    session: AsyncSession, customer_id: str, currency: str, as_of: date, order_id: str | None = None
) -> CustomerSummary:
    """Read the summary in one statement (a decision should not cost a round trip per fact).

    With `order_id`, also whether an invoice for that order reached the ledger.
    """
    unapplied = (
        select(col(UnappliedCredit.balance))
        .where(col(UnappliedCredit.customer_id) == customer_id, col(UnappliedCredit.currency) == currency)
        .scalar_subquery()
    )
    reserved = (
        select(func.sum(col(Reservation.amount)))
        .where(
            col(Reservation.customer_id) == customer_id,
            col(Reservation.currency) == currency,
            col(Reservation.status) == ACTIVE,
            col(Reservation.expires_on) >= as_of,
        )
        .scalar_subquery()
    )
    on_hold = exists().where(
        col(HoldRecord.customer_id) == customer_id, col(HoldRecord.released_on).is_(None)
    )
    policies = exists().where(col(CreditPolicyRecord.risk_class).is_not(None))
    invoiced = (
        exists().where(col(LedgerItem.order_id) == order_id, col(LedgerItem.issued))
        if order_id
        else literal(False)
    )
    row = (await session.execute(select(unapplied, reserved, on_hold, policies, invoiced))).one()
    return CustomerSummary(
        row[0] or Decimal(0), row[1] or Decimal(0), bool(row[2]), bool(row[3]), bool(row[4])
    )
