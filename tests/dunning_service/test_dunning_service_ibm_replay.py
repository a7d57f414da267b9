"""The IBM late-payment history replayed as ledger events through dunning-service's own handlers.

Each day of the file, in date order, as the ledger would tell it: invoices issued that day
(InvoiceIssued), invoices settled that day (InvoicePaid; the PaymentAllocated before it changes
nothing the count depends on and is left out to keep the replay fast), invoices still unpaid
the day after their due date (InvoiceOverdue, days_overdue 1), then BusinessDayClosed.
No customer is rated, so every customer gets the default class (B, see docs/dunning.md).

The independent count needs nothing of the service: an invoice reaches a stage of `days` days
iff it was still unpaid when that day closed, i.e. settled − due > days (a payment on the stage's
day comes before that day's close), and its amount meets the stage's minimum (and that of every
stage before it). settled − due comes from the file's DaysLate, or for invoices paid on time
(DaysLate 0) from DaysToSettle − 30 (all of the file's invoices are on 30-day terms).
"""

import csv
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from dunning_support import DunningFeed, closed, fresh_feed, issued
from sqlalchemy import func, select

from arflow_contracts.ledger import InvoiceIssuedV1, InvoiceOverdueV1, InvoicePaidV1
from arflow_dunning.domain import DEFAULT_POLICIES
from arflow_dunning.settings import EvaluationRules
from arflow_dunning.store import CollectionCase, StageReached

DATA = Path(__file__).resolve().parents[3] / "shared" / "data" / "ibm_accounts_receivable.csv"
RULES = EvaluationRules()
POLICY = DEFAULT_POLICIES[RULES.default_risk_class]
CURRENCY = "USD"  # the file has no currency

pytestmark = pytest.mark.skipif(
    not DATA.exists(), reason=f"IBM sample data not found at {DATA} (see shared/data/SOURCE.md)"
)


@dataclass(frozen=True)
class Row:
    invoice: InvoiceIssuedV1
    settled: date
    days_to_settle: int
    days_late: int


def _date(text: str) -> date:
    return datetime.strptime(text, "%m/%d/%Y").date()


def load_rows() -> list[Row]:
    with DATA.open(newline="", encoding="utf-8") as handle:
        return [
            Row(
                invoice=issued(
                    raw["invoiceNumber"],
                    raw["customerID"],
                    _date(raw["DueDate"]),
                    raw["InvoiceAmount"],
                    CURRENCY,
                ).model_copy(update={"issue_date": _date(raw["InvoiceDate"])}),
                settled=_date(raw["SettledDate"]),
                days_to_settle=int(raw["DaysToSettle"]),
                days_late=int(raw["DaysLate"]),
            )
            for raw in csv.DictReader(handle)
        ]


def independent_counts(rows: list[Row]) -> Counter[str]:
    """Stages reached, from DaysLate / DaysToSettle and the policy's stage days alone."""
    counts: Counter[str] = Counter()
    for row in rows:
        delay = row.days_late if row.days_late > 0 else row.days_to_settle - 30
        for stage in POLICY.stages:
            if not (delay > stage.days and row.invoice.amount >= stage.minimum_for(CURRENCY)):
                break
            counts[stage.key] += 1
    return counts


async def replay(feed: DunningFeed, rows: list[Row]) -> None:
    """Every business day from the first invoice to the last settlement, in the ledger's order."""
    issued_on, settled_on, due_on = defaultdict(list), defaultdict(list), defaultdict(list)
    for row in rows:
        issued_on[row.invoice.issue_date].append(row)
        settled_on[row.settled].append(row)
        due_on[row.invoice.due_date].append(row)
    day, last = min(issued_on), max(settled_on)
    while day <= last:
        for row in issued_on[day]:
            await feed.feed(row.invoice)
        for row in settled_on[day]:
            invoice = row.invoice
            await feed.feed(
                InvoicePaidV1(
                    invoice_number=invoice.invoice_number,
                    customer_id=invoice.customer_id,
                    amount=invoice.amount,
                    currency=CURRENCY,
                    issue_date=invoice.issue_date,
                    due_date=invoice.due_date,
                    paid_date=day,
                    days_late=row.days_late,
                    days_to_settle=row.days_to_settle,
                )
            )
        for row in due_on[day - timedelta(days=1)]:
            if row.settled > day:
                invoice = row.invoice
                await feed.feed(
                    InvoiceOverdueV1(
                        invoice_number=invoice.invoice_number,
                        customer_id=invoice.customer_id,
                        due_date=invoice.due_date,
                        as_of=day,
                        outstanding=invoice.amount,
                        currency=CURRENCY,
                        days_overdue=1,
                    )
                )
        await feed.feed(closed(day))
        day += timedelta(days=1)


async def test_stage_counts_of_the_service_replay_equal_the_independent_count(tmp_path: Path) -> None:
    rows = load_rows()
    assert len(rows) == 2466
    async with fresh_feed(tmp_path, RULES) as feed:
        await replay(feed, rows)
        reached = await feed.query(select(StageReached.stage, func.count()).group_by(StageReached.stage))
        announced: Counter[str] = Counter()
        for event in await feed.published("DunningStageReached"):
            announced[event.data["stage_key"]] += len(event.data["invoice_numbers"])
        notices = await feed.published("NotificationRequested")
        cases = await feed.query(select(CollectionCase.status, func.count()).group_by(CollectionCase.status))

    expected = independent_counts(rows)
    service = Counter({stage: count for stage, count in reached})
    assert service == expected
    assert announced == expected
    if RULES.default_risk_class == "B":  # pinned for the file whose sha256 SOURCE.md gives
        assert {s.key: service[s.key] for s in POLICY.stages} == {
            "friendly_reminder": 1104,
            "reminder_1": 816,
            "reminder_2": 458,
            "formal_demand": 174,
            "final_notice": 8,
            "lawyer_letter": 0,
            "agency_handover": 0,
        }
    # One message per customer, stage and day; everything was paid in the end, so every case closed.
    assert len({(n.customer_id, n.data["stage"], n.data["as_of"]) for n in notices}) == len(notices)
    assert dict(cases).keys() == {"closed"} and dict(cases)["closed"] > 0
