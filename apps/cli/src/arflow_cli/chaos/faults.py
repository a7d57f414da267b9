"""The fault injector: SIGKILL, SIGSTOP past the session timeout, broker, database and mail outages.

Faults run one after another at a steady pace over the run; each records what it did and how long
the platform took to come back (a killed service is restarted and awaited until ready).
"""

import asyncio
import random
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from arflow_cli.chaos.infra import Infrastructure
from arflow_cli.chaos.plan import ChaosPlan
from arflow_cli.chaos.poison import PoisonMessage, inject
from arflow_cli.chaos.smtp import MailSink
from arflow_cli.local import ServiceProcess
from arflow_runtime.bus.base import Bus


@dataclass
class FaultRecord:
    kind: str
    target: str
    at: float
    seconds: float
    error: str | None = None


@dataclass
class FaultLog:
    faults: list[FaultRecord] = field(default_factory=list)
    poison: list[PoisonMessage] = field(default_factory=list)

    def counts(self) -> Counter[str]:
        return Counter(f.kind for f in self.faults)


Step = tuple[str, str, Callable[[], Awaitable[None]]]


class FaultInjector:
    """Injects the plan's faults (and poison messages) evenly over the load phase."""

    def __init__(
        self,
        plan: ChaosPlan,
        services: dict[str, ServiceProcess],
        infrastructure: Infrastructure,
        sink: MailSink,
        bus: Bus,
        prefix: str,
        canaries: tuple[str, str],
    ) -> None:
        self.plan = plan
        self.services = services
        self.infrastructure = infrastructure
        self.sink = sink
        self.bus = bus
        self.prefix = prefix
        self.canaries = canaries
        self.log = FaultLog()
        self.rng = random.Random(plan.seed * 7919)

    # ---------------------------------------------------------------- the faults

    async def _restart(self, service: ServiceProcess) -> None:
        for attempt in range(3):
            try:
                await service.start(ready_within=180)
                return
            except (RuntimeError, TimeoutError):
                service.kill()
                if attempt == 2:
                    raise

    def _kill(self, service: ServiceProcess) -> Callable[[], Awaitable[None]]:
        async def fault() -> None:
            service.kill()
            # Sometimes stay down a moment: requests meet a closed port, events pile up.
            await asyncio.sleep(self.rng.choice((0.0, 0.5, 2.0)))
            await self._restart(service)

        return fault

    def _pause(self, service: ServiceProcess) -> Callable[[], Awaitable[None]]:
        async def fault() -> None:
            service.pause()
            try:
                await asyncio.sleep(self.plan.pause_seconds)  # frozen past the session timeout
            finally:
                service.resume()

        return fault

    async def _kafka(self) -> None:
        await self.infrastructure.stop_kafka()
        try:
            await asyncio.sleep(self.plan.outage_seconds)  # the broker stays away a while
        finally:
            await self.infrastructure.start_kafka()

    async def _postgres(self) -> None:
        await self.infrastructure.stop_postgres()
        try:
            await asyncio.sleep(self.plan.outage_seconds)  # the database stays away a while
        finally:
            await self.infrastructure.start_postgres()

    async def _smtp(self) -> None:
        self.sink.stop()
        try:
            await asyncio.sleep(self.plan.outage_seconds)  # the mail server stays away a while
        finally:
            self.sink.start()

    def _poison(self, serial: int) -> Callable[[], Awaitable[None]]:
        async def step() -> None:
            email, phone = self.canaries
            for attempt in range(30):
                try:
                    message = await inject(self.bus, self.prefix, serial, email, phone)
                    self.log.poison.append(message)
                    return
                except Exception:
                    if attempt == 29:
                        raise
                    await asyncio.sleep(1.0)  # the broker may still be electing leaders

        return step

    # ---------------------------------------------------------------- the schedule

    def schedule(self) -> list[Step]:
        """Every fault of the plan, shuffled (seeded), with poison messages spread among them."""
        steps: list[Step] = []
        killed = self.rng.sample(sorted(self.services), k=min(self.plan.services_killed, len(self.services)))
        for name in killed:
            steps += [
                ("SIGKILL", name, self._kill(self.services[name])) for _ in range(self.plan.kills_per_service)
            ]
        # The ledger is frozen first: the ERP's requests time out (8 s) and are sent again while the
        # first attempts still wait inside the frozen process, the duplicates idempotency must absorb.
        others = self.rng.sample(sorted(set(self.services) - {"invoice-service"}), k=len(self.services) - 1)
        paused = (["invoice-service"] + others)[: min(self.plan.pauses, len(self.services))]
        steps += [("SIGSTOP", name, self._pause(self.services[name])) for name in paused]
        steps += [("Kafka restart", "broker", self._kafka) for _ in range(self.plan.kafka_restarts)]
        steps += [
            ("PostgreSQL restart", "server", self._postgres) for _ in range(self.plan.postgres_restarts)
        ]
        steps += [("SMTP outage", "mail sink", self._smtp) for _ in range(self.plan.smtp_outages)]
        self.rng.shuffle(steps)
        every = max(1, len(steps) // max(1, self.plan.poison_messages))
        with_poison: list[Step] = []
        serial = 0
        for n, step in enumerate(steps):
            with_poison.append(step)
            if n % every == every - 1 and serial < self.plan.poison_messages:
                with_poison.append(("poison", "topic", self._poison(serial)))
                serial += 1
        while serial < self.plan.poison_messages:
            with_poison.append(("poison", "topic", self._poison(serial)))
            serial += 1
        return with_poison

    async def run(self, load_seconds: float) -> None:
        """Inject every step, evenly spread over the load phase (sequential: one fault at a time)."""
        loop = asyncio.get_running_loop()
        steps = self.schedule()
        started = loop.time()
        # Leave a calm start (customers, first events) and a calm end before the load stops.
        window = load_seconds * 0.85
        spacing = window / (len(steps) + 1)
        for n, (kind, target, action) in enumerate(steps, 1):
            # Pacing between faults (the injector's rhythm, not a wait on a condition).
            await asyncio.sleep(max(0.0, started + n * spacing - loop.time()))
            began = loop.time()
            error = None
            try:
                await action()
            except Exception as failure:  # recorded and reported: the run goes on
                error = f"{type(failure).__name__}: {failure}"[:300]
            if kind != "poison":
                self.log.faults.append(FaultRecord(kind, target, began - started, loop.time() - began, error))
