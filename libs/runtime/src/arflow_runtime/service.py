"""The one place a service is assembled: engine, migrations, bus, outbox relay, consumers, API."""

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import structlog
from fastapi import APIRouter, FastAPI

from arflow_contracts.topics import dead_letter_topic
from arflow_runtime.auth import ApiKeyring
from arflow_runtime.bus.base import Bus
from arflow_runtime.collector import freeze_start_up_objects
from arflow_runtime.consumer import ConsumerLoop
from arflow_runtime.db import Database, create_engine
from arflow_runtime.errors import install_problem_handlers
from arflow_runtime.handlers import EventDispatcher, EventHandlers
from arflow_runtime.http import health_router, install_request_context
from arflow_runtime.log import configure_logging, get_logger
from arflow_runtime.metrics import ServiceMetrics
from arflow_runtime.migrations import apply_migrations
from arflow_runtime.openapi import problem_openapi
from arflow_runtime.outbox import Outbox, OutboxRelay
from arflow_runtime.settings import PlatformSettings, ServiceSettings

log = get_logger(__name__)

BackgroundJob = Callable[["ServiceRuntime"], Awaitable[None]]


@dataclass
class ServiceDefinition:
    """What a service consists of; its main.py fills this in."""

    name: str
    title: str
    settings: ServiceSettings
    migrations: str
    routers: Sequence[APIRouter]
    handlers: EventHandlers = field(default_factory=EventHandlers)
    produces: Sequence[str] = ()
    background: Sequence[BackgroundJob] = ()
    description: str = ""
    domain_errors: tuple[type[Exception], ...] = ()
    """The service's own error bases, rendered as problem+json (see errors.install_problem_handlers)."""


@dataclass
class ServiceRuntime:
    """A running service: what its endpoints, handlers and jobs use."""

    name: str
    settings: Any
    platform: PlatformSettings
    database: Database
    bus: Bus
    metrics: ServiceMetrics
    keyring: ApiKeyring
    consumers: list[ConsumerLoop] = field(default_factory=list)
    relay: OutboxRelay | None = None

    def topic(self, contract_topic: str) -> str:
        """A contract topic with this deployment's prefix."""
        return self.platform.topic(contract_topic)

    @property
    def consumer_group(self) -> str:
        return self.platform.topic_prefix + self.name


def build_bus(platform: PlatformSettings, client_id: str) -> Bus:
    """Kafka in distributed mode; the durable in-process log in embedded mode."""
    if platform.mode == "distributed":
        from arflow_runtime.bus.kafka import KafkaBus

        return KafkaBus(platform, client_id=client_id)
    from arflow_runtime.bus.memory import InProcessBus

    return InProcessBus(platform.data_dir / "bus.sqlite", partitions=platform.topic_partitions)


async def _start_with_retry(bus: Bus, what: str, deadline_seconds: float = 120.0) -> None:
    loop = asyncio.get_running_loop()
    give_up = loop.time() + deadline_seconds
    delay = 0.2
    while True:
        try:
            await bus.start()
            return
        except Exception as error:
            if loop.time() > give_up:
                raise
            log.warning("bus.start.retry", service=what, error=type(error).__name__)
            await asyncio.sleep(delay)  # the broker is not reachable yet: back off
            delay = min(delay * 2, 5.0)


STOP_STEP_SECONDS = 10.0
"""How long shutdown waits for each of jobs, bus and database before going on without it."""


async def _within(seconds: float, part: str, step: Awaitable[object]) -> None:
    """Await one shutdown step, giving up (with a warning) after `seconds`."""
    try:
        async with asyncio.timeout(seconds):
            await step
    except TimeoutError:
        log.warning("service.stop.timed_out", part=part, seconds=seconds)


async def _supervise(service: str, name: str, job: Callable[[], Awaitable[None]]) -> None:
    """Run a long-lived job; if it dies of a bug, log it and start it again after a pause."""
    structlog.contextvars.bind_contextvars(service=service)  # this task's own context copy
    delay = 0.5
    while True:
        try:
            await job()
            return
        except asyncio.CancelledError:
            raise
        except Exception as error:
            log.error("service.job.crashed", job=name, error=type(error).__name__, exc_info=error)
            await asyncio.sleep(delay)  # avoid a hot crash loop
            delay = min(delay * 2, 30.0)


