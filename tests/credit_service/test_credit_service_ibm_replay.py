"""The IBM sample replayed through credit-service's own handlers: customers who pay later score lower."""

import csv
import statistics
from collections import defaultdict
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from credit_harness import credit_core, day_closed, invoice, running_credit_service, sqlite_url
from test_credit_ibm_calibration import IBM_CSV, spearman

from arflow_contracts import EventData
from arflow_contracts.ledger import InvoiceDisputedV1, InvoicePaidV1
from arflow_runtime.settings import PlatformSettings

pytestmark = pytest.mark.skipif(not IBM_CSV.exists(), reason=f"IBM sample data absent: {IBM_CSV} not found")


def parse_day(text: str) -> date:
    return datetime.strptime(text, "%m/%d/%Y").date()


def ledger_events(row: dict[str, str]) -> list[tuple[date, int, EventData]]:
    """What the ledger emits for one invoice of the sample (settled in one payment), dated.

    InvoicePaid stands for the payment: for an invoice settled at once it carries the same fact as
    its PaymentAllocated (outstanding 0) plus the paid date scoring measures by. Leaving the
    allocations out keeps the replay of 2,466 invoices quick; the property test covers allocations.
    """
    number, customer = row["invoiceNumber"], row["customerID"]
    amount = row["InvoiceAmount"]
    issued, due, paid = (
        parse_day(row["InvoiceDate"]),
        parse_day(row["DueDate"]),
        parse_day(row["SettledDate"]),
    )
    events: list[tuple[date, int, EventData]] = [(issued, 0, invoice(number, customer, amount, issued, due))]
    if row["Disputed"] == "Yes":
        events.append(
            (
                issued,
                1,
                InvoiceDisputedV1(
                    dispute_id=f"D-{number}", invoice_number=number, customer_id=customer, opened_on=issued
                ),
            )
        )
    events.append(
        (
            paid,
            2,
            InvoicePaidV1(
                invoice_number=number,
                customer_id=customer,
                amount=Decimal(amount),
                currency="EUR",
                issue_date=issued,
                due_date=due,
                paid_date=paid,
                days_late=max(0, (paid - due).days),
                days_to_settle=(paid - issued).days,
            ),
        )
    )
    return events


# ~5,500 events, one transaction each: tens of seconds on a quiet machine, minutes on a loaded one.
@pytest.mark.timeout(900)
async def test_customers_who_pay_later_score_lower_after_the_ibm_sample_flows_through_the_handlers(
    embedded_platform: PlatformSettings,
) -> None:
    with IBM_CSV.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    events = sorted((event for row in rows for event in ledger_events(row)), key=lambda e: (e[0], e[1]))
    # Fed straight into the dispatcher (inbox + handler, one transaction each), as the consumer does,
    # without the bus. A replay starts the clock the day before its history and closes its last day.
    async with credit_core(sqlite_url(embedded_platform.data_dir)) as core:
        await core.feed(day_closed(events[0][0] - timedelta(days=1)))
        for _, _, event in events:
            await core.feed(event)
        await core.feed(day_closed(max(parse_day(row["SettledDate"]) for row in rows)))

    days_late: dict[str, list[int]] = defaultdict(list)
    for row in rows:
        days_late[row["customerID"]].append(int(row["DaysLate"]))
    mean_days_late, scores = [], []
    async with running_credit_service(embedded_platform) as credit:  # the same database, now over HTTP
        for customer, lateness in sorted(days_late.items()):
            response = await credit.reader.get(f"/v1/customers/{customer}/credit")
            assert response.status_code == 200, response.text
            mean_days_late.append(statistics.fmean(lateness))
            scores.append(float(response.json()["score"]))
    rho = spearman(mean_days_late, scores)
    assert len(scores) == 100
    assert rho < -0.8, f"Spearman rho between mean DaysLate and the service's score is {rho:.4f}"
