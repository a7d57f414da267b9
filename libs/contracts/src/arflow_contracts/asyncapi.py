"""The AsyncAPI 3.0 document: one channel per topic, one message per event version."""

import copy
from importlib.metadata import version
from typing import Any

from arflow_contracts import topics
from arflow_contracts.envelope import EventData
from arflow_contracts.schemas import envelope_schema, event_schema, events_in_order

KAFKA_BINDING_VERSION = "0.5.0"
SCHEMAS = "#/components/schemas/"

HEADERS = {
    "ce_id": {"type": "string", "format": "uuid", "description": "= envelope event_id"},
    "ce_specversion": {"type": "string", "const": "1.0"},
    "correlation_id": {"type": "string", "description": "= envelope correlation_id"},
}


def message_name(model: type[EventData]) -> str:
    """Component name of an event version's message, e.g. InvoiceIssuedV1."""
    return f"{model.event_type}V{model.event_version}"


def channel_name(topic: str) -> str:
    """Channel id of a topic: ledger.events -> ledgerEvents."""
    head, *rest = topic.split(".")
    return head + "".join(part.capitalize() for part in rest)


def asyncapi_document() -> dict[str, Any]:
    """The whole document, as plain data ready for YAML."""
    schemas: dict[str, Any] = {"EventEnvelope": _component(envelope_schema())}
    messages: dict[str, Any] = {}
    for model in events_in_order():
        name = message_name(model)
        payload, defs = _hoist(_component(event_schema(model)), name)
        schemas[name] = payload
        schemas.update(defs)
        messages[name] = _message(model)
    return {
        "asyncapi": "3.0.0",
        "info": {
            "title": "arflow events",
            "version": version("arflow-contracts"),
            "description": "Events the arflow services publish on Kafka (or the in-process bus). "
            "Every message is a JSON envelope keyed by customer_id; see docs/events.md.",
        },
        "defaultContentType": "application/json",
        "channels": {channel_name(topic): _channel(topic) for topic in topics.ALL},
        "operations": {_operation_name(topic): _operation(topic) for topic in topics.ALL},
        "components": {"schemas": schemas, "messages": messages},
    }


def _topic_models(topic: str) -> list[type[EventData]]:
    return [model for model in events_in_order() if model.topic == topic]


def _channel(topic: str) -> dict[str, Any]:
    return {
        "address": topic,
        "title": topic,
        "description": f"Published by {topics.PRODUCER[topic]}, keyed by customer_id. "
        f"Messages that fail after retries go to {topics.dead_letter_topic(topic)}.",
        "messages": {
            message_name(model): {"$ref": f"#/components/messages/{message_name(model)}"}
            for model in _topic_models(topic)
        },
        "bindings": {"kafka": {"topic": topic, "bindingVersion": KAFKA_BINDING_VERSION}},
    }


def _operation_name(topic: str) -> str:
    return "publish" + channel_name(topic)[0].upper() + channel_name(topic)[1:]


def _operation(topic: str) -> dict[str, Any]:
    channel = f"#/channels/{channel_name(topic)}"
    return {
        "action": "send",
        "title": f"{topics.PRODUCER[topic]} publishes {topic}",
        "channel": {"$ref": channel},
        "messages": [{"$ref": f"{channel}/messages/{message_name(model)}"} for model in _topic_models(topic)],
    }


def _message(model: type[EventData]) -> dict[str, Any]:
    name = message_name(model)
    key = "the reserved '_platform'" if model.platform_wide else "the customer_id"
    return {
        "name": model.event_type,
        "title": f"{model.event_type} v{model.event_version}",
        "summary": (model.__doc__ or "").strip(),
        "contentType": "application/json",
        "headers": _headers(model),
        "payload": {
            "allOf": [
                {"$ref": SCHEMAS + "EventEnvelope"},
                {
                    "type": "object",
                    "properties": {
                        "event_type": {"const": model.event_type},
                        "event_version": {"const": model.event_version},
                        "data": {"$ref": SCHEMAS + name},
                    },
                },
            ]
        },
        "bindings": {
            "kafka": {
                "key": {"type": "string", "description": f"Message key: {key} of the envelope."},
                "bindingVersion": KAFKA_BINDING_VERSION,
            }
        },
    }


def _headers(model: type[EventData]) -> dict[str, Any]:
    return {
        "type": "object",
        "required": ["ce_type", "ce_specversion", "event_version", "ce_id", "correlation_id"],
        "properties": {
            **copy.deepcopy(HEADERS),  # shared objects would become YAML anchors
            "ce_type": {"type": "string", "const": model.event_type},
            "event_version": {"type": "string", "const": str(model.event_version)},
        },
    }


def _component(schema: dict[str, Any]) -> dict[str, Any]:
    """A schema without the keys that only make sense for a standalone file."""
    return {key: value for key, value in schema.items() if key not in ("$schema", "$id")}


def _hoist(schema: dict[str, Any], prefix: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """Move `$defs` to components, named `<prefix>.<def>`, rewriting their `$ref`s."""
    defs = schema.get("$defs", {})
    body = _rewrite({key: value for key, value in schema.items() if key != "$defs"}, prefix)
    return body, {f"{prefix}.{name}": _rewrite(value, prefix) for name, value in defs.items()}


def _rewrite(node: Any, prefix: str) -> Any:
    if isinstance(node, list):
        return [_rewrite(item, prefix) for item in node]
    if not isinstance(node, dict):
        return node
    rewritten = {key: _rewrite(value, prefix) for key, value in node.items()}
    ref = node.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/$defs/"):
        rewritten["$ref"] = f"{SCHEMAS}{prefix}.{ref.removeprefix('#/$defs/')}"
    return rewritten
