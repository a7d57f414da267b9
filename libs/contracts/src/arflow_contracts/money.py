"""Money and date types shared by every event: Decimal carried as a JSON string, never float."""

from decimal import Decimal
from typing import Annotated

from pydantic import Field, PlainSerializer, WithJsonSchema

DECIMAL_PATTERN = r"^-?\d+(\.\d+)?$"

Amount = Annotated[
    Decimal,
    Field(gt=0),
    PlainSerializer(lambda value: str(value), return_type=str, when_used="json"),
    WithJsonSchema({"type": "string", "pattern": DECIMAL_PATTERN, "description": "positive decimal"}),
]
"""A positive amount of money; its currency travels beside it."""

SignedAmount = Annotated[
    Decimal,
    PlainSerializer(lambda value: str(value), return_type=str, when_used="json"),
    WithJsonSchema({"type": "string", "pattern": DECIMAL_PATTERN, "description": "decimal"}),
]
"""An amount that may be zero or negative (a balance, a difference)."""

Currency = Annotated[str, Field(pattern=r"^[A-Z]{3}$", description="ISO 4217 code")]
