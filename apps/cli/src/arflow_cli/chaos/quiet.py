"""Waiting for quiet after the load: conditions on the platform's own state, never a fixed time."""

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from arflow_cli.local import ServiceProcess
from arflow_runtime.bus.base import Bus


@dataclass(frozen=True)
class Quiet:
    """One look at everything that may still be moving."""

    unpublished: dict[str, int]
    lag: dict[str, int]
    notifications_due: int
    dunning_days_running: int
    dunning_last_day: date | None

    def reached(self, last_closed: date | None) -> bool:
        return (
            not any(self.unpublished.values())
            and not any(self.lag.values())
            and self.notifications_due == 0
            and self.dunning_days_running == 0
            and (last_closed is None or self.dunning_last_day == last_closed)
        )


async def _count(service: ServiceProcess, query: str) -> int:
    rows = await service.sql(query)
    return int(rows[0][0] or 0)


async def look(services: dict[str, ServiceProcess], bus: Bus, groups: dict[str, Sequence[str]]) -> Quiet:
    """Unpublished outbox rows, consumer lag, notifications still to send, dunning days unfinished."""
    unpublished = {
        name: await _count(service, "SELECT count(*) FROM outbox WHERE published_at IS NULL")
        for name, service in services.items()
    }
    lag = {group: await bus.lag(group, list(topics)) for group, topics in groups.items()}
    notification, dunning = services["notification-service"], services["dunning-service"]
    due = await _count(notification, "SELECT count(*) FROM notifications WHERE status = 'scheduled'")
    running = await _count(dunning, "SELECT count(*) FROM business_days WHERE status = 'running'")
    last = (await dunning.sql("SELECT max(business_date) FROM business_days"))[0][0]
    return Quiet(unpublished, lag, due, running, last)


async def wait_for_quiet(
    services: dict[str, ServiceProcess],
    bus: Bus,
    groups: dict[str, Sequence[str]],
    last_closed: date | None,
    timeout: float,
) -> tuple[Quiet, float, bool]:
    """Poll until quiet is reached twice in a row; the last look, the seconds it took, and whether."""
    loop = asyncio.get_running_loop()
    started = loop.time()
    streak = 0
    while True:
        try:
            seen = await look(services, bus, groups)
        except Exception:  # a server still coming back after the last fault
            seen, streak = None, 0
        if seen is not None and seen.reached(last_closed):
            streak += 1
            if streak == 2:
                return seen, loop.time() - started, True
        else:
            streak = 0
        if loop.time() - started > timeout:
            if seen is None:
                raise TimeoutError(f"no quiet within {timeout:.0f}s: the servers do not answer")
            return seen, loop.time() - started, False
        await asyncio.sleep(0.5)  # polling interval of a bounded wait on a condition
