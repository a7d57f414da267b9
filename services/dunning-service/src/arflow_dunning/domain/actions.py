"""What a dunning stage does when an invoice reaches it: the action value objects."""

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from types import MappingProxyType
from typing import ClassVar

from arflow_dunning.domain.daycount import DayCount
from arflow_dunning.domain.errors import InvalidPolicy
from arflow_dunning.domain.money import is_currency_code


class Channel(StrEnum):
    """How a notification reaches the customer."""

    EMAIL = "email"
    SMS = "sms"
    WEBHOOK = "webhook"
    LETTER = "letter"


class TaskKind(StrEnum):
    """What a collector task asks a person to do."""

    CALL = "call"
    VISIT = "visit"


class Assignee(StrEnum):
    """Who gets a collector task: the customer's collector or its salesperson."""

    COLLECTOR = "collector"
    SALESPERSON = "salesperson"


@dataclass(frozen=True)
class Notification:
    """Send the customer a message from a template on one or more channels."""

    channels: tuple[Channel, ...]
    template_key: str
    formal_demand: bool = False

    def __post_init__(self) -> None:
        if not self.channels:
            raise InvalidPolicy(f"notification {self.template_key!r} has no channel")
        if len(set(self.channels)) != len(self.channels):
            raise InvalidPolicy(f"notification {self.template_key!r} repeats a channel")
        if not self.template_key:
            raise InvalidPolicy("notification needs a template key")

    @property
    def cost_keys(self) -> tuple[str, ...]:
        """One unit-cost key per channel."""
        return tuple(str(channel) for channel in self.channels)


@dataclass(frozen=True)
class CollectorTask:
    """Create a task (call or visit) for the customer's collector or salesperson."""

    kind: TaskKind
    assignee: Assignee = Assignee.COLLECTOR

    @property
    def cost_keys(self) -> tuple[str, ...]:
        """The task kind prices it."""
        return (str(self.kind),)


@dataclass(frozen=True)
class CreditHoldRequest:
    """Ask credit-service to stop supply to the customer."""

    cost_keys: ClassVar[tuple[str, ...]] = ("credit_hold",)


@dataclass(frozen=True)
class Fee:
    """Request a fixed dunning fee; the amount depends on the invoice's currency."""

    amounts: Mapping[str, Decimal] = field(default_factory=dict)
    cost_keys: ClassVar[tuple[str, ...]] = ("fee",)

    def __post_init__(self) -> None:
        for currency, amount in self.amounts.items():
            if not is_currency_code(currency) or amount <= 0:
                raise InvalidPolicy(f"fee {amount} {currency} must be positive in an ISO currency")
        # Frozen in depth: nobody edits a shipped policy's fee table in place.
        object.__setattr__(self, "amounts", MappingProxyType(dict(self.amounts)))

    def __hash__(self) -> int:
        return hash(tuple(sorted(self.amounts.items())))


@dataclass(frozen=True)
class LateInterest:
    """Request late interest; rate and day count come from the invoice's contract terms.

    The fallbacks apply only when the contract names none; with no rate at all no interest
    is charged.
    """

    fallback_rate: Decimal | None = None
    fallback_day_count: DayCount = DayCount.ACT_365
    cost_keys: ClassVar[tuple[str, ...]] = ("interest",)

    def __post_init__(self) -> None:
        if self.fallback_rate is not None and self.fallback_rate < 0:
            raise InvalidPolicy("late-interest fallback rate must not be negative")
        try:
            object.__setattr__(self, "fallback_day_count", DayCount(self.fallback_day_count))
        except ValueError as error:
            raise InvalidPolicy(f"unknown day count {self.fallback_day_count!r}") from error


@dataclass(frozen=True)
class LawyerLetter:
    """Instruct a lawyer to send a demand letter."""

    cost_keys: ClassVar[tuple[str, ...]] = ("lawyer_letter",)


@dataclass(frozen=True)
class AgencyHandover:
    """Hand the claim over to a collection agency (closes the case on our side)."""

    cost_keys: ClassVar[tuple[str, ...]] = ("agency_handover",)


@dataclass(frozen=True)
class LitigationReview:
    """Ask legal to review the claim for court action."""

    cost_keys: ClassVar[tuple[str, ...]] = ("litigation_review",)


DunningAction = (
    Notification
    | CollectorTask
    | CreditHoldRequest
    | Fee
    | LateInterest
    | LawyerLetter
    | AgencyHandover
    | LitigationReview
)
"""Any action a stage can carry."""
