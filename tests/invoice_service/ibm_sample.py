"""The public IBM late-payment sample as a replay through the ledger's REST API, and the file's own figures.

Each invoice is posted on its InvoiceDate with NET30 terms, its payment (the full amount, naming
the invoice) on its SettledDate, and the business day is closed after each day's documents.
"""

import csv
from collections import defaultdict
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

SAMPLE = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "ibm_accounts_receivable.csv"
ABSENT = f"public sample data absent: {SAMPLE} (../shared/data/ beside the project)"


@dataclass(frozen=True)
class Row:
    """One invoice of the file."""

    number: str
    customer: str
    issued: date
    due: date
    amount: Decimal
    settled: date
    days_to_settle: int
    days_late: int


def _day(text: str) -> date:
    return datetime.strptime(text, "%m/%d/%Y").date()


def rows(customers: int | None = None) -> list[Row]:
    """The file's rows; with `customers`, only the rows of the first that many customers (file order)."""
    with SAMPLE.open(newline="") as handle:
        found = [
            Row(
                r["invoiceNumber"],
                r["customerID"],
                _day(r["InvoiceDate"]),
                _day(r["DueDate"]),
                Decimal(r["InvoiceAmount"]),
                _day(r["SettledDate"]),
                int(r["DaysToSettle"]),
                int(r["DaysLate"]),
            )
            for r in csv.DictReader(handle)
        ]
    if customers is None:
        return found
    chosen = list(dict.fromkeys(r.customer for r in found))[:customers]
    return [r for r in found if r.customer in set(chosen)]


def invoice_body(row: Row) -> dict[str, Any]:
    """POST /v1/invoices for a row: 30-day terms."""
    return {
        "invoice_number": row.number,
        "customer_id": row.customer,
        "currency": "USD",
        "amount": str(row.amount),
        "issue_date": row.issued.isoformat(),
        "payment_terms": "NET30",
    }


def payment_body(row: Row) -> dict[str, Any]:
    """POST /v1/payments for a row: the full amount on the settled date, naming the invoice."""
    return {
        "payment_reference": f"PAY-{row.number}",
        "customer_id": row.customer,
        "currency": "USD",
        "amount": str(row.amount),
        "received_date": row.settled.isoformat(),
        "allocations": [{"invoice_number": row.number, "amount": str(row.amount)}],
    }


@dataclass(frozen=True)
class Day:
    """What happens on one business day of the replay."""

    day: date
    invoices: list[dict[str, Any]]
    payments: list[dict[str, Any]]


def days(sample: Sequence[Row]) -> list[Day]:
    """The days with documents, in order, each with the invoices issued and payments settled that day."""
    issued: dict[date, list[Row]] = defaultdict(list)
    settled: dict[date, list[Row]] = defaultdict(list)
    for row in sample:
        issued[row.issued].append(row)
        settled[row.settled].append(row)
    return [
        Day(day, [invoice_body(r) for r in issued[day]], [payment_body(r) for r in settled[day]])
        for day in sorted(issued.keys() | settled.keys())
    ]


Post = Callable[[str, dict[str, Any]], Awaitable[Any]]


async def replay(sample: Sequence[Row], post: Post) -> int:
    """Every day from the first invoice to the last settlement is closed, in order, after its documents.

    A day's invoices, then its payments (one batch request each), are posted once every earlier
    day is closed; a close request names the day before, so days without documents in between
    are closed by the same request, each on its own. Returns the number of days closed.
    """
    schedule = days(sample)
    for today, tomorrow in zip(schedule, [*schedule[1:], None], strict=True):
        if today.invoices:
            await post("/v1/invoices/batch", {"invoices": today.invoices})
        if today.payments:
            await post("/v1/payments/batch", {"payments": today.payments})
        if today is schedule[0]:  # the first close starts the business clock on its own date
            await post("/v1/day-close", {"as_of": today.day.isoformat()})
        last = tomorrow.day - timedelta(days=1) if tomorrow else today.day
        if last > schedule[0].day:
            await post("/v1/day-close", {"as_of": last.isoformat()})
    return (schedule[-1].day - schedule[0].day).days + 1


def bucket(days_past_due: int) -> str:
    """The issue's buckets, written out independently of the ledger's code."""
    for upper, label in (
        (0, "current"),
        (30, "1-30"),
        (60, "31-60"),
        (90, "61-90"),
        (180, "91-180"),
        (365, "181-365"),
    ):
        if days_past_due <= upper:
            return label
    return "over-365"


def expected_aging(sample: Sequence[Row], as_of: date) -> dict[str, tuple[Decimal, int]]:
    """Bucket → (amount, count) straight from the file: open means issued by as_of and settled after it."""
    found: dict[str, tuple[Decimal, int]] = {}
    for row in sample:
        if row.issued <= as_of < row.settled:
            label = bucket((as_of - row.due).days)
            amount, count = found.get(label, (Decimal(0), 0))
            found[label] = (amount + row.amount, count + 1)
    return found


def aging_of(report: dict[str, Any]) -> dict[str, tuple[Decimal, int]]:
    """The API's USD rows as bucket → (amount, count), empty buckets left out."""
    return {
        r["bucket"]: (Decimal(r["amount"]), r["count"])
        for r in report["rows"]
        if r["currency"] == "USD" and r["count"]
    }


AGING_DATES = [
    date(2012, 6, 30),
    date(2012, 12, 31),
    date(2013, 3, 15),
    date(2013, 9, 30),
    date(2013, 12, 31),
]
