"""The public IBM late-payment sample replayed through the domain rules (no REST, no database).

Every invoice is issued on its InvoiceDate on NET30 terms and paid in full on its SettledDate,
naming the invoice; the file's DueDate, DaysLate and DaysToSettle must come out on every row,
and aging as of several dates must match an independent count straight from the file.
"""

from datetime import date

import pytest
from ibm_sample import ABSENT, SAMPLE, Row, expected_aging, rows

from arflow_invoice.domain import (
    InvoiceState,
    RequestedAllocation,
    aging_buckets,
    allocate_payment,
    issue_invoice,
    post_allocations,
)

pytestmark = pytest.mark.skipif(not SAMPLE.exists(), reason=ABSENT)


def _replay(row: Row) -> InvoiceState:
    inv = issue_invoice(row.number, row.customer, "USD", row.amount, row.issued, payment_terms="NET30")
    request = [RequestedAllocation(row.number, row.amount)]
    result = allocate_payment(
        row.amount, "USD", [inv.open_item(row.settled)], request, customer_id=row.customer
    )
    assert result.unapplied == 0
    return post_allocations(inv, f"PAY-{row.number}", "USD", row.settled, result.allocations)


@pytest.fixture(scope="module")
def replayed() -> list[tuple[Row, InvoiceState]]:
    return [(row, _replay(row)) for row in rows()]


def test_the_sample_has_every_row(replayed: list[tuple[Row, InvoiceState]]) -> None:
    assert len(replayed) == 2466


def test_net30_terms_give_the_files_due_date_on_every_row(replayed: list[tuple[Row, InvoiceState]]) -> None:
    assert [inv.due_date for _, inv in replayed] == [row.due for row, _ in replayed]


def test_days_late_and_days_to_settle_match_the_file_on_every_row(
    replayed: list[tuple[Row, InvoiceState]],
) -> None:
    mismatches = [
        row.number
        for row, inv in replayed
        if (inv.days_late(row.settled), inv.days_to_settle(row.settled))
        != (row.days_late, row.days_to_settle)
    ]
    assert mismatches == []


def test_an_invoice_is_open_until_the_day_it_was_settled(replayed: list[tuple[Row, InvoiceState]]) -> None:
    row, inv = replayed[0]
    assert inv.outstanding(row.settled.fromordinal(row.settled.toordinal() - 1)) == row.amount
    assert inv.outstanding(row.settled) == 0


@pytest.mark.parametrize(
    "as_of", [date(2012, 6, 30), date(2012, 12, 31), date(2013, 3, 15), date(2013, 9, 30)]
)
def test_aging_matches_an_independent_count_from_the_file(
    replayed: list[tuple[Row, InvoiceState]], as_of: date
) -> None:
    expected = expected_aging([row for row, _ in replayed], as_of)  # straight from the file
    report = aging_buckets([inv for _, inv in replayed], as_of)
    assert {r.bucket: (r.amount, r.count) for r in report.rows if r.count} == expected
    assert expected, "the chosen dates should have open invoices"
