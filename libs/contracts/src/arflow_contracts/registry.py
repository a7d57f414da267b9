"""Every known (event_type, event_version) and its payload model."""

from pydantic import ValidationError

from arflow_contracts.envelope import EventData, EventEnvelope


class UnknownEvent(LookupError):
    """No contract for this event type and version."""


class InvalidEvent(ValueError):
    """The payload does not match its contract."""


_EVENTS: dict[tuple[str, int], type[EventData]] = {}


def register(model: type[EventData]) -> type[EventData]:
    """Class decorator: add an event payload model to the registry."""
    key = (model.event_type, model.event_version)
    if key in _EVENTS and _EVENTS[key] is not model:
        raise ValueError(f"event {key} registered twice")
    _EVENTS[key] = model
    return model


def all_events() -> dict[tuple[str, int], type[EventData]]:
    """A copy of the registry."""
    return dict(_EVENTS)


def contract_for(event_type: str, event_version: int) -> type[EventData]:
    """The payload model for a type and version; UnknownEvent if there is none."""
    try:
        return _EVENTS[(event_type, event_version)]
    except KeyError:
        raise UnknownEvent(f"no contract for {event_type} v{event_version}") from None


def parse_data(envelope: EventEnvelope) -> EventData:
    """Validate an envelope's data against its contract."""
    model = contract_for(envelope.event_type, envelope.event_version)
    try:
        return model.model_validate(envelope.data)
    except ValidationError as error:
        raise InvalidEvent(
            f"{envelope.event_type} v{envelope.event_version}: {error.error_count()} invalid fields"
        ) from error
