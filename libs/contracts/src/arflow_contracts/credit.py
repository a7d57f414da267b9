"""Events of credit-service (customer master, ratings, limits, holds), on topic credit.events."""

from datetime import date
from typing import Literal, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from arflow_contracts import topics
from arflow_contracts.envelope import EventData
from arflow_contracts.identifiers import CountryCode, Identifier, Jurisdiction
from arflow_contracts.money import Amount, Currency, NonNegativeAmount
from arflow_contracts.personal import PERSONAL_DATA
from arflow_contracts.registry import register

RiskClass = Literal["A", "B", "C", "D"]
"""A is the best risk, D the worst (prepayment)."""

EMAIL_PATTERN = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"
E164_PATTERN = r"^\+[1-9]\d{1,14}$"


class CreditEvent(EventData):
    """Base of credit-service's events."""

    topic = topics.CREDIT


class PostalAddress(BaseModel):
    """A postal address for letters (formal demands)."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    lines: tuple[str, ...] = Field(min_length=1, description="Street lines, recipient first.")
    postal_code: str | None = None
    city: str
    region: str | None = None
    country: CountryCode


@register
class CustomerProfileChangedV1(CreditEvent):
    """The customer master changed; carries the whole current profile (upsert, not a diff)."""

    event_type = "CustomerProfileChanged"
    event_version = 1

    customer_id: Identifier
    name: str = Field(min_length=1, description="Legal name of the customer.")
    country: CountryCode | None = None
    locale: str | None = Field(
        default=None, description="BCP 47 tag for messages, e.g. zh-CN or en.", examples=["zh-CN"]
    )
    time_zone: str | None = Field(
        default=None, description="IANA time zone, e.g. Asia/Shanghai.", examples=["Asia/Shanghai"]
    )
    email: str | None = Field(
        default=None,
        pattern=EMAIL_PATTERN,
        description="Billing contact email.",
        json_schema_extra=PERSONAL_DATA,
    )
    phone: str | None = Field(
        default=None,
        pattern=E164_PATTERN,
        description="Billing contact phone, E.164.",
        json_schema_extra=PERSONAL_DATA,
    )
    contact_name: str | None = Field(
        default=None, description="Billing contact person.", json_schema_extra=PERSONAL_DATA
    )
    address: PostalAddress | None = Field(
        default=None,
        description="Billing address (a person's address for sole traders).",
        json_schema_extra=PERSONAL_DATA,
    )
    segment: str | None = Field(default=None, description="e.g. enterprise, smb, public.")
    salesperson_id: Identifier | None = None
    collector_id: Identifier | None = None
    jurisdiction: Jurisdiction | None = None
    revision: int | None = Field(
        default=None, ge=1, description="Increases with every change of this profile."
    )


@register
class CreditLimitBreachedV1(CreditEvent):
    """A customer's exposure crossed its credit limit."""

    event_type = "CreditLimitBreached"
    event_version = 1

    customer_id: Identifier
    limit: NonNegativeAmount
    exposure: Amount
    currency: Currency
    as_of: date
    risk_class: RiskClass | None = None
    cause: str | None = Field(
        default=None, description="What pushed it over, e.g. the event type or a credit check."
    )

    @model_validator(mode="after")
    def _exposure_over_limit(self) -> Self:
        if self.exposure <= self.limit:
            raise ValueError("a breach needs exposure above limit")
        return self


@register
class CreditRatingChangedV1(CreditEvent):
    """A customer's score moved it into another risk class (or got its first class)."""

    event_type = "CreditRatingChanged"
    event_version = 1

    customer_id: Identifier
    old_class: RiskClass | None = Field(default=None, description="None for a customer's first rating.")
    new_class: RiskClass
    score: int = Field(ge=0, le=100)
    old_score: int | None = Field(default=None, ge=0, le=100)
    as_of: date
    reasons: tuple[str, ...] = Field(default=(), description="Main factors behind the score.")


@register
class CreditHoldPlacedV1(CreditEvent):
    """Supply to a customer stops: new orders are rejected until the hold is released."""

    event_type = "CreditHoldPlaced"
    event_version = 1

    customer_id: Identifier
    hold_id: Identifier
    reason: str
    source: Literal["manual", "automatic", "dunning"]
    placed_on: date
    request_id: Identifier | None = Field(
        default=None, description="request_id of the CreditHoldRequested it answers."
    )
    placed_by: str | None = Field(default=None, description="User id for manual holds.")


@register
class CreditHoldReleasedV1(CreditEvent):
    """A credit hold ended."""

    event_type = "CreditHoldReleased"
    event_version = 1

    customer_id: Identifier
    hold_id: Identifier
    released_on: date
    reason: str | None = None
    released_by: str | None = Field(default=None, description="User id for manual releases.")
