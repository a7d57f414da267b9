"""A per-customer, per-channel rate limit over a sliding window."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class RateLimit:
    """At most `messages` messages per `per`; zero messages means no limit."""

    messages: int
    per: timedelta

    def __post_init__(self) -> None:
        if self.messages < 0 or self.per <= timedelta(0):
            raise ValueError("a rate limit needs messages >= 0 and a positive window")

    def next_free_slot(self, sent: Iterable[datetime], now: datetime) -> datetime:
        """`now` when one more message fits, else the instant the window has room again."""
        if self.messages == 0:
            return now
        recent = sorted(at for at in sent if now - self.per < at <= now)
        if len(recent) < self.messages:
            return now
        # The window has room once all but messages-1 of the recent sends have aged out.
        return recent[len(recent) - self.messages] + self.per
