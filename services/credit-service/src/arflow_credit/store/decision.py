"""The two reads a credit check makes: lock the customer's account, then add up its exposure in SQL.

A check runs on every order the ERP takes, so it reads aggregates rather than rows and spends one
round trip per read. The lock and the sums are separate statements on purpose: under READ
COMMITTED a statement sees the data of its start, so sums read in the statement that waited for
the lock could miss the reservation the previous holder of the lock just committed.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import Date, String, Table, bindparam, exists, func, insert, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession
from sqlmodel import col

from arflow_credit.store.checks import CreditCheckRecord, Reservation
from arflow_credit.store.clock import closed_business_date_query, system_today
from arflow_credit.store.customers import CreditAccount
from arflow_credit.store.ledger import LedgerItem
from arflow_credit.store.policies import CreditPolicyRecord
from arflow_credit.store.summary import active_reservations_total, open_hold_exists, unapplied_credit_balance


@dataclass(frozen=True)
class LockedAccount:
    """What a check reads with the account lock: class, limit, today, whether the order was checked."""

    risk_class: str | None
    customer_limit: Decimal | None
    today: date
    order_checked: bool


@dataclass(frozen=True)
class ExposureFacts:
    """A customer's open invoices, reservations and credit summed up on a date, in the credit currency."""

    not_yet_due: Decimal
    overdue: Decimal
    oldest_overdue_due_date: date | None
    reserved: Decimal
    unapplied_credit: Decimal
    on_hold: bool
    order_invoiced: bool
    policies_version: tuple[Any, ...]
    """Changes whenever a stored policy does (rows, revisions, last change): the policy cache's key."""


def _lock_for_check() -> Any:
    customer_id, order_id = bindparam("customer_id", type_=String()), bindparam("order_id", type_=String())
    return (
        select(
            col(CreditAccount.risk_class),
            col(CreditAccount.customer_limit),
            closed_business_date_query(),
            exists().where(col(CreditCheckRecord.order_id) == order_id),
        )
        .where(col(CreditAccount.customer_id) == customer_id)
        .with_for_update(of=CreditAccount)  # type: ignore[arg-type]
    )


def _exposure_facts() -> Any:
    customer_id, currency = bindparam("customer_id", type_=String()), bindparam("currency", type_=String())
    as_of, order_id = bindparam("as_of", type_=Date()), bindparam("order_id", type_=String())
    outstanding = col(LedgerItem.outstanding)
    due = col(LedgerItem.due_date)
    overdue = due < as_of  # overdue from the day after the due date
    open_items = (
        select(
            func.sum(outstanding).filter(~overdue).label("not_yet_due"),
            func.sum(outstanding).filter(overdue).label("overdue"),
            func.min(due).filter(overdue).label("oldest_overdue"),
        )
        .where(
            col(LedgerItem.customer_id) == customer_id,
            col(LedgerItem.issued),
            col(LedgerItem.currency) == currency,
            outstanding > 0,
            due.is_not(None),
        )
        .subquery()
    )
    return select(
        open_items.c.not_yet_due,
        open_items.c.overdue,
        open_items.c.oldest_overdue,
        active_reservations_total(customer_id, currency, as_of),
        unapplied_credit_balance(customer_id, currency),
        open_hold_exists(customer_id),
        exists().where(col(LedgerItem.order_id) == order_id, col(LedgerItem.issued)),
        select(func.count()).select_from(CreditPolicyRecord).scalar_subquery(),
        select(func.sum(col(CreditPolicyRecord.revision))).scalar_subquery(),
        select(func.max(col(CreditPolicyRecord.updated_at))).scalar_subquery(),
    )


# Built once: a check only binds its values (building and hashing these trees per check cost more
# than running them).
LOCK_FOR_CHECK = _lock_for_check()
EXPOSURE_FACTS = _exposure_facts()


async def _core(session: AsyncSession) -> AsyncConnection:
    """The session's connection, for statements that need none of the ORM's work per execution.

    What the session holds unwritten is flushed first, as the ORM's autoflush would: a customer
    rated by this very check may just have been put on hold, and its sums must see that.
    """
    if session.new or session.dirty or session.deleted:
        await session.flush()
    return await session.connection()


async def lock_account_for_check(
    session: AsyncSession, customer_id: str, order_id: str
) -> LockedAccount | None:
    """Take the customer's account row for this transaction (PostgreSQL); None when it has none yet.

    The same statement reads the business date and whether the order was checked before.
    """
    parameters = {"customer_id": customer_id, "order_id": order_id}
    row = (await (await _core(session)).execute(LOCK_FOR_CHECK, parameters)).first()
    if row is None:
        return None
    return LockedAccount(row[0], row[1], row[2] or system_today(), bool(row[3]))


async def exposure_facts(
    session: AsyncSession, customer_id: str, currency: str, as_of: date, order_id: str
) -> ExposureFacts:
    """Sum a customer's exposure parts on `as_of` and read the summary flags, in one statement."""
    parameters = {"customer_id": customer_id, "currency": currency, "as_of": as_of, "order_id": order_id}
    row = (await (await _core(session)).execute(EXPOSURE_FACTS, parameters)).one()
    return ExposureFacts(
        not_yet_due=row[0] or Decimal(0),
        overdue=row[1] or Decimal(0),
        oldest_overdue_due_date=row[2],
        reserved=row[3] or Decimal(0),
        unapplied_credit=row[4] or Decimal(0),
        on_hold=bool(row[5]),
        order_invoiced=bool(row[6]),
        policies_version=(row[7], row[8], row[9]),
    )


async def record_check(session: AsyncSession, check: CreditCheckRecord, held: Reservation | None) -> None:
    """Insert a decided check and its reservation now (plain INSERTs, not the ORM's flush)."""
    connection = await _core(session)
    await connection.execute(INSERT_CHECK, row_of(check, CHECKS))
    if held is not None:
        await connection.execute(INSERT_RESERVATION, row_of(held, RESERVATIONS))


CHECKS: Table = CreditCheckRecord.__table__  # type: ignore[attr-defined]
RESERVATIONS: Table = Reservation.__table__  # type: ignore[attr-defined]
INSERT_CHECK, INSERT_RESERVATION = insert(CHECKS), insert(RESERVATIONS)
"""The values come as parameters: one statement compiled once, not a new one per check."""


def row_of(record: CreditCheckRecord | Reservation, table: Table) -> dict[str, Any]:
    """A new record's column values."""
    return {column.key: getattr(record, column.key) for column in table.columns}
