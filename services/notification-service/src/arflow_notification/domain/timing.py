"""Business hours in the customer's time zone: when a message may be sent."""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def parse_weekdays(text: str) -> frozenset[int]:
    """ISO weekdays (1 = Monday) from 'mon-fri', 'mon,wed,fri' or 'mon-sat'."""
    days: set[int] = set()
    for part in filter(None, (p.strip().lower() for p in text.split(","))):
        first, _, last = part.partition("-")
        try:
            start = WEEKDAYS.index(first[:3]) + 1
            end = WEEKDAYS.index(last[:3]) + 1 if last else start
        except ValueError:
            raise ValueError(f"unknown weekday in {text!r}; use mon..sun") from None
        if end < start:
            raise ValueError(f"weekday range {part!r} runs backwards")
        days.update(range(start, end + 1))
    if not days:
        raise ValueError("at least one weekday is needed")
    return frozenset(days)


def parse_hours(text: str) -> tuple[time, time]:
    """'08:00-20:00' → (08:00, 20:00); the end may be before the start (a window over midnight)."""
    try:
        start, end = (time.fromisoformat(part.strip()) for part in text.split("-"))
    except ValueError:
        raise ValueError(f"hours must look like 08:00-20:00, not {text!r}") from None
    if start == end:
        raise ValueError("a send window needs a start before its end")
    return start, end


def zone_of(name: str | None, default: str = "UTC") -> tzinfo:
    """The IANA zone by name; an unknown or missing name falls back to `default`."""
    for candidate in (name, default):
        if candidate:
            try:
                return ZoneInfo(candidate)
            except (ZoneInfoNotFoundError, ValueError):
                continue
    return UTC


@dataclass(frozen=True)
class SendWindow:
    """Local hours on local weekdays in which customers may be contacted; outside is quiet."""

    start: time
    end: time
    days: frozenset[int]

    @classmethod
    def parse(cls, hours: str, days: str) -> "SendWindow":
        """From settings text such as '08:00-20:00' and 'mon-fri'."""
        start, end = parse_hours(hours)
        return cls(start, end, parse_weekdays(days))

    def contains(self, instant: datetime, zone: tzinfo) -> bool:
        """Whether the instant falls inside the window in that zone."""
        return any(opens <= instant < closes for opens, closes in self._openings(instant, zone, 2))

    def next_send_instant(self, now: datetime, zone: tzinfo) -> datetime:
        """`now` inside the window, else the start of the next window (UTC)."""
        for opens, closes in self._openings(now, zone, 9):
            if closes <= now:
                continue
            return max(opens, now).astimezone(UTC)
        raise ValueError("the send window never opens")  # unreachable: days is never empty

    def _openings(self, around: datetime, zone: tzinfo, days_ahead: int) -> list[tuple[datetime, datetime]]:
        """Opening intervals (UTC) that start from the local day before `around` onwards."""
        local_today = around.astimezone(zone).date()
        spans = []
        for offset in range(-1, days_ahead):
            day = local_today + timedelta(days=offset)
            if day.isoweekday() not in self.days:
                continue
            spans.append((_instant(day, self.start, zone), _closing(day, self.start, self.end, zone)))
        return spans


def _instant(day: date, at: time, zone: tzinfo) -> datetime:
    # A local time skipped by a DST jump resolves forward through UTC, as zoneinfo does.
    return datetime.combine(day, at, tzinfo=zone).astimezone(UTC)


def _closing(day: date, start: time, end: time, zone: tzinfo) -> datetime:
    closing_day = day + timedelta(days=1) if end <= start else day
    return _instant(closing_day, end, zone)
