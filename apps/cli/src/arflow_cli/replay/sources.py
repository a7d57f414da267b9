"""An export file as business days to replay: the IBM sample or the generic format."""

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Literal

from arflow_cli.replay import generic, ibm
from arflow_cli.replay.operations import BusinessDay, Operation
from arflow_cli.replay.schedule import business_days, sorted_days

Format = Literal["ibm", "generic"]
FORMATS: tuple[Format, ...] = ("ibm", "generic")


@dataclass
class Source:
    """The days to replay and, when it is cheap to know, how many operations they hold."""

    path: Path
    format: Format
    days: Iterable[BusinessDay]
    total: int | None


def _first_customers(operations: Iterable[Operation], customers: int | None) -> Iterator[Operation]:
    chosen: set[str] = set()
    for op in operations:
        if customers is None or op.customer_id in chosen:
            yield op
        elif len(chosen) < customers:
            chosen.add(op.customer_id)
            yield op


def _until(operations: Iterable[Operation], until: date | None) -> Iterator[Operation]:
    for op in operations:
        if until is not None and op.day > until:
            return
        yield op


def _count_rows(path: Path) -> int:
    with path.open("rb") as handle:
        lines = sum(chunk.count(b"\n") for chunk in iter(lambda: handle.read(1 << 20), b""))
    return max(0, lines - 1)


def open_source(
    path: Path,
    format: Format,
    customers: int | None = None,
    until: date | None = None,
    currency: str | None = None,
) -> Source:
    """Read (IBM) or start streaming (generic) the file; `customers` keeps the first N customers.

    `currency` is for the IBM sample, which has none: one code for every amount, or None for each
    market's own (docs/replay.md).
    """
    if format == "ibm":
        rows = ibm.subset(ibm.read_rows(path), customers)
        days = [d for d in sorted_days(ibm.operations(rows, currency)) if until is None or d.day <= until]
        return Source(path, format, days, sum(len(d) for d in days))

    def stream() -> Iterator[BusinessDay]:
        with generic.open_generic(path) as handle:
            operations = _until(
                _first_customers(generic.read_operations(handle, str(path)), customers), until
            )
            yield from business_days(operations)

    total = _count_rows(path) if customers is None and until is None else None
    return Source(path, format, stream(), total)


def guess_format(path: Path) -> Format:
    """ibm when the header has the sample's columns, else generic."""
    with path.open(encoding="utf-8-sig", errors="replace") as handle:
        header = handle.readline()
    return "ibm" if "invoiceNumber" in header and "countryCode" in header else "generic"
