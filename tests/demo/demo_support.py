"""Shared by the demo tests: a summary as `arflow demo` writes it, and a headless Chromium."""

import asyncio
import shutil
import subprocess
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from arflow_cli.demo.platform import DEMO_ENVIRONMENT
from arflow_cli.demo.run import Demo, DemoOptions, sample_candidates
from arflow_cli.demo.sinks import ProviderSink, SmtpSink

CHROMIUM = Path("/usr/bin/chromium")
NO_CHROMIUM = "headless Chromium is not installed (/usr/bin/chromium): `apt-get install -y chromium`"
DEMO_KEY = "demo-test-key"
SAMPLE = next((path for path in sample_candidates() if path.exists()), None)


@dataclass(frozen=True)
class Scenario:
    """What the demo tests replay: the IBM sample's first 15 customers over 2012's first quarter."""

    path: Path
    format: str
    customers: int | None
    until: date | None


@dataclass
class Sinks:
    mail: SmtpSink
    provider: ProviderSink

    def environment(self) -> dict[str, str]:
        return {
            **DEMO_ENVIRONMENT,
            "NOTIFICATION_SMTP_URL": self.mail.url,
            "NOTIFICATION_SMS_URL": self.provider.url("sms"),
            "NOTIFICATION_WEBHOOK_URL": self.provider.url("webhook"),
        }


@dataclass
class DemoRun:
    """One `arflow demo` run: its summary and where it wrote its files."""

    summary: dict[str, Any]
    var: Path


async def demo_on(scenario: Scenario, var: Path, **where: Any) -> dict[str, Any]:
    """`arflow demo` on the scenario against a platform that is already running."""
    options = DemoOptions(
        var=var,
        data=scenario.path,
        format=scenario.format,
        customers=scenario.customers,
        until=scenario.until,
        progress=False,
        sinks=False,
        drain_seconds=180,
        api_key=DEMO_KEY,
        **where,
    )
    return await Demo(options).run()


def run_demo(scenario: Scenario, var: Path, **where: Any) -> dict[str, Any]:
    """demo_on in an event loop of its own."""
    return asyncio.run(demo_on(scenario, var, **where))


