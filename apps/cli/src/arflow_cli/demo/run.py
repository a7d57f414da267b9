"""The demo end to end: a platform, a mail sink, the replay, the figures, the report."""

import asyncio
import json
import os
import resource
import sys
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from arflow_cli.demo import figures, report, text
from arflow_cli.demo.platform import (
    StartedPlatform,
    answering,
    default_ports,
    distributed_on_this_machine,
    local_api_key,
)
from arflow_cli.demo.sinks import ProviderSink, SmtpSink, free_port, port_free
from arflow_cli.replay.cli import make_settler, replay_file
from arflow_cli.replay.client import DEV_KEY, Endpoints, PlatformClient
from arflow_cli.replay.generator import generate
from arflow_runtime.settings import PlatformSettings

REPO = Path(__file__).resolve().parents[5]
SAMPLE_NAME = "ibm_accounts_receivable.csv"
DEFAULT_SMTP_PORT = 2525


@dataclass
class DemoOptions:
    """What `arflow demo` was asked to do."""

    var: Path = Path("var")
    data: Path | None = None
    format: str | None = None
    against: Endpoints | None = None
    endpoints: Endpoints | None = None
    api_key: str | None = None
    platform: PlatformSettings | None = None
    """Where the bus of a running platform is (None: from the environment)."""
    customers: int | None = None
    until: date | None = None
    generate_customers: int = 60
    generate_invoices: int = 1500
    generate_days: int = 365
    seed: int = 7
    keep_running: bool = False
    progress: bool = True
    settle: str = "auto"
    currency: str = "auto"
    report_path: Path | None = None
    summary_path: Path | None = None
    drain_seconds: float = 120.0
    sinks: bool = True
    """Start the mail sink (and, for a platform of its own, the SMS/webhook sink)."""
    environment: dict[str, str] = field(default_factory=dict)
    """Extra variables for a platform the demo starts itself."""

    @property
    def demo_dir(self) -> Path:
        return self.var / "demo"


def sample_candidates() -> list[Path]:
    return [Path("..") / "shared" / "data" / SAMPLE_NAME, REPO.parent / "shared" / "data" / SAMPLE_NAME]


def choose_dataset(options: DemoOptions) -> tuple[Path, str]:
    """The file to replay: the one given, the IBM sample beside the project, or a generated one."""
    if options.data is not None:
        return options.data, options.format or ""
    for candidate in sample_candidates():
        if candidate.exists():
            return candidate, "ibm"
    generated = (
        options.demo_dir
        / f"generated-{options.generate_customers}c-{options.generate_invoices}i-s{options.seed}.csv"
    )
    if not generated.exists():
        generated.parent.mkdir(parents=True, exist_ok=True)
        with generated.open("w", newline="", encoding="utf-8") as out:
            generate(
                out,
                options.generate_customers,
                options.generate_invoices,
                options.seed,
                days=options.generate_days,
            )
    print(
        f"the IBM sample is not at ../shared/data/{SAMPLE_NAME}: replaying a generated history ({generated})",
        file=sys.stderr,
    )
    return generated, "generic"


def _instant(text: str) -> datetime:
    """An ISO timestamp from the API as an aware UTC instant (a naive one is UTC)."""
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


