"""JSON Schemas of the envelope and of every registered event version."""

import json
from typing import Any

from arflow_contracts import topics
from arflow_contracts.envelope import PLATFORM_CUSTOMER_ID, EventData, EventEnvelope
from arflow_contracts.registry import all_events

DIALECT = "https://json-schema.org/draft/2020-12/schema"
ENVELOPE_FILE = "envelope.schema.json"


def schema_file(model: type[EventData]) -> str:
    """File name of an event version's schema, e.g. InvoiceIssued.v1.json."""
    return f"{model.event_type}.v{model.event_version}.json"


def events_in_order() -> list[type[EventData]]:
    """Registered events grouped by topic (topics.ALL order), then as registered."""
    models = list(all_events().values())
    return sorted(models, key=lambda model: topics.ALL.index(model.topic))


def partition_key_of(model: type[EventData]) -> str:
    """What the envelope's `customer_id` holds for this event."""
    return repr(PLATFORM_CUSTOMER_ID) if model.platform_wide else "customer_id"


def event_schema(model: type[EventData]) -> dict[str, Any]:
    """The payload (`data`) schema of one event version, with its identity as x- keys."""
    return {
        "$schema": DIALECT,
        "$id": f"urn:arflow:event:{model.event_type}:v{model.event_version}",
        "x-event-type": model.event_type,
        "x-event-version": model.event_version,
        "x-topic": model.topic,
        "x-partition-key": partition_key_of(model),
        **model.model_json_schema(),
    }


def envelope_schema() -> dict[str, Any]:
    """The schema of the envelope every event travels in."""
    return {
        "$schema": DIALECT,
        "$id": "urn:arflow:envelope",
        **EventEnvelope.model_json_schema(mode="serialization"),
    }


def to_json(schema: dict[str, Any]) -> str:
    """Byte-stable JSON text: sorted keys, two-space indent, trailing newline."""
    return json.dumps(schema, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
