"""arflow event contracts: the envelope, versioned event payloads, topic names."""

from arflow_contracts import ledger  # noqa: F401  (registers the ledger events)
from arflow_contracts.envelope import EventData, EventEnvelope, wrap
from arflow_contracts.registry import (
    InvalidEvent,
    UnknownEvent,
    all_events,
    contract_for,
    parse_data,
    register,
)

__all__ = [
    "EventData",
    "EventEnvelope",
    "InvalidEvent",
    "UnknownEvent",
    "all_events",
    "contract_for",
    "parse_data",
    "register",
    "wrap",
]
