"""How amounts and instants leave the service: decimal strings with two decimals, UTC instants."""

from datetime import UTC, datetime
from decimal import Decimal

from arflow_runtime.db import canonical_money


def money_text(value: Decimal) -> str:
    """An amount as text: two decimals, more only when the amount has them."""
    return format(canonical_money(value), "f")


def utc(instant: datetime) -> datetime:
    """An instant read back from the database as UTC (SQLite forgets the zone)."""
    return instant.replace(tzinfo=UTC) if instant.tzinfo is None else instant.astimezone(UTC)
