"""What a replay did: documents created, found already there, refused; requests, retries, waits."""

from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

from arflow_cli.replay.operations import PHASES, Kind, Operation

MAX_LISTED = 20


@dataclass
class Tally:
    """Outcomes of one kind of operation."""

    created: int = 0
    existing: int = 0
    rejected: int = 0

    @property
    def total(self) -> int:
        return self.created + self.existing + self.rejected


@dataclass
class ReplaySummary:
    """The replay's own account, printed at the end and kept in the demo's summary."""

    source: str = ""
    format: str = ""
    first_day: date | None = None
    last_day: date | None = None
    days: int = 0
    closes: int = 0
    tallies: dict[str, Tally] = field(default_factory=lambda: {kind: Tally() for kind in PHASES})
    rejections: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0
    requests: int = 0
    retries: int = 0
    retry_reasons: dict[str, int] = field(default_factory=dict)
    settles: int = 0
    settle_seconds: float = 0.0
    settle_timeouts: int = 0
    customer_ids: set[str] = field(default_factory=set, repr=False)

    def see_day(self, day: date) -> None:
        self.days += 1
        self.first_day = self.first_day or day
        self.last_day = day

    def accept(self, kind: Kind, created: bool) -> None:
        tally = self.tallies[kind]
        if created:
            tally.created += 1
        else:
            tally.existing += 1

    def reject(self, op: Operation, status: int, reason: str) -> None:
        self.tallies[op.kind].rejected += 1
        if len(self.rejections) < MAX_LISTED:
            where = f" (row {op.line})" if op.line else ""
            self.rejections.append(f"{op.day} {op.kind} {op.key}{where}: HTTP {status} {reason}")

    def note(self, text: str) -> None:
        if len(self.notes) < MAX_LISTED:
            self.notes.append(text)

    @property
    def rejected(self) -> int:
        return sum(t.rejected for t in self.tallies.values())

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["customers"] = len(data.pop("customer_ids"))
        data["first_day"] = self.first_day.isoformat() if self.first_day else None
        data["last_day"] = self.last_day.isoformat() if self.last_day else None
        data["seconds"] = round(self.seconds, 1)
        return data

    def render(self) -> str:
        """A short plain-text account."""
        lines = [
            f"replayed {self.source} ({self.format}): {self.days:,} business days "
            f"{self.first_day} … {self.last_day}, {self.closes:,} days closed, in {self.seconds:.1f}s",
            f"  {'':<20}{'created':>10}{'existing':>10}{'refused':>10}",
        ]
        for kind, tally in self.tallies.items():
            if tally.total:
                lines.append(f"  {kind:<20}{tally.created:>10,}{tally.existing:>10,}{tally.rejected:>10,}")
        retry = ", ".join(f"{reason} ×{n}" for reason, n in sorted(self.retry_reasons.items()))
        lines.append(
            f"  {self.requests:,} requests, {self.retries:,} retried" + (f" ({retry})" if retry else "")
        )
        if self.settles:
            lines.append(
                f"  waited for the platform to catch up {self.settles:,} times, "
                f"{self.settle_seconds:.1f}s in all"
                + (f", {self.settle_timeouts} timed out" if self.settle_timeouts else "")
            )
        for text in self.rejections:
            lines.append(f"  refused: {text}")
        if self.rejected > len(self.rejections):
            lines.append(f"  … and {self.rejected - len(self.rejections)} more refused")
        for text in self.notes:
            lines.append(f"  note: {text}")
        return "\n".join(lines)
