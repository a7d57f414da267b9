"""When to try again after a transient failure: exponential backoff with jitter."""

import random
from dataclasses import dataclass
from datetime import timedelta


@dataclass(frozen=True)
class Backoff:
    """Delay before retry n: base × 2^(n-1), capped, then shortened by up to `jitter` of itself.

    Jitter spreads retries so that many messages failing together (an SMTP outage) do not
    all hit the server again in the same second when it returns.
    """

    base: timedelta
    cap: timedelta
    jitter: float = 0.5

    def __post_init__(self) -> None:
        if self.base <= timedelta(0) or self.cap < self.base:
            raise ValueError("backoff needs 0 < base <= cap")
        if not 0 <= self.jitter <= 1:
            raise ValueError("jitter is a fraction between 0 and 1")

    def ceiling(self, failures: int) -> timedelta:
        """The delay after `failures` failures, before jitter."""
        if failures < 1:
            raise ValueError("a retry follows at least one failure")
        exponent = min(failures - 1, 40)  # 2**40 × any base is past every cap
        return min(self.cap, self.base * (2**exponent))

    def delay(self, failures: int, rng: random.Random | None = None) -> timedelta:
        """The jittered delay after `failures` failures: in [ceiling × (1 - jitter), ceiling]."""
        ceiling = self.ceiling(failures)
        fraction = (rng or random).random()
        return ceiling * (1 - self.jitter * fraction)
