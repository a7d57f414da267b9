"""credit-service settings (CREDIT_*)."""

from decimal import Decimal
from typing import Any

from pydantic import BaseModel, Field, field_validator
from pydantic_settings import SettingsConfigDict

from arflow_credit.domain import DEFAULT_SCORECARD, Curve, FactorRule, RiskClassThresholds, Scorecard
from arflow_runtime.settings import ServiceSettings

FACTORS = ("days_late", "late_share", "dispute_share", "overdue_ratio", "tenure", "external_rating")


class ScorecardSettings(BaseModel):
    """The scorecard's knobs; unset ones keep the documented defaults (docs/credit.md)."""

    window_days: int = Field(DEFAULT_SCORECARD.window_days, ge=1, description="trailing window of invoices")
    late_grace_days: int = Field(
        DEFAULT_SCORECARD.late_grace_days, ge=0, description="days late still on time"
    )
    weights: dict[str, Decimal] = Field(
        default_factory=dict, description=f"relative weight per factor: {', '.join(FACTORS)}"
    )
    class_minimums: dict[str, int] = Field(
        default_factory=lambda: {"A": 80, "B": 60, "C": 40},
        description='lowest score of each class above D, e.g. {"A": 80, "B": 60, "C": 40}',
    )

    @field_validator("weights")
    @classmethod
    def _known_factors(cls, weights: dict[str, Decimal]) -> dict[str, Decimal]:
        unknown = sorted(set(weights) - set(FACTORS))
        if unknown:
            raise ValueError(f"unknown scorecard factors {unknown}; known: {', '.join(FACTORS)}")
        return weights

    @field_validator("class_minimums")
    @classmethod
    def _classes_a_to_c(cls, minimums: dict[str, int]) -> dict[str, int]:
        if set(minimums) != {"A", "B", "C"}:
            raise ValueError("class_minimums must give A, B and C (D is everything below C)")
        if not 100 >= minimums["A"] > minimums["B"] > minimums["C"] > 0:
            raise ValueError("class_minimums must fall from A to C within 1..100, e.g. A 80, B 60, C 40")
        return minimums

    def scorecard(self) -> Scorecard:
        """The domain scorecard these settings describe."""
        rules: dict[str, Any] = {}
        for name in FACTORS:
            default: FactorRule = getattr(DEFAULT_SCORECARD, name)
            weight = self.weights.get(name, default.weight)
            rules[name] = FactorRule(weight, Curve(default.curve.best, default.curve.worst))
        bands = tuple((name, self.class_minimums[name]) for name in ("A", "B", "C"))
        return Scorecard(
            window_days=self.window_days,
            late_grace_days=self.late_grace_days,
            thresholds=RiskClassThresholds(bands=bands, floor="D"),
            **rules,
        )


class CreditSettings(ServiceSettings):
    """Settings of credit management."""

    model_config = SettingsConfigDict(env_prefix="CREDIT_", extra="ignore")

    port: int = Field(8001, description="HTTP port")
    currency: str = Field(
        "EUR", pattern=r"^[A-Z]{3}$", description="ISO 4217 currency of limits, exposure and checks"
    )
    reservation_days: int = Field(
        30, ge=1, description="business days an approved order stays reserved without its invoice"
    )
    scorecard: ScorecardSettings = Field(
        default_factory=lambda: ScorecardSettings(),
        description='scorecard as JSON, e.g. {"window_days": 180}',
    )
