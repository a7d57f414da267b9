"""docs/asyncapi.yaml parses, lists every event, and its references resolve."""

from pathlib import Path
from typing import Any

import pytest
import yaml  # type: ignore[import-untyped]

from arflow_contracts import all_events, topics
from arflow_contracts.export import ASYNCAPI_FILE, find_root

ROOT = find_root(Path(__file__).parent)


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((ROOT / ASYNCAPI_FILE).read_text(encoding="utf-8"))
    return loaded


def _refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        own = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
        return own + [ref for value in node.values() for ref in _refs(value)]
    if isinstance(node, list):
        return [ref for value in node for ref in _refs(value)]
    return []


def _resolve(document: dict[str, Any], ref: str) -> Any:
    target: Any = document
    for token in ref.removeprefix("#/").split("/"):
        target = target[token]
    return target


def test_it_is_asyncapi_3_with_a_channel_per_topic(document: dict[str, Any]) -> None:
    assert document["asyncapi"] == "3.0.0"
    addresses = sorted(channel["address"] for channel in document["channels"].values())
    assert addresses == sorted(topics.ALL)


def test_every_registered_event_is_a_message_on_its_topic(document: dict[str, Any]) -> None:
    for (event_type, version), model in all_events().items():
        name = f"{event_type}V{version}"
        message = document["components"]["messages"][name]
        channel = next(c for c in document["channels"].values() if c["address"] == model.topic)
        assert name in channel["messages"]
        assert message["name"] == event_type
        assert message["headers"]["properties"]["ce_type"]["const"] == event_type
        data = message["payload"]["allOf"][1]["properties"]["data"]
        assert data == {"$ref": f"#/components/schemas/{name}"}


def test_it_uses_no_yaml_anchors_that_tools_stumble_on() -> None:
    assert "&id0" not in (ROOT / ASYNCAPI_FILE).read_text(encoding="utf-8")


def test_every_reference_resolves(document: dict[str, Any]) -> None:
    for ref in _refs(document):
        assert ref.startswith("#/"), ref
        assert _resolve(document, ref) is not None, ref
