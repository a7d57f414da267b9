"""Operations grouped into business days, in date order."""

from collections.abc import Iterable, Iterator

from arflow_cli.replay.operations import BusinessDay, Operation


def business_days(operations: Iterable[Operation]) -> Iterator[BusinessDay]:
    """Consecutive operations of one date form a day; the input must be in date order."""
    current: BusinessDay | None = None
    for operation in operations:
        if current is None or operation.day != current.day:
            if current is not None:
                yield current
            current = BusinessDay(operation.day)
        current.add(operation)
    if current is not None:
        yield current


def sorted_days(operations: Iterable[Operation]) -> list[BusinessDay]:
    """Operations in any order, grouped by date (file order kept within a date)."""
    return list(business_days(sorted(operations, key=lambda op: (op.day, op.line))))
