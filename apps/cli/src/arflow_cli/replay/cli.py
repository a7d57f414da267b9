"""`arflow replay FILE` and `arflow generate OUT.csv`."""

import argparse
import asyncio
import functools
import os
import sys
import time
from datetime import date
from pathlib import Path

from arflow_cli.replay.client import (
    DEFAULT_PORTS,
    DEV_KEY,
    ApiProblem,
    Endpoints,
    PlatformClient,
    Service,
    Unreachable,
)
from arflow_cli.replay.engine import ReplayEngine
from arflow_cli.replay.generator import generate
from arflow_cli.replay.operations import ReplayInputError
from arflow_cli.replay.progress import Progress
from arflow_cli.replay.settle import Settler, bus_probe, outbox_pending_of
from arflow_cli.replay.sources import FORMATS, guess_format, open_source
from arflow_cli.replay.summary import ReplaySummary
from arflow_runtime.settings import PlatformSettings

SETTLE_MODES = ("auto", "bus", "none")


def add_platform_arguments(parser: argparse.ArgumentParser) -> None:
    """Where the platform is and how to get in (shared with `arflow demo`)."""
    where = parser.add_argument_group("platform")
    where.add_argument(
        "--url-base",
        metavar="URL",
        help="one host for all four services on their default ports, e.g. http://127.0.0.1",
    )
    where.add_argument(
        "--urls",
        metavar="LIST",
        help="credit=URL,ledger=URL,dunning=URL,notification=URL (or four URLs in that order)",
    )
    where.add_argument(
        "--ports",
        metavar="C,L,D,N",
        help="ports of credit, ledger, dunning, notification on 127.0.0.1 (default 8001,8002,8003,8004)",
    )
    where.add_argument(
        "--api-key",
        default=None,
        help=f"bearer key (default: $ARFLOW_API_KEY, else the development key {DEV_KEY})",
    )


def endpoints_from(args: argparse.Namespace) -> Endpoints:
    """The service URLs the arguments (or ARFLOW_REPLAY_URLS) name; default ports on loopback."""
    urls = args.urls or os.environ.get("ARFLOW_REPLAY_URLS")
    if urls:
        return Endpoints.parse(urls)
    if args.url_base:
        return Endpoints.with_base(args.url_base)
    if args.ports:
        numbers = [int(p) for p in args.ports.split(",")]
        if len(numbers) != 4:
            raise SystemExit("--ports takes four ports: credit,ledger,dunning,notification")
        return Endpoints.on_ports(ports=dict(zip(DEFAULT_PORTS, numbers, strict=True)))  # type: ignore[arg-type]
    return Endpoints.on_ports()


def api_key_from(args: argparse.Namespace) -> str:
    return args.api_key or os.environ.get("ARFLOW_API_KEY") or DEV_KEY


def add_replay_arguments(parser: argparse.ArgumentParser) -> None:
    """How to replay (shared with `arflow demo`)."""
    how = parser.add_argument_group("replay")
    how.add_argument("--customers", type=int, metavar="N", help="only the first N customers of the file")
    how.add_argument(
        "--until", type=date.fromisoformat, metavar="YYYY-MM-DD", help="stop after this business day"
    )
    how.add_argument(
        "--settle",
        choices=SETTLE_MODES,
        default="auto",
        help="wait for the platform to catch up before and after each day close by watching the bus "
        "(auto: when it can be reached; none: post as fast as the APIs take it)",
    )
    how.add_argument(
        "--batch-size", type=int, default=500, help="invoices/payments per batch request (1 = none)"
    )
    how.add_argument("--concurrency", type=int, default=8, help="requests in flight at once")
    how.add_argument("--no-progress", action="store_true", help="no progress bar")
    how.add_argument(
        "--currency",
        default="auto",
        metavar="auto|local|CODE",
        help="the IBM sample's currency: auto = credit-service's credit currency, local = each country's "
        "own (docs/replay.md), or an ISO 4217 code",
    )


