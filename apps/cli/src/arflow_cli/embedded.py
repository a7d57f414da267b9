"""`arflow run`: all four services in one process, SQLite files and the in-process bus."""

import asyncio
import signal

import uvicorn

from arflow_cli.services import SERVICES
from arflow_runtime.auth import DEV_KEY
from arflow_runtime.bus.memory import InProcessBus
from arflow_runtime.log import configure_logging
from arflow_runtime.settings import PlatformSettings


class _Server(uvicorn.Server):
    """A uvicorn server that leaves signal handling to the launcher (four share one process)."""

    def capture_signals(self):  # type: ignore[no-untyped-def,override]
        import contextlib

        return contextlib.nullcontext()


async def run_embedded(platform: PlatformSettings) -> None:
    """Serve every service until SIGINT or SIGTERM, then stop them cleanly."""
    configure_logging(platform.log_level)
    platform.data_dir.mkdir(parents=True, exist_ok=True)
    bus = InProcessBus(platform.data_dir / "bus.sqlite", partitions=platform.topic_partitions)
    await bus.start()
    servers = []
    for service in SERVICES.values():
        settings = service.settings()
        app = service.create_app(settings=settings, platform=platform, bus=bus)
        config = uvicorn.Config(
            app, host=settings.host, port=settings.port, log_level="warning", access_log=False, lifespan="on"
        )
        servers.append((service.name, settings, _Server(config)))
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    tasks = [asyncio.create_task(server.serve()) for _, _, server in servers]
    try:
        while not all(server.started for _, _, server in servers):
            if any(task.done() for task in tasks):
                break
            await asyncio.wait(tasks, timeout=0.1)
        if all(server.started for _, _, server in servers):
            _banner(servers, platform)
            await asyncio.wait(
                [asyncio.create_task(stop.wait()), *tasks], return_when=asyncio.FIRST_COMPLETED
            )
    finally:
        for _, _, server in servers:
            server.should_exit = True
        await asyncio.gather(*tasks, return_exceptions=True)
        await bus.stop()
        print("arflow stopped.", flush=True)
    failed = [name for (name, _, server), task in zip(servers, tasks, strict=True) if not server.started]
    if failed:
        raise SystemExit(f"could not start: {', '.join(failed)} (is the port in use?)")


def _banner(servers: list, platform: PlatformSettings) -> None:  # type: ignore[type-arg]
    lines = [
        "",
        "arflow is running (embedded: SQLite files and the in-process bus under "
        f"{platform.data_dir.resolve()}/)",
    ]
    for name, settings, _ in servers:
        lines.append(f"  {name:<22} http://{settings.host}:{settings.port}   docs: /docs")
    if platform.api_keys is None:
        lines.append(f"  API key (development): {DEV_KEY}   e.g. -H 'Authorization: Bearer {DEV_KEY}'")
    lines.append("  Ctrl-C stops it.")
    print("\n".join(lines), flush=True)
