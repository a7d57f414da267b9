"""Dunning policies: ordered stages by days relative to the due date, chosen per risk class."""

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from types import MappingProxyType

from arflow_dunning.domain.actions import DunningAction, Notification
from arflow_dunning.domain.errors import InvalidPolicy, NoApplicablePolicy
from arflow_dunning.domain.money import is_currency_code

_KEY = re.compile(r"^[a-z][a-z0-9_]*$")


@dataclass(frozen=True)
class DunningStage:
    """One step of a policy: reached `days` after the due date (negative: before it)."""

    key: str
    days: int
    actions: tuple[DunningAction, ...]
    name: str = ""
    minimum_amounts: Mapping[str, Decimal] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not _KEY.match(self.key):
            raise InvalidPolicy(f"stage key {self.key!r} must be snake_case")
        if not self.actions:
            raise InvalidPolicy(f"stage {self.key!r} has no action")
        for currency, amount in self.minimum_amounts.items():
            if not is_currency_code(currency) or amount < 0:
                raise InvalidPolicy(f"stage {self.key!r}: minimum {amount} {currency} is invalid")
        object.__setattr__(self, "minimum_amounts", MappingProxyType(dict(self.minimum_amounts)))
        if not self.name:
            object.__setattr__(self, "name", self.key.replace("_", " ").capitalize())

    def __hash__(self) -> int:
        return hash((self.key, self.days, self.actions, self.name))

    def due_on(self, due_date: date) -> date:
        """The business date from which an invoice with this due date is due for the stage."""
        return due_date + timedelta(days=self.days)

    def minimum_for(self, currency: str) -> Decimal:
        """The least outstanding amount that reaches this stage; no entry means no minimum."""
        return self.minimum_amounts.get(currency, Decimal(0))

    @property
    def notifications(self) -> tuple[Notification, ...]:
        """The stage's notification actions."""
        return tuple(action for action in self.actions if isinstance(action, Notification))


@dataclass(frozen=True)
class DunningPolicy:
    """Stages strictly ordered by days with unique keys; applies to risk classes and segments.

    Empty `risk_classes` or `segments` means "any".
    """

    id: str
    name: str
    stages: tuple[DunningStage, ...]
    risk_classes: frozenset[str] = frozenset()
    segments: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        if not self.id:
            raise InvalidPolicy("policy needs an id")
        if not self.stages:
            raise InvalidPolicy(f"policy {self.id!r} has no stage")
        keys = [stage.key for stage in self.stages]
        if len(set(keys)) != len(keys):
            raise InvalidPolicy(f"policy {self.id!r} repeats a stage key")
        for earlier, later in zip(self.stages, self.stages[1:], strict=False):
            if later.days <= earlier.days:
                raise InvalidPolicy(
                    f"policy {self.id!r}: stage {later.key!r} ({later.days:+d}) must come after "
                    f"{earlier.key!r} ({earlier.days:+d})"
                )
        object.__setattr__(self, "risk_classes", frozenset(self.risk_classes))
        object.__setattr__(self, "segments", frozenset(self.segments))

    def applies_to(self, risk_class: str, segment: str | None = None) -> bool:
        """True when the policy covers the risk class and segment."""
        class_ok = not self.risk_classes or risk_class in self.risk_classes
        segment_ok = not self.segments or segment in self.segments
        return class_ok and segment_ok

    def index_of(self, key: str) -> int:
        """Position of the stage with this key."""
        for index, stage in enumerate(self.stages):
            if stage.key == key:
                return index
        raise InvalidPolicy(f"policy {self.id!r} has no stage {key!r}")


def select_policy(
    policies: Iterable[DunningPolicy], risk_class: str, segment: str | None = None
) -> DunningPolicy:
    """The most specific applicable policy: segment match beats class match beats catch-all."""
    candidates = [policy for policy in policies if policy.applies_to(risk_class, segment)]
    if not candidates:
        raise NoApplicablePolicy(f"no dunning policy for class {risk_class!r}, segment {segment!r}")
    # Specificity first, then id so the choice never depends on storage order.
    return min(candidates, key=lambda p: (not p.segments, not p.risk_classes, p.id))


def carry_over_stage(
    old_policy: DunningPolicy, old_index: int | None, new_policy: DunningPolicy
) -> int | None:
    """Stage index in a new policy after a rating change; no action of the new policy is taken.

    Stage keys are the shared vocabulary: the invoice lands on the last stage of the new policy
    whose key it has already been through, so a stage it never saw (a credit hold that comes
    earlier in the new policy) still fires on the next evaluation. Only when the policies share
    no key does it land on the last new stage not later (in days) than the old one.
    """
    if old_index is None:
        return None
    seen = {stage.key for stage in old_policy.stages[: old_index + 1]}
    shared = [i for i, stage in enumerate(new_policy.stages) if stage.key in seen]
    if shared:
        return shared[-1]
    if {s.key for s in old_policy.stages} & {s.key for s in new_policy.stages}:
        return None
    reached_days = old_policy.stages[old_index].days
    carried = [i for i, stage in enumerate(new_policy.stages) if stage.days <= reached_days]
    return carried[-1] if carried else None
