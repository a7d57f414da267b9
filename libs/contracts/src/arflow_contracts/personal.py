"""Marking of personal data in contracts, so logs and exports can leave it out."""

from typing import Any

from pydantic import BaseModel

PERSONAL_DATA: dict[str, Any] = {"x-personal-data": True}
"""`json_schema_extra` of a field that holds personal data (email, phone, a person's address)."""


def personal_fields(model: type[BaseModel]) -> frozenset[str]:
    """Names of the model's fields marked as personal data."""
    return frozenset(
        name
        for name, field in model.model_fields.items()
        if isinstance(field.json_schema_extra, dict)
        and field.json_schema_extra.get("x-personal-data") is True
    )
