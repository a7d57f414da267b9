"""The IBM late-payment sample replayed through the REST API (embedded: SQLite, in-process bus, ASGI).

Every invoice on its InvoiceDate with 30-day terms, its payment on its SettledDate naming it, a day
close every day in date order: the ledger must reproduce the file's DueDate, DaysLate and
DaysToSettle on every row, and its aging as of several dates must equal a count straight from the file.
"""

import time
from collections import Counter
from typing import Any

import pytest
from ibm_sample import ABSENT, AGING_DATES, SAMPLE, aging_of, expected_aging, replay, rows
from ledger_support import Ledger

pytestmark = pytest.mark.skipif(not SAMPLE.exists(), reason=ABSENT)


async def listed(ledger: Ledger) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    cursor = None
    while True:
        page = await ledger.get("/v1/invoices", limit=500, **({"cursor": cursor} if cursor else {}))
        items += page["items"]
        if not (cursor := page["next_cursor"]):
            return items


async def test_the_ibm_sample_replays_to_the_files_days_late_days_to_settle_and_aging(ledger: Ledger) -> None:
    sample = rows()
    started = time.perf_counter()

    async def post(path: str, body: dict[str, Any]) -> Any:
        return await ledger.post(path, body)

    closed = await replay(sample, post)
    print(
        f"replayed {len(sample)} invoices, {len(sample)} payments, {closed} day closes "
        f"in {time.perf_counter() - started:.1f}s"
    )

    by_number = {item["invoice_number"]: item for item in await listed(ledger)}
    assert len(by_number) == len(sample) == 2466
    mismatches = [
        row.number
        for row in sample
        if (
            by_number[row.number]["due_date"],
            by_number[row.number]["paid_date"],
            by_number[row.number]["days_late"],
            by_number[row.number]["days_to_settle"],
            by_number[row.number]["status"],
        )
        != (row.due.isoformat(), row.settled.isoformat(), row.days_late, row.days_to_settle, "paid")
    ]
    assert mismatches == []
    first = await ledger.get(f"/v1/invoices/{sample[0].number}")
    assert (first["days_late"], first["days_to_settle"]) == (sample[0].days_late, sample[0].days_to_settle)

    for as_of in AGING_DATES:
        report = await ledger.get("/v1/reports/aging", as_of=as_of.isoformat())
        assert aging_of(report) == expected_aging(sample, as_of), as_of

    counts = Counter(e.event_type for e in await ledger.events())
    assert counts["InvoiceIssued"] == counts["PaymentReceived"] == counts["InvoicePaid"] == len(sample)
    assert counts["BusinessDayClosed"] == closed
    # A payment posted before its day's close settles an invoice 1 day late before the close sees it.
    assert counts["InvoiceOverdue"] == sum(1 for row in sample if row.days_late >= 2)
