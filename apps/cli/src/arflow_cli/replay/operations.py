"""What an ERP export turns into: dated operations on the platform's public REST API."""

from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

Kind = Literal["customer", "invoice", "credit_note", "dispute", "dispute_resolution", "payment"]

PHASES: tuple[Kind, ...] = ("customer", "invoice", "credit_note", "dispute", "dispute_resolution", "payment")
"""The order of a business day: master data first, documents next, money last.

A dispute is resolved before the payment of the same day (the customer pays once the dispute is
settled), and a credit note comes before the payment that settles the rest of its invoice.
"""


@dataclass(frozen=True, slots=True)
class Operation:
    """One ERP action on one business day: the REST body and the natural key it is known by."""

    kind: Kind
    day: date
    customer_id: str
    key: str
    body: dict[str, Any] = field(hash=False, compare=False)
    line: int = field(default=0, hash=False, compare=False)
    """Where it came from in the file (1 = first data row), for error messages."""


@dataclass(slots=True)
class BusinessDay:
    """Everything the ERP did on one date, by phase."""

    day: date
    operations: dict[Kind, list[Operation]] = field(default_factory=dict)

    def add(self, operation: Operation) -> None:
        self.operations.setdefault(operation.kind, []).append(operation)

    def of(self, kind: Kind) -> list[Operation]:
        return self.operations.get(kind, [])

    def __len__(self) -> int:
        return sum(len(ops) for ops in self.operations.values())


class ReplayInputError(ValueError):
    """The export cannot be read: names the line and what is wrong."""
