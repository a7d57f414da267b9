"""What an evaluation's actions share: the transaction, the business date, customers and cases.

Actions do not write one by one: the scope collects the events, timeline entries, tasks and
charge requests of a whole batch of customers and `flush` writes each kind with one statement
(the outbox with one lock statement and one insert), in the order the actions produced them.
"""

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from hashlib import sha1
from typing import Any
from uuid import NAMESPACE_URL, uuid5

from sqlalchemy import Table

from arflow_contracts import EventData
from arflow_dunning.outbox_rows import stage_events
from arflow_dunning.store import ChargeRequest, CollectionCase, CollectionTask, DunningCustomer, TimelineEntry
from arflow_runtime.bulk_rows import insert_rows
from arflow_runtime.db import UnitOfWork

_ID_SPACE = uuid5(NAMESPACE_URL, "https://arflow.dev/dunning")
_ID_SPACE_BYTES = _ID_SPACE.bytes
TIMELINE: Table = TimelineEntry.__table__  # type: ignore[attr-defined]
TASKS: Table = CollectionTask.__table__  # type: ignore[attr-defined]
CHARGES: Table = ChargeRequest.__table__  # type: ignore[attr-defined]


def natural_id(*parts: object) -> str:
    """A deterministic id from a natural key, so a repeated request carries the same id."""
    # uuid5(_ID_SPACE, key) without building a UUID object (a close derives one per request).
    digest = bytearray(sha1(_ID_SPACE_BYTES + "|".join(map(str, parts)).encode()).digest()[:16])
    digest[6] = (digest[6] & 0x0F) | 0x50  # version 5
    digest[8] = (digest[8] & 0x3F) | 0x80  # RFC 4122 variant
    hexa = digest.hex()
    return f"{hexa[:8]}-{hexa[8:12]}-{hexa[12:16]}-{hexa[16:20]}-{hexa[20:]}"


def timeline_row(
    customer_id: str, case_id: str | None, on: date, kind: str, numbers: list[str], detail: dict[str, Any]
) -> dict[str, Any]:
    """A case_timeline row as the table takes it (detail holds facts, never personal data)."""
    return {
        "customer_id": customer_id,
        "case_id": case_id,
        "on_date": on,
        "recorded_at": datetime.now(UTC),
        "kind": kind,
        "invoice_numbers": sorted(numbers),
        "detail": detail,
        "note": None,
        "actor": None,
    }


@dataclass
class ActionScope:
    """One evaluation of a batch of customers on one business date, and what it has to write."""

    uow: UnitOfWork
    as_of: date
    customers: dict[str, DunningCustomer]
    cases: dict[str, CollectionCase]
    default_class: str
    events: list[tuple[EventData, str]] = field(default_factory=list)
    timeline: list[dict[str, Any]] = field(default_factory=list)
    tasks: list[dict[str, Any]] = field(default_factory=list)
    charges: list[dict[str, Any]] = field(default_factory=list)

    def case_id(self, customer_id: str) -> str | None:
        """The customer's open case, if it has one (pre-due reminders come before any case)."""
        case = self.cases.get(customer_id)
        return case.case_id if case else None

    def publish(self, data: EventData, customer_id: str) -> None:
        """Stage an event for the outbox (written by `flush`, in this order)."""
        self.events.append((data, customer_id))

    def note(self, customer_id: str, entry: str, numbers: list[str], **detail: object) -> None:
        """Put what was done on the customer's case timeline."""
        self.timeline.append(
            timeline_row(
                customer_id,
                self.case_id(customer_id),
                self.as_of,
                entry,
                numbers,
                {k: v for k, v in detail.items() if v is not None},
            )
        )

    async def flush(self) -> None:
        """Write what was collected: tasks, charge requests, timeline entries, then the events."""
        session = self.uow.session
        for table, rows in ((TASKS, self.tasks), (CHARGES, self.charges), (TIMELINE, self.timeline)):
            await insert_rows(session, table, rows)
        await stage_events(self.uow, self.events)
        self.events, self.timeline, self.tasks, self.charges = [], [], [], []
