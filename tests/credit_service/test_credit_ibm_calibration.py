"""Calibration on the IBM sample: customers who pay later score lower (Spearman rho < -0.8)."""

import csv
import statistics
from collections import defaultdict
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from arflow_credit.domain import PaymentHistory, SettledInvoice, score_customer

IBM_CSV = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "ibm_accounts_receivable.csv"


def average_ranks(values: list[float]) -> list[float]:
    """Ranks 1..n, ties sharing the mean of their positions."""
    order = sorted(range(len(values)), key=values.__getitem__)
    ranks = [0.0] * len(values)
    start = 0
    while start < len(order):
        end = start
        while end + 1 < len(order) and values[order[end + 1]] == values[order[start]]:
            end += 1
        for position in range(start, end + 1):
            ranks[order[position]] = (start + end) / 2 + 1
        start = end + 1
    return ranks


def spearman(xs: list[float], ys: list[float]) -> float:
    """Spearman's rho: Pearson correlation of the average ranks."""
    rx, ry = average_ranks(xs), average_ranks(ys)
    mx, my = statistics.fmean(rx), statistics.fmean(ry)
    cov = sum((a - mx) * (b - my) for a, b in zip(rx, ry, strict=True))
    var_x = sum((a - mx) ** 2 for a in rx)
    var_y = sum((b - my) ** 2 for b in ry)
    return cov / (var_x * var_y) ** 0.5


def test_spearman_matches_known_values_with_and_without_ties() -> None:
    assert spearman([1, 2, 3, 4], [10, 20, 30, 40]) == pytest.approx(1.0)
    assert spearman([1, 2, 3, 4], [4, 3, 2, 1]) == pytest.approx(-1.0)
    assert average_ranks([5, 1, 5, 3]) == [3.5, 1.0, 3.5, 2.0]


def parse_day(text: str) -> date:
    return datetime.strptime(text, "%m/%d/%Y").date()


@pytest.mark.skipif(not IBM_CSV.exists(), reason=f"IBM sample data absent: {IBM_CSV} not found")
def test_customers_who_pay_later_on_the_ibm_sample_score_lower() -> None:
    with IBM_CSV.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    by_customer: dict[str, list[dict[str, str]]] = defaultdict(list)
    for row in rows:
        by_customer[row["customerID"]].append(row)
    as_of = max(parse_day(row["SettledDate"]) for row in rows)
    mean_days_late, scores = [], []
    for invoices in by_customer.values():
        history = PaymentHistory(
            settled=tuple(
                SettledInvoice(
                    Decimal(row["InvoiceAmount"]),
                    parse_day(row["DueDate"]),
                    parse_day(row["SettledDate"]),
                    row["Disputed"] == "Yes",
                )
                for row in invoices
            ),
            first_invoice_date=min(parse_day(row["InvoiceDate"]) for row in invoices),
        )
        mean_days_late.append(statistics.fmean(int(row["DaysLate"]) for row in invoices))
        scores.append(float(score_customer(history, as_of).score))
    rho = spearman(mean_days_late, scores)
    assert len(scores) == 100
    assert rho < -0.8, f"Spearman rho between mean DaysLate and score is {rho:.4f}"
