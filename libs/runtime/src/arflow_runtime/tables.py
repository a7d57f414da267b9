"""Tables every service has: outbox, inbox and idempotency keys (created by each service's migrations)."""

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    text,
)

runtime_metadata = MetaData()

outbox = Table(
    "outbox",
    runtime_metadata,
    Column("id", BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=True),
    Column("event_id", String(36), nullable=False, unique=True),
    Column("topic", String(200), nullable=False),
    Column("message_key", String(200), nullable=False),
    Column("payload", LargeBinary, nullable=False),
    Column("headers", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("published_at", DateTime(timezone=True), nullable=True),
    Index(
        "ix_outbox_pending",
        "id",
        postgresql_where=text("published_at IS NULL"),
        sqlite_where=text("published_at IS NULL"),
    ),
)

inbox = Table(
    "inbox",
    runtime_metadata,
    Column("consumer", String(200), primary_key=True),
    Column("event_id", String(36), primary_key=True),
    Column("event_type", String(100), nullable=False),
    Column("applied_at", DateTime(timezone=True), nullable=False),
)

idempotency_keys = Table(
    "idempotency_keys",
    runtime_metadata,
    Column("principal", String(200), primary_key=True),
    Column("key", String(200), primary_key=True),
    Column("request_fingerprint", String(64), nullable=False),
    Column("status_code", Integer, nullable=True),
    Column("response_body", LargeBinary, nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
)
