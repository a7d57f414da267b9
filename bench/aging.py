"""Aging report over 1,000,000 open invoices: GET /v1/reports/aging for today and for a past date.

    uv run python bench/aging.py            # 1,000,000 invoices of 100,000 customers
    uv run python bench/aging.py --quick    # 100,000 of 10,000
    uv run python bench/aging.py --results aging.json

Loads the invoices through the bulk import into invoice-service (distributed mode, throw-away
database), then times the report through the API (median of three) as of the business day the
data is laid out around and as of 90 days before it. Baseline: a raw SQL GROUP BY of the same
buckets over the invoice table (the figure a hand-written query gets), median of three.
"""

import argparse
import asyncio
import statistics
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import asyncpg
import httpx
from ledger_data import (
    AS_OF,
    Figure,
    client,
    import_invoices,
    invoice_csv,
    invoice_service,
    mark_published,
    report,
    size,
    throwaway_database,
)

RUNS = 3
PAST = AS_OF - timedelta(days=90)
BASELINE = """
SELECT currency,
       CASE WHEN due_date >= $1 THEN 'current'
            WHEN due_date >= $1 - 30 THEN '1-30'
            WHEN due_date >= $1 - 60 THEN '31-60'
            WHEN due_date >= $1 - 90 THEN '61-90'
            WHEN due_date >= $1 - 180 THEN '91-180'
            WHEN due_date >= $1 - 365 THEN '181-365'
            ELSE 'over-365' END AS bucket,
       sum(outstanding) AS amount, count(*) AS count
FROM invoices
WHERE issue_date <= $1 AND (closed_on IS NULL OR closed_on > $1) AND outstanding > 0
GROUP BY 1, 2
"""


async def timed_report(http: httpx.AsyncClient, as_of: date) -> tuple[float, list[dict[str, Any]]]:
    """Median seconds of the aging report as of a date, and its rows."""
    seconds, rows = [], []
    for _ in range(RUNS):
        started = time.perf_counter()
        response = await http.get("/v1/reports/aging", params={"as_of": as_of.isoformat()})
        seconds.append(time.perf_counter() - started)
        response.raise_for_status()
        rows = response.json()["rows"]
    return statistics.median(seconds), rows


async def raw_group_by(dsn: str, as_of: date) -> tuple[float, dict[tuple[str, str], tuple[str, int]]]:
    """Median seconds of the hand-written GROUP BY, and its buckets."""
    connection = await asyncpg.connect(dsn)
    try:
        seconds, found = [], []
        for _ in range(RUNS):
            started = time.perf_counter()
            found = await connection.fetch(BASELINE, as_of)
            seconds.append(time.perf_counter() - started)
    finally:
        await connection.close()
    return statistics.median(seconds), {
        (r["currency"], r["bucket"]): (str(r["amount"]), r["count"]) for r in found
    }


def same_buckets(rows: list[dict[str, Any]], raw: dict[tuple[str, str], tuple[str, int]]) -> bool:
    """The API's non-empty buckets equal the raw query's (amounts compared as numbers)."""
    api = {(r["currency"], r["bucket"]): (Decimal(r["amount"]), r["count"]) for r in rows if r["count"]}
    return api == {key: (Decimal(amount), count) for key, (amount, count) in raw.items()}


async def run(quick: bool) -> Figure:
    rows = size(quick)
    async with throwaway_database("ledger_bench_aging") as dsn:
        with invoice_service(dsn) as url:
            async with client(url) as http:
                load_seconds, _ = await import_invoices(
                    http, invoice_csv(rows["invoices"], rows["customers"])
                )
                await mark_published(dsn)
                today, today_rows = await timed_report(http, AS_OF)
                past, past_rows = await timed_report(http, PAST)
        baseline, raw_today = await raw_group_by(dsn, AS_OF)
        baseline_past, raw_past = await raw_group_by(dsn, PAST)
    assert same_buckets(today_rows, raw_today) and same_buckets(past_rows, raw_past)
    return Figure(
        name="aging_1m",
        figure=today,
        unit="s",
        baseline=baseline,
        baseline_unit="s",
        params={
            **rows,
            "as_of": AS_OF.isoformat(),
            "past_as_of": PAST.isoformat(),
            "past_seconds": round(past, 3),
            "past_baseline_seconds": round(baseline_past, 3),
            "load_seconds": round(load_seconds, 3),
        },
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="a tenth of the size")
    parser.add_argument("--results", type=Path, help="write the figures here as JSON")
    args = parser.parse_args()
    report([asyncio.run(run(args.quick))], args.results)


if __name__ == "__main__":
    main()
