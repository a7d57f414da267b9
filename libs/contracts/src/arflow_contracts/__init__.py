"""arflow event contracts: the envelope, versioned event payloads, topic names."""

# Importing the producer modules registers their events.
from arflow_contracts import credit, dunning, ledger, notification  # noqa: F401
from arflow_contracts.envelope import PLATFORM_CUSTOMER_ID, EventData, EventEnvelope, wrap
from arflow_contracts.personal import personal_fields
from arflow_contracts.registry import (
    InvalidEvent,
    UnknownEvent,
    all_events,
    contract_for,
    parse_data,
    register,
)

__all__ = [
    "PLATFORM_CUSTOMER_ID",
    "EventData",
    "EventEnvelope",
    "InvalidEvent",
    "UnknownEvent",
    "all_events",
    "contract_for",
    "parse_data",
    "personal_fields",
    "register",
    "wrap",
]
