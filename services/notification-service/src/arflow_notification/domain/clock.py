"""Time is injectable: everything that asks "what time is it" asks a Clock."""

from datetime import UTC, datetime
from typing import Protocol


class Clock(Protocol):
    """Tells the current instant (UTC, timezone-aware)."""

    def now(self) -> datetime: ...


class SystemClock:
    """The machine's clock."""

    def now(self) -> datetime:
        """The current instant in UTC."""
        return datetime.now(UTC)


class UtcClock:
    """Any clock, its instants normalised to UTC (an injected clock may answer in another zone)."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock

    def now(self) -> datetime:
        """The wrapped clock's instant in UTC."""
        instant = self._clock.now()
        if instant.tzinfo is None:
            raise ValueError("a clock must answer with a timezone-aware instant")
        return instant.astimezone(UTC)
