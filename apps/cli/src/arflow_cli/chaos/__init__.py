"""`arflow chaos`: real Kafka, PostgreSQL and service processes under faults; nothing lost or doubled."""

import argparse
import asyncio
from pathlib import Path

from arflow_cli.chaos.plan import LONG, SHORT


def add_command(commands: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    """Register `arflow chaos`."""
    chaos = commands.add_parser(
        "chaos", help="chaos run: load and faults on the distributed platform, then check nothing was lost"
    )
    chaos.add_argument(
        "--minutes",
        type=float,
        help="minutes of load (default: 10, or 1 with --short; at least until the last fault)",
    )
    chaos.add_argument("--short", action="store_true", help="the short version make test runs (fewer faults)")
    chaos.add_argument("--seed", type=int, help="seed of the workload and the fault schedule")
    chaos.add_argument("--workdir", type=Path, help="keep logs here (default: a temporary directory)")
    chaos.add_argument("--keep", action="store_true", help="keep the work directory even when all is well")


def run(args: argparse.Namespace) -> int:
    """Run the chaos plan; exit code 0 only if every check passed."""
    from dataclasses import replace

    from arflow_cli.chaos.run import run_chaos

    plan = (SHORT if args.short else LONG).with_minutes(args.minutes)
    if args.seed is not None:
        plan = replace(plan, seed=args.seed)
    result = asyncio.run(run_chaos(plan, workdir=args.workdir, keep=args.keep))
    print(result.report)
    return 0 if result.ok else 1