async def drain_notifications(client: PlatformClient, within: float, horizon: float = 30.0) -> int:
    """Wait (bounded) for messages due within `horizon` seconds; returns how many stay scheduled."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while True:
        scheduled = await client.get_json("notification", "/v1/notifications", status="scheduled", limit=1000)
        soon = datetime.now(UTC) + timedelta(seconds=horizon)
        due = [n for n in scheduled if not n.get("next_attempt_at") or _instant(n["next_attempt_at"]) <= soon]
        if not due or loop.time() > deadline:
            return len(scheduled)
        await asyncio.sleep(0.5)  # polling interval of a bounded wait on the delivery log


class Demo:
    """One run of the demo; `run()` returns the summary (also written to var/demo/summary.json)."""

    def __init__(self, options: DemoOptions) -> None:
        self.options = options
        self.started: StartedPlatform | None = None
        self.smtp: SmtpSink | None = None
        self.provider: ProviderSink | None = None
        self.notes: list[str] = []

    def say(self, message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    async def _platform(self) -> tuple[Endpoints, str, PlatformSettings]:
        """(endpoints, mode, bus settings): reuse what answers, or start an embedded platform."""
        o = self.options
        if o.against is not None:
            return o.against, "distributed", o.platform or PlatformSettings(mode="distributed")
        endpoints = o.endpoints or Endpoints.on_ports(ports=default_ports())
        up = await answering(endpoints)
        if all(up.values()):
            distributed = (
                o.platform.mode == "distributed"
                if o.platform
                else os.environ.get("ARFLOW_MODE") == "distributed" or distributed_on_this_machine(o.var)
            )
            mode = "distributed" if distributed else "embedded"
            settings = o.platform or (
                PlatformSettings(mode="distributed")
                if distributed
                else PlatformSettings(data_dir=Path(os.environ.get("ARFLOW_DATA_DIR", o.var)))
            )
            self.say(
                f"using the {mode} platform already running at {endpoints.of('ledger')} (and its neighbours)"
            )
            return endpoints, mode, settings
        if any(up.values()):
            running = ", ".join(s for s, ok in up.items() if ok)
            raise SystemExit(f"only some services answer ({running}); stop them or start all (make run)")
        taken = [url for _, url in endpoints.items() if not port_free(int(url.rsplit(":", 1)[1]))]
        if taken:
            raise SystemExit(f"cannot start the platform: {', '.join(taken)} taken by something else")
        data_dir = o.demo_dir / "platform"
        for old in data_dir.glob("*.sqlite*"):
            old.unlink()  # the demo's own platform starts empty, so its figures are the file's alone
        environment = dict(o.environment)
        if self.smtp is not None:
            environment["NOTIFICATION_SMTP_URL"] = self.smtp.url
        if self.provider is not None:
            environment["NOTIFICATION_SMS_URL"] = self.provider.url("sms")
            environment["NOTIFICATION_WEBHOOK_URL"] = self.provider.url("webhook")
        ports = {s: int(url.rsplit(":", 1)[1]) for s, url in endpoints.items()}
        self.started = StartedPlatform(data_dir, ports, o.demo_dir / "platform.log", environment)  # type: ignore[arg-type]
        self.say(f"starting the platform (embedded, data in {data_dir}, log in {self.started.log_path}) …")
        await self.started.start()
        return self.started.endpoints, "embedded", PlatformSettings(mode="embedded", data_dir=data_dir)

    async def _sinks(self, will_start: bool) -> None:
        o = self.options
        if not o.sinks:
            return
        port = DEFAULT_SMTP_PORT if port_free(DEFAULT_SMTP_PORT) else (free_port() if will_start else 0)
        if port:
            self.smtp = SmtpSink(o.demo_dir / "mail", port)
            self.smtp.start()
        else:
            self.notes.append(
                f"port {DEFAULT_SMTP_PORT} is taken: the platform's mail goes to whatever listens there"
            )
        if will_start:
            self.provider = ProviderSink(o.demo_dir / "sms")
            self.provider.start()

    async def run(self) -> dict[str, Any]:
        o = self.options
        path, fmt = choose_dataset(o)
        will_start = o.against is None and not any(
            (await answering(o.endpoints or Endpoints.on_ports(ports=default_ports()))).values()
        )
        await self._sinks(will_start)
        try:
            endpoints, mode, settings = await self._platform()
            key = (
                o.api_key
                or os.environ.get("ARFLOW_API_KEY")
                or (local_api_key(o.var) if mode == "distributed" else None)
                or DEV_KEY
            )
            async with PlatformClient(endpoints, key) as client:
                summary = await self._replay_and_collect(client, path, fmt, mode, settings, endpoints)
            if self.started is not None and o.keep_running:
                self.say("the platform keeps running (Ctrl-C stops it) …")
                await asyncio.get_running_loop().run_in_executor(None, self.started.process.wait)  # type: ignore[union-attr]
            return summary
        finally:
            if self.started is not None:
                self.started.stop()
            if self.smtp is not None:
                self.smtp.stop()
            if self.provider is not None:
                self.provider.stop()

    async def _replay_and_collect(
        self,
        client: PlatformClient,
        path: Path,
        fmt: str,
        mode: str,
        settings: PlatformSettings,
        endpoints: Endpoints,
    ) -> dict[str, Any]:
        o = self.options
        settler = await make_settler(o.settle, settings, client)
        self.say(f"replaying {path} …")
        try:
            replayed = await replay_file(
                path,
                fmt or None,
                client,
                settler,
                customers=o.customers,
                until=o.until,
                progress=o.progress,
                currency=o.currency,
            )
        finally:
            await settler.close()
        self.say(replayed.render())
        if replayed.first_day is None or replayed.last_day is None:
            raise SystemExit("nothing to replay")
        still = await drain_notifications(client, o.drain_seconds)
        if still:
            self.notes.append(
                f"{still} notification(s) still scheduled (outside the customers' business hours or "
                "over the rate limit of the running platform); see GET /v1/notifications?status=scheduled"
            )
        customers = sorted(replayed.customer_ids)
        collected = await figures.collect(client, replayed.first_day, replayed.last_day, customers)
        _, items = await figures.notifications(client, customers)
        letters = await figures.save_letters(client, items, o.demo_dir / "letters")
        where: dict[str, str] = {}
        if self.smtp is not None:
            where["emails"] = f"{self.smtp.folder}/ ({self.smtp.handler.received:,} .eml files)"
        if self.provider is not None:
            where["SMS and webhooks"] = f"{self.provider.folder}/ ({self.provider.received:,} .json files)"
        if letters:
            where["letters"] = (
                f"{o.demo_dir / 'letters'}/ (the first {letters} PDFs; every letter at "
                f"{endpoints.of('notification')}/v1/notifications/{{id}}/document)"
            )
        where["delivery log"] = f"{endpoints.of('notification')}/v1/notifications?customer_id=…"
        summary = {
            "scenario": {
                "source": str(path),
                "format": replayed.format,
                "customers": len(customers),
                "first_day": replayed.first_day.isoformat(),
                "last_day": replayed.last_day.isoformat(),
                "subset": {"customers": o.customers, "until": str(o.until) if o.until else None},
            },
            "figures": collected,
            "run": {
                "mode": mode,
                "generated_at": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
                "endpoints": dict(endpoints.items()),
                "replay": replayed.to_dict(),
                "replay_text": replayed.render(),
                "where": where,
                "notes": self.notes,
                "cpu_seconds": {
                    "platform": self.started.cpu_seconds() if self.started else None,
                    "demo": round(
                        resource.getrusage(resource.RUSAGE_SELF).ru_utime
                        + resource.getrusage(resource.RUSAGE_SELF).ru_stime,
                        1,
                    ),
                },
            },
        }
        self._write(summary)
        return summary

    def _write(self, summary: dict[str, Any]) -> None:
        o = self.options
        summary_path = o.summary_path or o.demo_dir / "summary.json"
        report_path = o.report_path or o.var / "report.html"
        summary_path.parent.mkdir(parents=True, exist_ok=True)
        summary_path.write_text(json.dumps(summary, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        report_path.parent.mkdir(parents=True, exist_ok=True)
        report_path.write_text(report.render(summary), encoding="utf-8")
        print(text.render(summary))
        for note in self.notes:
            print(f"note: {note}")
        cpu = summary["run"]["cpu_seconds"]
        if cpu["platform"] is not None:
            print(f"\nCPU used: the platform {cpu['platform']:.0f}s, the demo itself {cpu['demo']:.0f}s")
        print(f"\nreport: {report_path.resolve()}   summary: {summary_path.resolve()}")
