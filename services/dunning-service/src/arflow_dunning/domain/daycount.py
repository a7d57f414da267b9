"""Day-count conventions for late interest: how many days accrue and over what year basis.

- ACT/360: actual calendar days between the dates, over a 360-day year (money-market style).
- ACT/365: actual calendar days over a fixed 365-day year (ACT/365 Fixed; leap years too).
- 30/360: every month counts 30 days, over a 360-day year, by the ISDA "bond basis" rule:
  a start on the 31st counts as the 30th; an end on the 31st counts as the 30th only when the
  (adjusted) start is the 30th. End of February is not adjusted.
"""

from datetime import date
from enum import StrEnum


class DayCount(StrEnum):
    """A day-count convention; the values match the contracts' strings."""

    ACT_360 = "ACT/360"
    ACT_365 = "ACT/365"
    THIRTY_360 = "30/360"


def year_basis(convention: DayCount) -> int:
    """Days in the convention's year."""
    return 365 if convention is DayCount.ACT_365 else 360


def accrual_days(start: date, end: date, convention: DayCount) -> int:
    """Days of interest from start (exclusive) to end (inclusive); negative if end < start."""
    if convention is not DayCount.THIRTY_360:
        return (end - start).days
    d1 = min(start.day, 30)
    d2 = 30 if end.day == 31 and d1 == 30 else end.day
    return 360 * (end.year - start.year) + 30 * (end.month - start.month) + (d2 - d1)
