"""Day close over 1,000,000 open invoices of 100,000 customers, 20 % of them overdue (invoice-service part).

    uv run python bench/day_close.py            # 1,000,000 invoices, 200,000 become overdue
    uv run python bench/day_close.py --quick    # 100,000 / 20,000
    uv run python bench/day_close.py --results day_close.json

Loads the invoices through the bulk import into invoice-service (distributed mode, throw-away
database, own topic prefix), marks the import's InvoiceIssued rows published (they are not what
is measured), then times POST /v1/day-close: until it answers (every InvoiceOverdue is then in
the outbox, committed with the close) and until the relay has published all of them to Kafka.
Baseline: raw SQL doing the same work on the same rows — one UPDATE marking them and one
INSERT ... SELECT of a minimal JSON row per invoice into a bare table — rolled back.

`close_day_and_wait` is the reusable part: a wider benchmark (dunning's evaluation of the same
close) can call it against its own running ledger and add its own timings.
"""

import argparse
import asyncio
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path

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
    overdue_count,
    report,
    size,
    throwaway_database,
    wait_for,
)


@dataclass
class DayCloseTimings:
    """Seconds from POST /v1/day-close: answered (events committed), and outbox published to Kafka."""

    closed_seconds: float
    drained_seconds: float
    overdue: int
    events_in_outbox: int


async def close_day_and_wait(
    http: httpx.AsyncClient, dsn: str, as_of: date, *, timeout: float = 600
) -> DayCloseTimings:
    """Close `as_of` through the API; time the close and the outbox draining to the bus."""
    database = await asyncpg.connect(dsn)
    try:
        started = time.monotonic()
        response = await http.post("/v1/day-close", json={"as_of": as_of.isoformat()})
        closed = time.monotonic()
        if response.status_code not in (200, 201):
            raise SystemExit(f"day close failed: {response.status_code} {response.text[:2000]}")
        overdue = sum(day["invoices_marked_overdue"] for day in response.json()["closed"])
        in_outbox = await database.fetchval(
            'SELECT count(*) FROM outbox WHERE payload LIKE \'%"event_type":"InvoiceOverdue"%\''
        )

        async def pending() -> int:
            return int(await database.fetchval("SELECT count(*) FROM outbox WHERE published_at IS NULL"))

        drained = await wait_for(pending, lambda n: n == 0, timeout, "the outbox to drain to Kafka")
    finally:
        await database.close()
    return DayCloseTimings(closed - started, drained - started, overdue, int(in_outbox))


BASELINE = """
WITH marked AS (
    UPDATE invoices SET overdue_notified_on = $1
    WHERE earliest_due_date < $1 AND outstanding > 0 AND closed_on IS NULL
    RETURNING invoice_number, customer_id, currency, due_date, outstanding
)
INSERT INTO bare_events (customer_id, payload)
SELECT customer_id, json_build_object('invoice_number', invoice_number, 'due_date', due_date,
    'outstanding', outstanding, 'currency', currency, 'days_overdue', $1 - due_date)::text
FROM marked
"""


async def raw_sql(dsn: str, as_of: date) -> tuple[float, int]:
    """Seconds for the same marking and one event row per invoice in plain SQL (rolled back)."""
    connection = await asyncpg.connect(dsn)
    try:
        await connection.execute("CREATE TABLE bare_events (customer_id text, payload text)")
        transaction = connection.transaction()
        await transaction.start()
        started = time.perf_counter()
        status = await connection.execute(BASELINE, as_of)
        seconds = time.perf_counter() - started
        await transaction.rollback()
        return seconds, int(status.split()[-1])
    finally:
        await connection.close()


async def run(quick: bool, outbox_batch_size: int | None) -> Figure:
    rows = size(quick)
    settings = {"INVOICE_OUTBOX_BATCH_SIZE": str(outbox_batch_size)} if outbox_batch_size else {}
    expected = overdue_count(rows["invoices"])
    async with throwaway_database("ledger_bench_close") as dsn:
        with invoice_service(dsn, **settings) as url:
            async with client(url) as http:
                load_seconds, _ = await import_invoices(
                    http, invoice_csv(rows["invoices"], rows["customers"])
                )
                await mark_published(dsn)
                timings = await close_day_and_wait(http, dsn, AS_OF)
        baseline, baseline_rows = await raw_sql(dsn, AS_OF)
    assert timings.overdue == timings.events_in_outbox == expected == baseline_rows, (timings, expected)
    return Figure(
        name="day_close_dunning_1m",
        figure=timings.closed_seconds,
        unit="s",
        baseline=baseline,
        baseline_unit="s",
        params={
            **rows,
            "overdue": timings.overdue,
            "close_seconds": round(timings.closed_seconds, 3),
            "drained_to_kafka_seconds": round(timings.drained_seconds, 3),
            "relay_events_per_second": round(
                timings.overdue / (timings.drained_seconds - timings.closed_seconds), 1
            )
            if timings.drained_seconds > timings.closed_seconds
            else None,
            "load_seconds": round(load_seconds, 3),
            "outbox_batch_size": outbox_batch_size or "service default",
        },
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="a tenth of the size")
    parser.add_argument("--results", type=Path, help="write the figures here as JSON")
    parser.add_argument("--outbox-batch-size", type=int, help="INVOICE_OUTBOX_BATCH_SIZE of the service")
    args = parser.parse_args()
    report([asyncio.run(run(args.quick, args.outbox_batch_size))], args.results)


if __name__ == "__main__":
    main()