def create_service_app(
    definition: ServiceDefinition,
    platform: PlatformSettings | None = None,
    bus: Bus | None = None,
) -> FastAPI:
    """A FastAPI app that, when started, migrates, connects and runs the service's consumers."""
    platform = platform or PlatformSettings()
    configure_logging(platform.log_level)
    keyring = ApiKeyring.from_settings(platform)
    metrics = ServiceMetrics(definition.name)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        url = definition.settings.resolved_database_url(platform, definition.name)
        if url.startswith("sqlite"):
            platform.data_dir.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, definition.settings.database_pool_size)
        await apply_migrations(engine, definition.migrations)
        own_bus = bus is None
        service_bus = bus or build_bus(platform, definition.name)
        if own_bus:
            await _start_with_retry(service_bus, definition.name)
        outbox = Outbox(definition.name, platform.topic_prefix)
        database = Database(engine, outbox)
        runtime = ServiceRuntime(
            definition.name, definition.settings, platform, database, service_bus, metrics, keyring
        )
        app.state.runtime = runtime
        consumed = [platform.topic(t) for t in definition.handlers.topics()]
        produced = [platform.topic(t) for t in definition.produces]
        await service_bus.ensure_topics([*produced, *consumed, *(dead_letter_topic(t) for t in consumed)])
        runtime.relay = OutboxRelay(engine, outbox, service_bus, definition.settings.outbox_batch_size)
        jobs: dict[str, Callable[[], Awaitable[None]]] = {"outbox-relay": runtime.relay.run}
        role = definition.settings.process_role
        consumes = role in ("all", "replica")
        if consumed and consumes:
            dispatcher = EventDispatcher(definition.name, definition.handlers, database, metrics)
            loop = ConsumerLoop(
                service_bus,
                runtime.consumer_group,
                consumed,
                dispatcher,
                max_attempts=definition.settings.consumer_max_attempts,
                on_dead_letter=lambda record, _: metrics.dead_lettered.labels(record.topic).inc(),
                batch_key=dispatcher.batch_key,
                handle_batch=dispatcher.dispatch_batch,
                # Services that apply runs of events together read bigger runs per poll.
                max_records=1000 if definition.handlers.batches() else 200,
            )
            runtime.consumers.append(loop)
            jobs["consumer"] = loop.run
        for job in definition.background if role == "all" else ():
            jobs[getattr(job, "__name__", "job")] = lambda job=job: job(runtime)
        tasks = [
            asyncio.create_task(_supervise(definition.name, name, job), name=f"{definition.name}:{name}")
            for name, job in jobs.items()
        ]
        freeze_start_up_objects()
        log.info(
            "service.started",
            service=definition.name,
            mode=platform.mode,
            role=role,
            consumes=consumed if consumes else [],
        )
        try:
            yield
        finally:
            for task in tasks:
                task.cancel()
            # Each step is bounded: a process asked to stop must stop, even when a connection
            # the database or broker dropped leaves a close waiting for an answer that never comes.
            await _within(STOP_STEP_SECONDS, "jobs", asyncio.gather(*tasks, return_exceptions=True))
            if own_bus:
                await _within(STOP_STEP_SECONDS, "bus", service_bus.stop())
            await _within(STOP_STEP_SECONDS, "database", engine.dispose())
            log.info("service.stopped", service=definition.name)

    app = FastAPI(
        title=definition.title,
        description=definition.description,
        version="0.1.0",
        lifespan=lifespan,
    )
    app.openapi = lambda: problem_openapi(app)  # type: ignore[method-assign]
    app.state.keyring = keyring
    install_problem_handlers(app, definition.domain_errors)
    install_request_context(app, definition.name)
    app.include_router(health_router())
    for router in definition.routers:
        app.include_router(router)
    return app
