"""The base of credit-service's tables and the column types they share."""

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Column, DateTime, Text
from sqlalchemy.orm import registry
from sqlmodel import Field, SQLModel

from arflow_runtime.db import Money


class CreditTable(SQLModel, registry=registry()):
    """Base of credit-service's tables."""


def money_column(default: Decimal | None = None, nullable: bool = False) -> Any:
    """An exact money column (see arflow_runtime.db.Money)."""
    if nullable:
        return Field(default=default, sa_column=Column(Money(), nullable=True))
    return Field(
        default=default if default is not None else Decimal(0), sa_column=Column(Money(), nullable=False)
    )


def text_column(nullable: bool = True) -> Any:
    """A long text column (JSON documents, reasons)."""
    return Field(default=None if nullable else "", sa_column=Column(Text(), nullable=nullable))


def instant_column(nullable: bool = False) -> Any:
    """A UTC timestamp column."""
    return Field(default=None, sa_column=Column(DateTime(timezone=True), nullable=nullable))


Instant = datetime
