"""`arflow demo`: the platform on real history, figures in the terminal and var/report.html."""

import argparse
import asyncio
import json
import os
from datetime import date
from pathlib import Path

from arflow_cli.demo import report
from arflow_cli.demo.run import Demo, DemoOptions
from arflow_cli.replay.cli import SETTLE_MODES, endpoints_from
from arflow_cli.replay.client import Endpoints
from arflow_cli.replay.sources import FORMATS


def add_command(commands: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    """Register `demo`."""
    demo = commands.add_parser("demo", help="replay real AR history and report on it (see docs/demo.md)")
    demo.add_argument(
        "--data",
        type=Path,
        help="the export to replay (default: ../shared/data/"
        "ibm_accounts_receivable.csv, else a generated history)",
    )
    demo.add_argument("--format", choices=FORMATS)
    demo.add_argument(
        "--against",
        metavar="URLS",
        default=os.environ.get("ARFLOW_DEMO_AGAINST"),
        help="a distributed platform: credit=URL,ledger=URL,dunning=URL,notification=URL; its bus "
        "is found from ARFLOW_KAFKA_BOOTSTRAP_SERVERS and ARFLOW_TOPIC_PREFIX",
    )
    demo.add_argument(
        "--ports", metavar="C,L,D,N", help="ports of a platform on 127.0.0.1 (default 8001-8004)"
    )
    demo.add_argument(
        "--api-key", help="bearer key (default: $ARFLOW_API_KEY, var/platform/api-keys, dev key)"
    )
    demo.add_argument("--customers", type=int, help="only the first N customers of the file")
    demo.add_argument(
        "--until", type=date.fromisoformat, metavar="YYYY-MM-DD", help="stop after this business day"
    )
    demo.add_argument("--settle", choices=SETTLE_MODES, default="auto")
    demo.add_argument(
        "--currency", default="auto", help="the IBM sample's currency (see arflow replay --help)"
    )
    demo.add_argument(
        "--keep-running", action="store_true", help="leave the platform the demo started running"
    )
    demo.add_argument("--no-progress", action="store_true")
    demo.add_argument(
        "--report-only",
        type=Path,
        metavar="SUMMARY_JSON",
        help="only render var/report.html from a summary written before",
    )
    demo.add_argument("--out", type=Path, help="the HTML report (default var/report.html)")


def run(args: argparse.Namespace) -> int:
    """Carry out `demo`; returns the exit code."""
    var = Path(os.environ.get("ARFLOW_VAR", "var"))
    if args.report_only:
        out = args.out or var / "report.html"
        out.write_text(
            report.render(json.loads(args.report_only.read_text(encoding="utf-8"))), encoding="utf-8"
        )
        print(f"report: {out.resolve()}")
        return 0
    options = DemoOptions(
        var=var,
        data=args.data,
        format=args.format,
        api_key=args.api_key,
        customers=args.customers,
        until=args.until,
        keep_running=args.keep_running,
        progress=not args.no_progress,
        settle=args.settle,
        currency=args.currency,
        report_path=args.out,
        against=Endpoints.parse(args.against) if args.against else None,
        endpoints=endpoints_from(argparse.Namespace(urls=None, url_base=None, ports=args.ports)),
    )
    asyncio.run(Demo(options).run())
    return 0