def sample_summary() -> dict[str, Any]:
    """A small but complete summary: two currencies, two quarters, every section filled."""
    months = ["2013-01-31", "2013-02-28", "2013-03-31", "2013-04-30", "2013-05-31", "2013-06-30"]

    def aging_point(day: str, scale: int) -> dict[str, Any]:
        return {
            "as_of": day,
            "rows": [
                {"currency": "EUR", "bucket": "current", "amount": f"{1000 * scale}.00", "count": 4 * scale},
                {"currency": "EUR", "bucket": "1-30", "amount": f"{300 * scale}.50", "count": scale},
                {"currency": "EUR", "bucket": "61-90", "amount": "75.00", "count": 1},
                {"currency": "USD", "bucket": "current", "amount": f"{800 * scale}.00", "count": 3 * scale},
                {"currency": "USD", "bucket": "over-365", "amount": "12.00", "count": 1},
            ],
        }

    def period(label: str, start: str, end: str, dso: str | None) -> dict[str, Any]:
        return {
            "period": label,
            "from": start,
            "to": end,
            "figures": [
                {"currency": "EUR", "dso": dso, "ending_ar": "1375.50", "credit_sales": "4000.00"},
                {"currency": "USD", "dso": "31.5", "ending_ar": "812.00", "credit_sales": "2100.00"},
            ],
        }

    stages = [
        {
            "policy": "default-b",
            "stage": stage,
            "position": i + 1,
            "currency": currency,
            "invoices_reached": n,
            "amount_reached": f"{n * 100}.00",
            "recovered_within_30_days": f"{n * 60}.00",
            "actions": n * 2,
            "cost": "1.00",
            "channels": [
                {
                    "channel": "email",
                    "invoices_reached": n,
                    "amount_reached": f"{n * 100}.00",
                    "recovered_within_window": f"{n * 60}.00",
                }
            ],
        }
        for i, (stage, n) in enumerate([("friendly_reminder", 40), ("reminder_1", 20), ("formal_demand", 5)])
        for currency in ("EUR", "USD")
    ]
    return {
        "scenario": {
            "source": "sample.csv",
            "format": "generic",
            "customers": 12,
            "first_day": "2013-01-01",
            "last_day": "2013-06-30",
            "subset": {"customers": None, "until": None},
        },
        "figures": {
            "aging": [aging_point("2013-03-31", 2), aging_point("2013-06-30", 3)],
            "aging_monthly": [aging_point(day, i + 1) for i, day in enumerate(months)],
            "dso": [
                period("2013Q1", "2013-01-01", "2013-03-31", "42.7"),
                period("2013Q2", "2013-04-01", "2013-06-30", None),
            ],
            "cei": [
                {
                    "period": "2013Q1",
                    "from": "2013-01-01",
                    "to": "2013-03-31",
                    "figures": [{"currency": "EUR", "cei": "81.2"}, {"currency": "USD", "cei": "90.0"}],
                },
                {
                    "period": "2013Q2",
                    "from": "2013-04-01",
                    "to": "2013-06-30",
                    "figures": [{"currency": "EUR", "cei": "77.0"}, {"currency": "USD", "cei": None}],
                },
            ],
            "dso_monthly": [
                period(day[:7], day[:8] + "01", day, str(30 + i)) for i, day in enumerate(months)
            ],
            "dunning": {
                "stages": stages,
                "collectors": [],
                "by_stage_and_channel": [
                    {"stage": "friendly_reminder", "actions": 160, "channels": {"email": 80}},
                    {"stage": "reminder_1", "actions": 80, "channels": {"email": 40}},
                    {"stage": "formal_demand", "actions": 20, "channels": {"email": 10, "letter": 10}},
                ],
            },
            "credit": {
                "customers": 12,
                "classes": {"A": 6, "B": 4, "D": 2},
                "score_histogram": {
                    f"{b}-{b + 9 if b < 90 else 100}": (b // 10) % 4 for b in range(0, 100, 10)
                },
                "scores": {"C1": 80},
                "on_hold": [
                    {
                        "customer_id": "C7",
                        "risk_class": "D",
                        "score": 22,
                        "reasons": ["dunning: final notice"],
                        "since": "2013-05-02",
                        "sources": ["dunning"],
                    }
                ],
            },
            "notifications": {
                "total": 130,
                "by_status": {"failed": 10, "sent": 120},
                "by_channel": {"email sent": 110, "letter sent": 10, "sms failed": 10},
                "by_template": [
                    {"template": "dunning.reminder_1", "channel": "email", "status": "sent", "count": 40}
                ],
                "failure_reasons": {"no sms provider is configured": 10},
                "formal_demands": 10,
            },
            "worklist": {
                "as_of": "2013-06-30",
                "entries": [
                    {
                        "rank": 1,
                        "priority": "expected_loss",
                        "customer_id": "C7",
                        "currency": "EUR",
                        "overdue_amount": "75.00",
                        "days_overdue": 70,
                        "risk_class": "D",
                        "probability_of_default": "0.2",
                        "expected_loss": "30.00",
                        "invoices": 1,
                        "open_tasks": 1,
                    }
                ],
            },
            "errors": {},
        },
        "run": {
            "mode": "embedded",
            "generated_at": "2026-01-01 00:00 UTC",
            "endpoints": {},
            "replay": {"seconds": 12.0},
            "replay_text": "replayed sample.csv",
            "where": {"emails": "var/demo/mail/"},
            "notes": [],
        },
    }


def screenshot(
    html: Path, png: Path, profile: Path, size: str = "1100,2600"
) -> subprocess.CompletedProcess[str]:
    """Headless Chromium renders the page to a PNG; console messages go to stderr (--enable-logging)."""
    command = [
        str(CHROMIUM),
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={profile}",
        "--enable-logging=stderr",
        "--v=0",
        f"--window-size={size}",
        f"--screenshot={png}",
        html.resolve().as_uri(),
    ]
    assert shutil.which(command[0])
    return subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
