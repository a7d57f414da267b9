"""notification-service tables: the delivery log, attempts, customer copies, templates, letters."""

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import registry
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field, SQLModel

from arflow_runtime.db import BigId


class UtcDateTime(TypeDecorator[datetime]):
    """An instant stored as UTC and read back timezone-aware (SQLite forgets the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("instants must be timezone-aware")
        return value.astimezone(UTC)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _instant(nullable: bool = False, index: bool = False) -> Any:
    return Field(default=None, sa_column=Column(UtcDateTime(), nullable=nullable, index=index))


class NotificationTable(SQLModel, registry=registry()):
    """Base of notification-service's tables."""


class Notification(NotificationTable, table=True):
    """One message to one customer on one requested channel; `request_key` makes it exist once."""

    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_due", "status", "next_attempt_at"),)

    notification_id: str = Field(primary_key=True, max_length=36)
    request_key: str = Field(max_length=200, unique=True, description="request id + requested channel")
    request_id: str = Field(max_length=128, index=True)
    customer_id: str = Field(max_length=128, index=True)
    requested_channel: str = Field(max_length=20)
    channel: str = Field(max_length=20, description="where it goes: the requested channel or a fallback")
    template: str = Field(max_length=128)
    locale_hint: str | None = Field(default=None, max_length=35)
    locale: str | None = Field(default=None, max_length=35, description="the locale it was rendered in")
    status: str = Field(max_length=20, description="scheduled, sent or failed")
    formal_demand: bool = Field(default=False, sa_column=Column(Boolean, nullable=False))
    subject_ref: str = Field(max_length=200, description="the documents the message is about")
    facts: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    siblings: str = Field(default="", max_length=100, description="the request's other channels")
    next_attempt_at: datetime = _instant()
    lease_until: datetime | None = _instant(nullable=True)
    attempt_count: int = Field(default=0, sa_column=Column(Integer, nullable=False))
    message: dict[str, Any] | None = Field(
        default=None, sa_column=Column(JSON, nullable=True), description="rendered once, sent as is"
    )
    provider_receipt: str | None = Field(default=None, max_length=300)
    failure_reason: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    sent_at: datetime | None = _instant(nullable=True)
    created_at: datetime = _instant()
    updated_at: datetime = _instant()


class DeliveryAttempt(NotificationTable, table=True):
    """One try at sending: written as 'sending' before the send, completed after it."""

    __tablename__ = "notification_attempts"
    __table_args__ = (UniqueConstraint("notification_id", "number", name="uq_notification_attempts_number"),)

    id: int | None = Field(default=None, sa_column=Column(BigId, primary_key=True, autoincrement=True))
    notification_id: str = Field(
        sa_column=Column(String(36), ForeignKey("notifications.notification_id"), nullable=False, index=True)
    )
    number: int = Field(sa_column=Column(Integer, nullable=False))
    channel: str = Field(max_length=20)
    outcome: str = Field(max_length=20, description="sending, sent, retry, failed or interrupted")
    started_at: datetime = _instant()
    finished_at: datetime | None = _instant(nullable=True)
    provider_receipt: str | None = Field(default=None, max_length=300)
    detail: str | None = Field(default=None, sa_column=Column(Text, nullable=True))


class CustomerCopy(NotificationTable, table=True):
    """What notification-service knows of a customer, from CustomerProfileChanged."""

    __tablename__ = "customers"

    customer_id: str = Field(primary_key=True, max_length=128)
    name: str = Field(sa_column=Column(Text, nullable=False))
    locale: str | None = Field(default=None, max_length=35)
    time_zone: str | None = Field(default=None, max_length=64)
    country: str | None = Field(default=None, max_length=2)
    email: str | None = Field(default=None, max_length=320)
    phone: str | None = Field(default=None, max_length=20)
    contact_name: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    address: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    revision: int | None = Field(default=None, sa_column=Column(Integer, nullable=True))
    updated_at: datetime = _instant()


class CustomTemplate(NotificationTable, table=True):
    """A template edited over the API; it overrides the shipped one of the same key and locale."""

    __tablename__ = "templates"

    key: str = Field(primary_key=True, max_length=128)
    locale: str = Field(primary_key=True, max_length=35)
    subject: str = Field(sa_column=Column(Text, nullable=False))
    body: str = Field(sa_column=Column(Text, nullable=False))
    short: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    version: int = Field(default=1, sa_column=Column(Integer, nullable=False))
    updated_by: str = Field(max_length=200)
    updated_at: datetime = _instant()


class LetterDocument(NotificationTable, table=True):
    """The PDF of a letter, stored when the letter is 'sent' and downloadable afterwards."""

    __tablename__ = "letter_documents"

    notification_id: str = Field(
        sa_column=Column(String(36), ForeignKey("notifications.notification_id"), primary_key=True)
    )
    content: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    sha256: str = Field(max_length=64)
    created_at: datetime = _instant()
