"""Replay the IBM late-payment history through the class B default policy, day by day.

The rule the simulation must match, worked out from the evaluation rules:
- each invoice is evaluated every day from its due date − 3 (the first stage's day) until it is
  settled; it is paid in full on SettledDate, so from that date its outstanding is 0;
- the first evaluation falls on stage 0's day, and stage days are strictly increasing, so an
  invoice that is still unpaid reaches every stage exactly on its day: one stage per evaluation
  is enough and no catch-up is ever needed;
- so stage k (day d) is reached iff the invoice is unpaid on due + d, i.e. settled − due > d,
  and its amount reaches the minimum of stage k and of every stage before it (below a minimum
  it holds where it is);
- for d > 0 that is DaysLate > d (a payment on day +1 comes before reminder_1 on day +1); for
  d <= 0 DaysLate is clipped at 0, so the signed delay comes from DaysToSettle minus the 30-day
  terms.
The file has no currency; its amounts are read as USD. It has no dispute dates, so disputes
are not replayed.
"""

import csv
from collections import Counter
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from arflow_dunning.domain import DEFAULT_POLICIES, InvoiceDunningState, evaluate_invoice

DATA = Path(__file__).resolve().parents[3] / "shared" / "data" / "ibm_accounts_receivable.csv"
B = DEFAULT_POLICIES["B"]
CURRENCY = "USD"

pytestmark = pytest.mark.skipif(
    not DATA.exists(), reason=f"IBM sample data not found at {DATA} (see shared/data/SOURCE.md)"
)


@dataclass(frozen=True)
class Row:
    invoice_id: str
    customer_id: str
    invoice_date: date
    due_date: date
    settled_date: date
    amount: Decimal
    days_to_settle: int
    days_late: int


def _date(text: str) -> date:
    return datetime.strptime(text, "%m/%d/%Y").date()


def load_rows() -> list[Row]:
    with DATA.open(newline="", encoding="utf-8") as handle:
        return [
            Row(
                invoice_id=raw["invoiceNumber"],
                customer_id=raw["customerID"],
                invoice_date=_date(raw["InvoiceDate"]),
                due_date=_date(raw["DueDate"]),
                settled_date=_date(raw["SettledDate"]),
                amount=Decimal(raw["InvoiceAmount"]),
                days_to_settle=int(raw["DaysToSettle"]),
                days_late=int(raw["DaysLate"]),
            )
            for raw in csv.DictReader(handle)
        ]


def simulate(row: Row) -> list[tuple[str, date]]:
    """Daily evaluation from due − 3 until settled; returns (stage key, date reached)."""
    state = InvoiceDunningState(
        invoice_id=row.invoice_id,
        customer_id=row.customer_id,
        currency=CURRENCY,
        due_date=row.due_date,
        outstanding=row.amount,
    )
    reached = []
    as_of = row.due_date + timedelta(days=B.stages[0].days)
    while True:
        if as_of >= row.settled_date:
            state = replace(state, outstanding=Decimal(0))
        decision = evaluate_invoice(state, B, as_of)
        if decision.advanced:
            assert decision.current_stage is not None
            reached.append((decision.current_stage.key, as_of))
        state = decision.state
        if as_of >= row.settled_date:
            return reached
        as_of += timedelta(days=1)


def signed_delay(row: Row) -> int:
    """Settled − due from the file's own counters, not from its dates."""
    terms_days = 30
    return row.days_late if row.days_late > 0 else row.days_to_settle - terms_days


def expected_stages(row: Row) -> list[str]:
    """The stages an invoice reaches, computed from DaysLate/DaysToSettle alone."""
    keys = []
    for stage in B.stages:
        if not (signed_delay(row) > stage.days and row.amount >= stage.minimum_for(CURRENCY)):
            break
        keys.append(stage.key)
    return keys


# Pinned for the file whose sha256 SOURCE.md gives; the independent count is the real check.
EXPECTED_COUNTS = {
    "friendly_reminder": 1104,
    "reminder_1": 816,
    "reminder_2": 458,
    "formal_demand": 174,
    "final_notice": 8,
    "lawyer_letter": 0,
    "agency_handover": 0,
}


def test_the_file_has_the_shape_the_rule_relies_on() -> None:
    rows = load_rows()
    assert len(rows) == 2466
    for row in rows:
        assert (row.due_date - row.invoice_date).days == 30
        assert row.days_late == max(0, (row.settled_date - row.due_date).days)
        assert row.days_to_settle == (row.settled_date - row.invoice_date).days


def test_replayed_stage_counts_equal_the_independent_count_from_days_late() -> None:
    simulated: Counter[str] = Counter()
    independent: Counter[str] = Counter()
    for row in load_rows():
        reached = simulate(row)
        assert [key for key, _ in reached] == expected_stages(row)
        for key, on in reached:
            assert on == B.stages[B.index_of(key)].due_on(row.due_date)
        simulated.update(key for key, _ in reached)
        independent.update(expected_stages(row))
    assert simulated == independent
    assert {stage.key: simulated[stage.key] for stage in B.stages} == EXPECTED_COUNTS
