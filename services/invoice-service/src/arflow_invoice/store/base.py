"""The ledger's table base and column helpers."""

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import BigInteger, Column, DateTime, ForeignKey, Integer
from sqlalchemy.orm import registry
from sqlmodel import Field, SQLModel

from arflow_runtime.db import Money

BigId = BigInteger().with_variant(Integer(), "sqlite")


class LedgerTable(SQLModel, registry=registry()):
    """Base of the ledger's tables (its own metadata: services share no tables)."""


def key_of(row: Any) -> int:
    """The primary key of a stored row (set once the row was flushed)."""
    key = row.id
    assert isinstance(key, int), f"{type(row).__name__} has no id yet"
    return key


def now() -> datetime:
    """The current instant, UTC."""
    return datetime.now(UTC)


def id_field() -> Any:
    """An autoincrementing primary key that is BIGINT on PostgreSQL."""
    return Field(default=None, sa_column=Column(BigId, primary_key=True, autoincrement=True))


def invoice_ref(nullable: bool = False, indexed: bool = True) -> Any:
    """A foreign key to invoices.id (indexed unless a composite index starts with it)."""
    return Field(
        default=None,
        sa_column=Column(BigId, ForeignKey("invoices.id"), nullable=nullable, index=indexed),
    )


def money(nullable: bool = False, default: Decimal | None = None) -> Any:
    """An exact money column."""
    return Field(default=default, sa_column=Column(Money(), nullable=nullable))


def instant() -> Any:
    """A UTC timestamp set when the row is created."""
    return Field(default_factory=now, sa_column=Column(DateTime(timezone=True), nullable=False))
