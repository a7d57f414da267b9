"""notification-service tables: the delivery log."""

from datetime import UTC, datetime

from sqlalchemy import Column, DateTime, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import registry
from sqlmodel import Field, SQLModel


class NotificationTable(SQLModel, registry=registry()):
    """Base of notification-service's tables."""


class Notification(NotificationTable, table=True):
    """One message to one customer; `request_key` makes each request exist once."""

    __tablename__ = "notifications"

    notification_id: str = Field(primary_key=True, max_length=36)
    request_key: str = Field(max_length=200, unique=True)
    customer_id: str = Field(max_length=100, index=True)
    channel: str = Field(max_length=20)
    template: str = Field(max_length=100)
    locale: str | None = Field(default=None, max_length=20)
    status: str = Field(max_length=20)
    subject_ref: str = Field(max_length=200, description="the document the message is about")
    created_at: datetime = Field(
        default_factory=lambda: datetime.now(UTC), sa_column=Column(DateTime(timezone=True), nullable=False)
    )


async def notifications_of(session: AsyncSession, customer_id: str, status: str | None) -> list[Notification]:
    """A customer's notifications, newest first."""
    query = select(Notification).where(Notification.customer_id == customer_id)
    if status:
        query = query.where(Notification.status == status)
    result = await session.execute(query.order_by(Notification.created_at.desc()))
    return list(result.scalars())
