"""Quarter and month boundaries of a replayed history."""

from datetime import date, timedelta


def month_end(day: date) -> date:
    """The last day of day's month."""
    first_of_next = date(day.year + day.month // 12, day.month % 12 + 1, 1)
    return first_of_next - timedelta(days=1)


def month_ends(first: date, last: date) -> list[date]:
    """Every month end from first's month through last (only those on or before last)."""
    ends, cursor = [], month_end(first)
    while cursor <= last:
        ends.append(cursor)
        cursor = month_end(cursor + timedelta(days=1))
    return ends


def quarter_of(day: date) -> str:
    return f"{day.year}Q{(day.month - 1) // 3 + 1}"


def quarters(first: date, last: date) -> list[tuple[str, date, date]]:
    """(label, first day, last day) of each quarter within [first, last], the first and last clipped.

    A history that ends inside a quarter gets that quarter up to its last day ("2014Q1 to 01-09").
    """
    found = [
        (quarter_of(end), max(date(end.year, end.month - 2, 1), first), end)
        for end in month_ends(first, last)
        if end.month % 3 == 0
    ]
    if not (last == month_end(last) and last.month % 3 == 0):
        start = date(last.year, (last.month - 1) // 3 * 3 + 1, 1)
        found.append((f"{quarter_of(last)} to {last:%m-%d}", max(start, first), last))
    return found


def months(first: date, last: date) -> list[tuple[str, date, date]]:
    """(label, first day, last day) of each month within [first, last], the first and last clipped."""
    ends = month_ends(first, last) + ([last] if month_end(last) != last else [])
    return [(end.strftime("%Y-%m"), max(end.replace(day=1), first), end) for end in ends]
