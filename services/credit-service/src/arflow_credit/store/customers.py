"""Customer master data (profiles) and each customer's credit account (score, class, limit)."""

from collections.abc import Collection, Sequence
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import Field, col

from arflow_credit.store.base import CreditTable, instant_column, money_column, text_column
from arflow_credit.store.clock import business_today, closed_business_date_query, system_today


class CustomerProfile(CreditTable, table=True):
    """The customer master as the ERP sent it; `address` is a JSON document."""

    __tablename__ = "customer_profiles"

    customer_id: str = Field(primary_key=True, max_length=128)
    name: str = Field(max_length=300)
    country: str | None = Field(default=None, max_length=2)
    locale: str | None = Field(default=None, max_length=35)
    time_zone: str | None = Field(default=None, max_length=64)
    email: str | None = Field(default=None, max_length=254)
    phone: str | None = Field(default=None, max_length=16)
    contact_name: str | None = Field(default=None, max_length=200)
    address: str | None = text_column()
    segment: str | None = Field(default=None, max_length=64)
    salesperson_id: str | None = Field(default=None, max_length=128)
    collector_id: str | None = Field(default=None, max_length=128)
    jurisdiction: str | None = Field(default=None, max_length=6)
    external_rating: str | None = Field(default=None, max_length=8)
    revision: int = 1
    updated_at: datetime = instant_column()


class CreditAccount(CreditTable, table=True):
    """What credit decided about a customer: score, class, customer limit, breach state."""

    __tablename__ = "credit_accounts"

    customer_id: str = Field(primary_key=True, max_length=128)
    score: int | None = None
    risk_class: str | None = Field(default=None, max_length=1, index=True)
    factors: str | None = text_column()
    scored_as_of: date | None = None
    customer_limit: Decimal | None = money_column(nullable=True)
    external_rating: str | None = Field(default=None, max_length=8, description="copied from the profile")
    first_invoice_date: date | None = None
    last_exposure: Decimal = money_column()
    last_limit: Decimal | None = money_column(nullable=True)
    over_limit: bool = False


async def customer_profile(session: AsyncSession, customer_id: str) -> CustomerProfile | None:
    """A customer's profile, if the ERP sent one."""
    return await session.get(CustomerProfile, customer_id)


async def credit_account(session: AsyncSession, customer_id: str) -> CreditAccount | None:
    """A customer's credit account, if credit has heard of the customer."""
    return await session.get(CreditAccount, customer_id)


async def open_credit_account(
    session: AsyncSession, customer_id: str, lock: bool = False
) -> tuple[CreditAccount, bool]:
    """The customer's credit account, opened now when it is new; (account, opened now).

    `lock` takes the row for this transaction (PostgreSQL), so decisions about one customer queue.
    """
    account = await session.get(CreditAccount, customer_id, with_for_update=lock or None)
    if account is not None:
        return account, False
    account = CreditAccount(customer_id=customer_id)
    session.add(account)
    return account, True


async def open_credit_accounts(
    session: AsyncSession, customer_ids: Collection[str]
) -> tuple[dict[str, CreditAccount], date]:
    """Many customers' credit accounts, opened now for the new ones, and the platform's today.

    One read when any of the accounts exists (today comes with them), two when none does.
    """
    query = select(CreditAccount, closed_business_date_query()).where(
        col(CreditAccount.customer_id).in_(sorted(customer_ids))
    )
    rows = (await session.execute(query)).all()
    accounts = {row[0].customer_id: row[0] for row in rows}
    today = (rows[0][1] or system_today()) if rows else await business_today(session)
    for customer_id in customer_ids:
        if customer_id not in accounts:
            accounts[customer_id] = CreditAccount(customer_id=customer_id)
            session.add(accounts[customer_id])
    return accounts, today


async def credit_account_and_today(
    session: AsyncSession, customer_id: str
) -> tuple[CreditAccount | None, date]:
    """A customer's credit account (if any) and the platform's today, in one read when it exists."""
    query = select(CreditAccount, closed_business_date_query()).where(
        col(CreditAccount.customer_id) == customer_id
    )
    row = (await session.execute(query)).first()
    if row is None:
        return None, await business_today(session)
    return row[0], row[1] or system_today()


async def all_customer_ids(session: AsyncSession) -> Sequence[str]:
    """Every customer with a credit account, in id order."""
    return list(
        (
            await session.execute(
                select(col(CreditAccount.customer_id)).order_by(col(CreditAccount.customer_id))
            )
        ).scalars()
    )


async def customers_in_class(session: AsyncSession, risk_class: str) -> Sequence[str]:
    """Customers currently rated in a risk class."""
    query = select(col(CreditAccount.customer_id)).where(col(CreditAccount.risk_class) == risk_class)
    return list((await session.execute(query.order_by(col(CreditAccount.customer_id)))).scalars())
