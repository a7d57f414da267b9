"""Poison messages injected on purpose: the only records the dead-letter topics may hold afterwards."""

import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from arflow_contracts import topics
from arflow_runtime.bus.base import Bus

POISON_HEADER = "chaos_poison"
"""Marks an injected record; the consumer copies original headers into the dead letter."""

KINDS = ("not-json", "unknown-type", "unknown-version", "breaks-contract")
TARGETS = (topics.LEDGER, topics.DUNNING, topics.CREDIT, topics.NOTIFICATION)


@dataclass(frozen=True)
class PoisonMessage:
    """One injected record and where it went."""

    poison_id: str
    kind: str
    topic: str


def _envelope(poison_id: str, event_type: str, version: int, data: dict[str, object]) -> bytes:
    return json.dumps(
        {
            "event_id": str(uuid.uuid4()),
            "event_type": event_type,
            "event_version": version,
            "occurred_at": datetime.now(UTC).isoformat(),
            "producer": "chaos",
            "customer_id": poison_id,
            "correlation_id": poison_id,
            "causation_id": None,
            "data": data,
        }
    ).encode()


def poison_value(poison_id: str, kind: str, canary_email: str, canary_phone: str) -> bytes:
    """A record of the given kind; canaries ride inside so error texts that quote input would leak them."""
    if kind == "not-json":
        return f"chaos poison {poison_id}: not JSON, from {canary_email} {canary_phone}".encode()
    if kind == "unknown-type":
        return _envelope(poison_id, f"ChaosUnknown {canary_email} {canary_phone}", 1, {})
    if kind == "unknown-version":
        return _envelope(poison_id, "InvoiceIssued", 99, {"invoice_number": canary_email})
    return _envelope(
        poison_id,
        "InvoiceIssued",
        1,
        {"invoice_number": canary_email, "customer_id": canary_phone, "amount": f"{canary_phone} EUR"},
    )


async def inject(bus: Bus, prefix: str, serial: int, canary_email: str, canary_phone: str) -> PoisonMessage:
    """Publish poison number `serial` (kinds and topics in rotation)."""
    kind = KINDS[serial % len(KINDS)]
    # A consumer validates only the event types it handles (others are skipped unread), so the
    # contract breaker is an InvoiceIssued on the ledger topic, which every reader of it handles.
    topic = prefix + (topics.LEDGER if kind == "breaks-contract" else TARGETS[serial % len(TARGETS)])
    poison_id = f"poison-{serial}"
    await bus.publish(
        topic,
        poison_id.encode(),
        poison_value(poison_id, kind, canary_email, canary_phone),
        [(POISON_HEADER, poison_id.encode()), ("ce_type", b"ChaosPoison")],
    )
    return PoisonMessage(poison_id, kind, topic)
