"""Every registered event survives the wire: wrap, bytes, envelope, payload."""

import json
from decimal import Decimal
from typing import Any

import pytest
from contract_samples import SAMPLES

from arflow_contracts import EventEnvelope, all_events, parse_data, wrap
from arflow_contracts.envelope import EventData


def _sample_id(sample: EventData) -> str:
    return f"{sample.event_type}.v{sample.event_version}"


def _no_floats(text: str) -> Any:
    raise AssertionError(f"a JSON number with a fraction on the wire: {text}")


def _decimal_paths(python: Any, wire: Any, path: str = "") -> list[tuple[str, Decimal, Any]]:
    """(path, Decimal in the model, the same value on the wire) for every Decimal."""
    if isinstance(python, Decimal):
        return [(path, python, wire)]
    if isinstance(python, dict):
        return [
            found
            for key, value in python.items()
            for found in _decimal_paths(value, wire[key], f"{path}.{key}")
        ]
    if isinstance(python, list | tuple):
        return [
            found
            for index, value in enumerate(python)
            for found in _decimal_paths(value, wire[index], f"{path}[{index}]")
        ]
    return []


def test_every_registered_event_has_exactly_one_sample() -> None:
    sampled = [(sample.event_type, sample.event_version) for sample in SAMPLES]
    assert sorted(sampled) == sorted(all_events())


@pytest.mark.parametrize("sample", SAMPLES, ids=_sample_id)
def test_event_round_trips_through_the_wire(sample: EventData) -> None:
    envelope = wrap(sample, producer="test", correlation_id="corr-1")

    received = EventEnvelope.from_bytes(envelope.to_bytes())

    assert received == envelope
    assert parse_data(received) == sample
    assert type(parse_data(received)) is type(sample)


@pytest.mark.parametrize("sample", SAMPLES, ids=_sample_id)
def test_money_travels_as_decimal_strings_never_floats(sample: EventData) -> None:
    raw = wrap(sample, producer="test").to_bytes()

    wire = json.loads(raw, parse_float=_no_floats)["data"]

    for path, value, on_wire in _decimal_paths(sample.model_dump(), wire):
        assert isinstance(on_wire, str), path
        assert Decimal(on_wire) == value, path


@pytest.mark.parametrize("sample", SAMPLES, ids=_sample_id)
def test_headers_name_the_type_version_and_ids(sample: EventData) -> None:
    envelope = wrap(sample, producer="test", correlation_id="corr-1")

    headers = dict(envelope.headers())

    assert headers["ce_type"] == sample.event_type.encode()
    assert headers["event_version"] == str(sample.event_version).encode()
    assert headers["ce_id"] == str(envelope.event_id).encode()
    assert headers["correlation_id"] == b"corr-1"
