"""The `arflow` command: run the platform or one service."""

import argparse
import asyncio
import socket

import uvicorn
import uvloop

from arflow_cli import chaos, dlq, processes
from arflow_cli.demo import cli as demo
from arflow_cli.replay import cli as replay
from arflow_cli.services import SERVICES
from arflow_runtime.collector import collect_less_often
from arflow_runtime.settings import PlatformSettings


def _serve(name: str, listen_fd: int | None = None) -> None:
    service = SERVICES[name]
    settings = service.settings()
    platform = PlatformSettings()
    if settings.processes > 1 and listen_fd is None:
        processes.check_processes_allowed(name, settings, platform)
        raise SystemExit(processes.serve_processes(name, settings, platform))
    app = service.create_app(settings=settings, platform=platform)
    collect_less_often()
    if listen_fd is None:
        uvicorn.run(app, host=settings.host, port=settings.port, log_level="warning", access_log=False)
        return
    # One of the service's processes (arflow_cli.processes): the socket is already listening.
    config = uvicorn.Config(app, log_level="warning", access_log=False)
    uvicorn.Server(config).run(sockets=[socket.socket(fileno=listen_fd)])


def main(argv: list[str] | None = None) -> None:
    """Entry point of the `arflow` command."""
    parser = argparse.ArgumentParser(prog="arflow", description="arflow accounts-receivable platform")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("run", help="all four services in one process (embedded default)")
    serve = commands.add_parser("serve", help="one service (configure with ARFLOW_*/<SERVICE>_* variables)")
    serve.add_argument("service", choices=sorted(SERVICES))
    serve.add_argument("--listen-fd", type=int, help=argparse.SUPPRESS)  # set by arflow_cli.processes
    dlq.add_commands(commands)
    replay.add_commands(commands)
    demo.add_command(commands)
    chaos.add_command(commands)
    commands.add_parser("config-doc", help="print docs/configuration.md (every variable, generated)")
    args = parser.parse_args(argv)
    if args.command == "run":
        from arflow_cli.embedded import run_embedded  # every service: imported for `run` only

        collect_less_often()
        uvloop.run(run_embedded(PlatformSettings()))  # the loop `serve` gets from uvicorn too
    elif args.command == "serve":
        _serve(args.service, args.listen_fd)
    elif args.command == "dlq":
        raise SystemExit(asyncio.run(dlq.run(args, PlatformSettings())))
    elif args.command == "chaos":
        raise SystemExit(chaos.run(args))
    elif args.command == "demo":
        raise SystemExit(demo.run(args))
    elif args.command in ("replay", "generate"):
        raise SystemExit(replay.run(args))
    elif args.command == "config-doc":
        from arflow_cli.configuration import render_markdown

        print(render_markdown(), end="")


if __name__ == "__main__":
    main()
