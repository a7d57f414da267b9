"""Identifier and code types shared by the event payloads."""

from typing import Annotated

from pydantic import Field

Identifier = Annotated[str, Field(min_length=1, max_length=128)]
"""A natural or generated key: invoice number, payment reference, customer id, request id."""

CountryCode = Annotated[str, Field(pattern=r"^[A-Z]{2}$", description="ISO 3166-1 alpha-2 country code")]

Jurisdiction = Annotated[
    str,
    Field(
        pattern=r"^[A-Z]{2}(-[A-Z0-9]{1,3})?$",
        description="ISO 3166-1 alpha-2 country, optionally an ISO 3166-2 subdivision (US-NY)",
    ),
]
"""Whose law governs a claim: late interest, fees, statute of limitations."""
