"""The service's configured rules, built once from its settings and handed to every use case."""

from dataclasses import dataclass, field

from arflow_credit.domain import DEFAULT_SCORECARD, Scorecard
from arflow_credit.settings import CreditSettings


@dataclass(frozen=True)
class CreditRules:
    """Credit currency, reservation lifetime and scorecard."""

    currency: str = "EUR"
    reservation_days: int = 30
    scorecard: Scorecard = field(default=DEFAULT_SCORECARD)

    @classmethod
    def from_settings(cls, settings: CreditSettings) -> "CreditRules":
        """The rules CREDIT_* settings describe."""
        return cls(settings.currency, settings.reservation_days, settings.scorecard.scorecard())