def add_commands(commands: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    """Register `replay` and `generate`."""
    replay = commands.add_parser(
        "replay", help="replay an ERP export through the REST APIs (see docs/replay.md)"
    )
    replay.add_argument("file", type=Path)
    replay.add_argument("--format", choices=FORMATS, help="ibm or generic (default: from the header)")
    replay.add_argument(
        "--no-close", action="store_true", help="post documents only, never close business days"
    )
    add_replay_arguments(replay)
    add_platform_arguments(replay)
    gen = commands.add_parser("generate", help="write a seeded, realistic ERP history in the generic format")
    gen.add_argument("out", type=Path, help="the CSV file to write ('-' for stdout)")
    gen.add_argument("--customers", type=int, default=200)
    gen.add_argument("--invoices", type=int, default=5000)
    gen.add_argument("--seed", type=int, default=1)
    gen.add_argument("--start", type=date.fromisoformat, default=date(2023, 1, 2), help="first business day")
    gen.add_argument("--days", type=int, default=730, help="length of the history in days")


async def make_settler(mode: str, platform: PlatformSettings, client: PlatformClient) -> Settler:
    """A settler on the platform's bus, or none (with a warning when `auto` cannot reach it)."""
    if mode == "none":
        return Settler(None)
    try:
        probe = await bus_probe(platform)
    except Exception as error:
        if mode == "bus":
            raise SystemExit(f"cannot watch the platform's bus: {error}") from None
        print(
            f"note: not waiting for the platform between days ({error}); dunning figures then depend on "
            "how fast it keeps up",
            file=sys.stderr,
        )
        return Settler(None)
    quiet = os.environ.get("ARFLOW_REPLAY_QUIET_SECONDS")
    if probe.reads_outboxes:
        # Reading files costs the platform nothing: look often, and a short second look suffices, as
        # two snapshots with the same log end and nothing lagging or unpublished in between are idle.
        return Settler(probe, quiet=float(quiet or 0.002), longest_poll=0.005)

    async def unpublished(service: Service) -> int:
        """The service's outbox backlog: quiet means every committed event is on the bus too."""
        return outbox_pending_of((await client.request(service, "GET", "/metrics")).text)

    pings = [functools.partial(unpublished, s) for s in DEFAULT_PORTS]
    return Settler(probe, pings, quiet=float(quiet or 0.02))


async def ibm_currency(client: PlatformClient, choice: str) -> str | None:
    """The currency of the IBM sample's amounts: `local` (None: each market's own), a code, or `auto`.

    auto is credit-service's currency (CREDIT_CURRENCY): credit scores and limits count only
    invoices in it, so a sample in that currency is assessed for every customer.
    """
    if choice == "local":
        return None
    if choice != "auto":
        return choice.upper()
    try:
        policy = await client.get_json("credit", "/v1/credit-policies/A")
    except (ApiProblem, Unreachable):
        return "EUR"
    return str(policy.get("currency") or "EUR")


async def replay_file(
    path: Path,
    format: str | None,
    client: PlatformClient,
    settler: Settler,
    *,
    customers: int | None = None,
    until: date | None = None,
    batch_size: int = 500,
    concurrency: int = 8,
    progress: bool = True,
    close_days: bool = True,
    currency: str = "auto",
) -> ReplaySummary:
    """Replay one file; the summary says what happened."""
    chosen = format or guess_format(path)
    money = await ibm_currency(client, currency) if chosen == "ibm" else None
    source = open_source(path, chosen, customers, until, money)  # type: ignore[arg-type]
    engine = ReplayEngine(
        client,
        settler,
        Progress(source.total, enabled=progress),
        batch_size=batch_size,
        concurrency=concurrency,
        close_days=close_days,
    )
    engine.summary.source, engine.summary.format = str(path), chosen
    return await engine.replay(source.days, close_through=until)


async def run_replay(args: argparse.Namespace) -> int:
    if not args.file.exists():
        print(f"no such file: {args.file}", file=sys.stderr)
        return 2
    platform = PlatformSettings()
    async with PlatformClient(endpoints_from(args), api_key_from(args)) as client:
        settler = await make_settler("none" if args.no_close else args.settle, platform, client)
        try:
            summary = await replay_file(
                args.file,
                args.format,
                client,
                settler,
                customers=args.customers,
                until=args.until,
                batch_size=args.batch_size,
                concurrency=args.concurrency,
                progress=not args.no_progress,
                close_days=not args.no_close,
                currency=args.currency,
            )
        except ReplayInputError as error:
            print(f"cannot replay: {error}", file=sys.stderr)
            return 2
        finally:
            await settler.close()
    print(summary.render())
    return 1 if summary.rejected else 0


def run_generate(args: argparse.Namespace) -> int:
    started = time.monotonic()
    if str(args.out) == "-":
        stats = generate(sys.stdout, args.customers, args.invoices, args.seed, args.start, args.days)
    else:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        with args.out.open("w", newline="", encoding="utf-8", buffering=1 << 20) as out:
            stats = generate(out, args.customers, args.invoices, args.seed, args.start, args.days)
    print(
        f"wrote {stats.rows:,} rows ({stats.customers:,} customers, {stats.invoices:,} invoices, "
        f"{stats.open_at_end:,} left open) to {args.out} in {time.monotonic() - started:.1f}s",
        file=sys.stderr,
    )
    return 0


def run(args: argparse.Namespace) -> int:
    """Carry out `replay` or `generate`; returns the exit code."""
    if args.command == "generate":
        return run_generate(args)
    return asyncio.run(run_replay(args))
