"""Credit holds: manual, automatic (overdue threshold) and dunning; a customer may have several."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from arflow_credit.domain.errors import CreditNotFound, CreditValidationError
from arflow_credit.domain.ledger import OverdueState
from arflow_credit.domain.policy import CreditPolicy

AUTOMATIC_HOLD_REASON = "overdue_threshold_reached"
AUTOMATIC_RELEASE_REASON = "overdue_threshold_cleared"


class HoldSource(StrEnum):
    """Who placed a hold."""

    MANUAL = "manual"
    AUTOMATIC = "automatic"
    DUNNING = "dunning"


@dataclass(frozen=True)
class CreditHold:
    """An active hold; ``reference`` tells holds of one source apart (e.g. a dunning case id)."""

    source: HoldSource
    reason: str
    since: date
    reference: str = ""
    placed_by: str | None = None

    def __post_init__(self) -> None:
        if not self.reason:
            raise CreditValidationError("a hold needs a reason")

    @property
    def key(self) -> tuple[HoldSource, str]:
        """Identity of the hold among a customer's holds."""
        return (self.source, self.reference)


@dataclass(frozen=True)
class HoldRelease:
    """A hold that was lifted: by whom (None for the rule), why, and when."""

    hold: CreditHold
    reason: str
    released_on: date
    released_by: str | None = None


@dataclass(frozen=True)
class HoldChange:
    """The customer's holds after a change, with what was placed or released (for events)."""

    holds: tuple[CreditHold, ...]
    placed: CreditHold | None = None
    released: HoldRelease | None = None


def is_on_hold(holds: Sequence[CreditHold]) -> bool:
    """True while any hold is active."""
    return bool(holds)


def place_hold(holds: Sequence[CreditHold], hold: CreditHold) -> HoldChange:
    """Add ``hold``; placing a hold with the same source and reference again changes nothing."""
    if any(existing.key == hold.key for existing in holds):
        return HoldChange(tuple(holds))
    return HoldChange((*holds, hold), placed=hold)


def release_hold(
    holds: Sequence[CreditHold],
    source: HoldSource,
    reference: str,
    *,
    reason: str,
    as_of: date,
    released_by: str | None = None,
) -> HoldChange:
    """Lift one hold with a reason; CreditNotFound if the customer has no such hold."""
    if not reason:
        raise CreditValidationError("releasing a hold needs a reason")
    match = next((h for h in holds if h.key == (source, reference)), None)
    if match is None:
        raise CreditNotFound(f"no {source.value} hold {reference!r} on this customer")
    remaining = tuple(h for h in holds if h is not match)
    return HoldChange(remaining, released=HoldRelease(match, reason, as_of, released_by))


def automatic_hold_due(policy: CreditPolicy, overdue: OverdueState) -> bool:
    """True when the policy's overdue threshold (amount and days) is reached."""
    threshold = policy.overdue_threshold
    return threshold is not None and threshold.is_reached(overdue)


def apply_automatic_hold_rule(
    holds: Sequence[CreditHold], policy: CreditPolicy, overdue: OverdueState, as_of: date
) -> HoldChange:
    """Place the automatic hold when the threshold is reached; release it once it clears.

    Manual and dunning holds are never touched by the rule.
    """
    due = automatic_hold_due(policy, overdue)
    active = next((h for h in holds if h.source is HoldSource.AUTOMATIC), None)
    if due and active is None:
        return place_hold(holds, CreditHold(HoldSource.AUTOMATIC, AUTOMATIC_HOLD_REASON, as_of))
    if active is not None and not due:
        return release_hold(
            holds, active.source, active.reference, reason=AUTOMATIC_RELEASE_REASON, as_of=as_of
        )
    return HoldChange(tuple(holds))
