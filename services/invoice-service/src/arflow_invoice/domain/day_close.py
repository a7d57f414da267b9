"""The business clock: which days a day close must still close."""

from __future__ import annotations

from datetime import date, timedelta

from arflow_invoice.domain.errors import DayCloseBackwards


def days_to_close(last_closed: date | None, as_of: date) -> tuple[date, ...]:
    """Each day after `last_closed` up to `as_of`; empty when already closed; refuses to go back."""
    if last_closed is None:
        return (as_of,)
    if as_of < last_closed:
        raise DayCloseBackwards(
            f"cannot close {as_of}: the ledger is already closed through {last_closed}",
            last_closed=last_closed,
            as_of=as_of,
        )
    return tuple(last_closed + timedelta(days=n) for n in range(1, (as_of - last_closed).days + 1))
