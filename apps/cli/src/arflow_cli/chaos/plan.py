"""How long a chaos run lasts, how hard the driver pushes and which faults it suffers."""

from dataclasses import dataclass, replace
from datetime import date


@dataclass(frozen=True)
class ChaosPlan:
    """One chaos run: load, business clock and fault schedule."""

    minutes: float = 10.0
    customers: int = 16
    operations_per_second: float = 3.0
    seconds_per_business_day: float = 2.5
    concurrency: int = 6
    kills_per_service: int = 4
    services_killed: int = 4
    pauses: int = 2
    pause_seconds: float = 15.0  # > the consumer session timeout (10 s, arflow_runtime.bus.kafka)
    kafka_restarts: int = 2
    postgres_restarts: int = 2
    smtp_outages: int = 1
    outage_seconds: float = 6.0
    poison_messages: int = 8
    seed: int = 8
    first_business_day: date = date(2025, 3, 3)
    quiet_timeout: float = 600.0

    @property
    def faults(self) -> int:
        """Faults the injector will inject (poison messages are counted on their own)."""
        return (
            self.services_killed * self.kills_per_service
            + self.pauses
            + self.kafka_restarts
            + self.postgres_restarts
            + self.smtp_outages
        )

    def with_minutes(self, minutes: float | None) -> "ChaosPlan":
        return self if minutes is None else replace(self, minutes=minutes)


LONG = ChaosPlan()
"""`make chaos`: at least 10 minutes of load and more than 20 faults."""

SHORT = ChaosPlan(
    minutes=1.0,
    customers=8,
    operations_per_second=5.0,
    seconds_per_business_day=1.5,
    kills_per_service=1,
    services_killed=2,
    pauses=1,
    pause_seconds=12.0,
    kafka_restarts=1,
    postgres_restarts=1,
    smtp_outages=0,
    outage_seconds=4.0,
    poison_messages=4,
    quiet_timeout=240.0,
)
"""The version `make test` runs (about 2-3 minutes)."""
