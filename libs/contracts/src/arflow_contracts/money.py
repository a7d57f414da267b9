"""Money and rate types shared by every event: Decimal carried as a JSON string, never float."""

import re
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BeforeValidator, Field, PlainSerializer, WithJsonSchema

DECIMAL_PATTERN = r"^-?\d+(\.\d+)?$"
UNSIGNED_DECIMAL_PATTERN = r"^\d+(\.\d+)?$"

_DECIMAL_STRING = re.compile(DECIMAL_PATTERN)


def exact_decimal(value: Any) -> Any:
    """Refuse inputs that may already have lost precision: floats, bools, non-decimal strings."""
    # A float has been rounded to binary before we see it; bool is an int subclass.
    if isinstance(value, float | bool):
        raise ValueError("money and rates must be a decimal string or an integer, never a float")
    if isinstance(value, str) and not _DECIMAL_STRING.match(value):
        raise ValueError("expected a plain decimal string such as '1250.00'")
    return value


def _fixed_point(value: Decimal) -> str:
    # str(Decimal("1E+2")) is "1E+2"; fixed-point keeps the JSON matching the schema's pattern.
    return format(value, "f")


def _decimal_string(pattern: str, sign: str, description: str) -> tuple[Any, ...]:
    # "x-decimal" tells readers (and docs/events.md) the sign rule a pattern cannot express.
    schema = {"type": "string", "pattern": pattern, "description": description, "x-decimal": sign}
    return (
        BeforeValidator(exact_decimal),
        PlainSerializer(_fixed_point, return_type=str, when_used="json"),
        WithJsonSchema(schema),
    )


Amount = Annotated[
    Decimal,
    Field(gt=0),
    *_decimal_string(UNSIGNED_DECIMAL_PATTERN, "positive", "positive decimal"),
]
"""A positive amount of money; its currency travels beside it."""

NonNegativeAmount = Annotated[
    Decimal,
    Field(ge=0),
    *_decimal_string(UNSIGNED_DECIMAL_PATTERN, "non-negative", "decimal, zero or positive"),
]
"""An amount that may be zero (a part of an allocation, a balance that can be settled)."""

SignedAmount = Annotated[
    Decimal,
    *_decimal_string(DECIMAL_PATTERN, "signed", "decimal"),
]
"""An amount that may be zero or negative (a difference)."""

Rate = Annotated[
    Decimal,
    Field(ge=0),
    *_decimal_string(UNSIGNED_DECIMAL_PATTERN, "non-negative", "decimal fraction, 0.08 = 8 %"),
]
"""A rate as a decimal fraction (0.08 means 8 %), carried as a string like money."""

Currency = Annotated[str, Field(pattern=r"^[A-Z]{3}$", description="ISO 4217 code")]
