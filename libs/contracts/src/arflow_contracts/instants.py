"""Instants in events are UTC: any offset is accepted and normalised, naive times refused."""

from datetime import UTC, datetime
from typing import Annotated

from pydantic import AfterValidator, AwareDatetime


def _to_utc(value: datetime) -> datetime:
    return value.astimezone(UTC)


UtcInstant = Annotated[AwareDatetime, AfterValidator(_to_utc)]
"""A point in time with a zone, stored and sent as UTC."""
