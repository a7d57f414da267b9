"""dunning-service settings (DUNNING_*) and the evaluation's fixed rules."""

from dataclasses import dataclass, field
from decimal import Decimal

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from arflow_runtime.settings import ServiceSettings

DEFAULT_UNIT_COSTS = {
    "email": Decimal("0.05"),
    "sms": Decimal("0.10"),
    "webhook": Decimal("0.01"),
    "letter": Decimal("1.50"),
    "call": Decimal("8.00"),
    "visit": Decimal("60.00"),
    "credit_hold": Decimal("0"),
    "fee": Decimal("0"),
    "interest": Decimal("0"),
    "lawyer_letter": Decimal("150.00"),
    "agency_handover": Decimal("250.00"),
    "litigation_review": Decimal("400.00"),
}
"""What one action costs until an admin sets other costs (PUT /v1/dunning-unit-costs)."""


class DunningSettings(ServiceSettings):
    """Settings of dunning and collections."""

    model_config = SettingsConfigDict(env_prefix="DUNNING_", extra="ignore")

    port: int = Field(8003, description="HTTP port")


@dataclass(frozen=True)
class EvaluationRules:
    """How evaluations run; fixed in code (and documented in docs/dunning.md), tests may vary them."""

    default_risk_class: str = "B"
    """Risk class, and so default policy, of a customer credit-service has not rated yet."""
    chunk_customers: int = 500
    """Customers evaluated per transaction when a business day closes."""
    resume_interval_seconds: float = 10.0
    """How often the resume job looks for a business-day evaluation a crash interrupted."""
    unit_costs: dict[str, Decimal] = field(default_factory=lambda: dict(DEFAULT_UNIT_COSTS))
