"""A progress bar in plain text: redrawn with \\r on a terminal, a line now and then in a log."""

import sys
import time
from datetime import date
from typing import TextIO

WIDTH = 28


def _clock(seconds: float) -> str:
    seconds = max(0, int(seconds))
    return f"{seconds // 60}m{seconds % 60:02d}s" if seconds >= 60 else f"{seconds}s"


class Progress:
    """Counts operations done out of a total (if known) and shows the business day reached."""

    def __init__(self, total: int | None, stream: TextIO | None = None, enabled: bool = True) -> None:
        self.total = total
        self.done = 0
        self.day: date | None = None
        self.stream = stream or sys.stderr
        self.enabled = enabled
        self.tty = enabled and self.stream.isatty()
        self.started = time.monotonic()
        self._drawn = 0.0
        self._logged_tenth = -1

    def advance(self, count: int, day: date | None = None) -> None:
        """`count` more operations are done; `day` is the business day being replayed."""
        self.done += count
        if day is not None:
            self.day = day
        self._draw()

    def line(self) -> str:
        """The bar as one line of text."""
        elapsed = time.monotonic() - self.started
        rate = self.done / elapsed if elapsed > 0 else 0.0
        day = self.day.isoformat() if self.day else "…"
        if self.total:
            share = min(1.0, self.done / self.total)
            filled = int(share * WIDTH)
            eta = (self.total - self.done) / rate if rate > 0 else 0
            return (
                f"[{'#' * filled}{'.' * (WIDTH - filled)}] {share * 100:5.1f}%  {day}  "
                f"{self.done:,}/{self.total:,} ops  {rate:,.0f}/s  ETA {_clock(eta)}"
            )
        return f"[{day}] {self.done:,} ops  {rate:,.0f}/s  {_clock(elapsed)}"

    def _draw(self, final: bool = False) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if self.tty:
            if final or now - self._drawn >= 0.1:
                self._drawn = now
                self.stream.write("\r" + self.line() + "\x1b[K")
                self.stream.flush()
            return
        tenth = int(10 * self.done / self.total) if self.total else int((now - self.started) // 15)
        if final or tenth > self._logged_tenth:
            self._logged_tenth = tenth
            self.stream.write(self.line() + "\n")
            self.stream.flush()

    def finish(self) -> None:
        """Draw the last state and end the line."""
        self._draw(final=True)
        if self.tty:
            self.stream.write("\n")
            self.stream.flush()
