"""The chaos table: what was sent, what was done to the platform, and what survived."""

from collections import Counter
from dataclasses import dataclass, field

from arflow_cli.chaos.checks import Finding
from arflow_cli.chaos.client import CallStats
from arflow_cli.chaos.faults import FaultLog
from arflow_cli.chaos.plan import ChaosPlan


@dataclass
class Figures:
    """The numbers the table shows besides the driver's and the injector's."""

    first_day: str = ""
    last_day: str = ""
    days_closed: int = 0
    distinct_events: int = 0
    wire_copies: int = 0
    processed: dict[str, int] = field(default_factory=dict)
    dead_letters: int = 0
    emails: int = 0
    resends: int = 0
    notifications: Counter[str] = field(default_factory=Counter)
    quiet_seconds: float = 0.0
    load_seconds: float = 0.0


def _n(value: int) -> str:
    return f"{value:,}"


def render(
    plan: ChaosPlan, stats: CallStats, faults: FaultLog, figures: Figures, findings: list[Finding]
) -> str:
    """A Markdown table (it goes into docs/reliability.md as printed) and the list of checks."""
    lost = sum(f.lost for f in findings)
    duplicated = sum(f.duplicated for f in findings)
    kinds = faults.counts()
    operations = sum(stats.operations.values())
    rows = [
        (
            "load",
            f"{figures.load_seconds / 60:.1f} min, {plan.customers} customers, seed {plan.seed}; "
            f"business days {figures.first_day} to {figures.last_day} ({figures.days_closed} closed)",
        ),
        (
            "operations sent",
            f"{_n(operations)} ("
            + ", ".join(f"{k} {_n(v)}" for k, v in sorted(stats.operations.items()))
            + ")",
        ),
        (
            "HTTP attempts / retries / answered by replay or natural key",
            f"{_n(stats.attempts)} / {_n(stats.retries)} / {_n(stats.replayed)} Idempotency-Key replays, "
            f"{_n(stats.existing)} found existing",
        ),
        (
            "faults injected",
            f"{sum(kinds.values())} (" + ", ".join(f"{k} {v}" for k, v in sorted(kinds.items())) + ")",
        ),
        ("poison messages injected", f"{len(faults.poison)} -> {figures.dead_letters} dead letters"),
        (
            "events published",
            f"{_n(figures.distinct_events)} distinct (+{_n(figures.wire_copies)} "
            "redelivered copies on the wire)",
        ),
        (
            "events processed",
            f"{_n(sum(figures.processed.values()))} ("
            + ", ".join(f"{k.removesuffix('-service')} {_n(v)}" for k, v in figures.processed.items())
            + ")",
        ),
        ("notifications", ", ".join(f"{k} {_n(v)}" for k, v in sorted(figures.notifications.items()))),
        (
            "emails received by the SMTP sink",
            f"{_n(figures.emails)} ({figures.resends} recognisable resends after a crash mid-send)",
        ),
        ("quiet after the load", f"{figures.quiet_seconds:.0f} s"),
        ("**lost**", f"**{lost}**"),
        ("**duplicated**", f"**{duplicated}**"),
    ]
    width = max(len(k) for k, _ in rows)
    table = ["| measure | value |", "| --- | --- |"]
    table += [f"| {k.ljust(width)} | {v} |" for k, v in rows]
    checks = [f"- {'PASS' if f.ok else 'FAIL'} {f.check}: {f.detail}" for f in findings]
    timeline = [
        f"  {f.at:6.0f}s {f.kind:<18} {f.target:<20} {f.seconds:5.1f}s"
        + (f"  ERROR {f.error}" if f.error else "")
        for f in faults.faults
    ]
    verdict = "PASS" if all(f.ok for f in findings) else "FAIL"
    return "\n".join(
        [
            *table,
            "",
            "checks:",
            *checks,
            "",
            "faults (seconds into the load, kind, target, duration):",
            *timeline,
            "",
            f"chaos verdict: {verdict} (lost {lost}, duplicated {duplicated})",
        ]
    )
