"""The correlation id of the request or event being handled, carried through contextvars."""

from contextvars import ContextVar
from uuid import uuid4

import structlog

_correlation_id: ContextVar[str | None] = ContextVar("correlation_id", default=None)
_causation_id: ContextVar[str | None] = ContextVar("causation_id", default=None)


def correlation_id() -> str:
    """The current correlation id, or a fresh one."""
    return _correlation_id.get() or str(uuid4())


def causation_id() -> str | None:
    """The id of the event being handled, if any."""
    return _causation_id.get()


def bind(*, correlation: str | None = None, causation: str | None = None, **fields: str) -> None:
    """Set ids for this task's context and its log lines."""
    if correlation:
        _correlation_id.set(correlation)
        fields["correlation_id"] = correlation
    if causation:
        _causation_id.set(causation)
        fields["event_id"] = causation
    structlog.contextvars.bind_contextvars(**fields)


def clear() -> None:
    """Forget ids at the end of a request or event."""
    _correlation_id.set(None)
    _causation_id.set(None)
    structlog.contextvars.unbind_contextvars("correlation_id", "event_id")
