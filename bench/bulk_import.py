"""Bulk import throughput: POST /v1/invoice-imports against raw COPY of the same rows, same run.

    uv run python bench/bulk_import.py            # 1,000,000 invoices of 100,000 customers
    uv run python bench/bulk_import.py --quick    # 100,000 of 10,000
    uv run python bench/bulk_import.py --results bulk_import.json

Starts invoice-service (distributed mode) on a throw-away PostgreSQL database, streams the CSV
to the import endpoint (validation, invoices, InvoiceIssued per invoice in the outbox, one
transaction) and times it from the first byte sent to the answer. Baseline: COPY of the very
same CSV bytes into a bare table with the same columns (no indexes, no events), in the same
database right after. The re-import of the same file (a no-op) is timed too.
"""

import argparse
import asyncio
import time
from pathlib import Path

import asyncpg
from ledger_data import (
    Figure,
    chunks,
    client,
    import_invoices,
    invoice_csv,
    invoice_service,
    report,
    size,
    throwaway_database,
)

BARE = (
    "CREATE TABLE bare_invoices (invoice_number text, customer_id text, currency text, amount numeric, "
    "issue_date date, due_date date, salesperson_id text)"
)


async def raw_copy(dsn: str, data: bytes) -> float:
    """Seconds to COPY the CSV into a bare table (server-side CSV parsing, no indexes)."""
    connection = await asyncpg.connect(dsn)
    try:
        await connection.execute(BARE)
        started = time.perf_counter()
        await connection.copy_to_table("bare_invoices", source=chunks(data), format="csv", header=True)
        return time.perf_counter() - started
    finally:
        await connection.close()


async def run(quick: bool) -> Figure:
    rows = size(quick)
    data = invoice_csv(rows["invoices"], rows["customers"])
    async with throwaway_database("ledger_bench_import") as dsn:
        with invoice_service(dsn) as url:
            async with client(url) as http:
                seconds, answer = await import_invoices(http, data)
                assert answer["created"] == rows["invoices"], answer
                again, repeated = await import_invoices(http, data)
                assert repeated["created"] == 0, repeated
            copy_seconds = await raw_copy(dsn, data)
    return Figure(
        name="bulk_import",
        figure=rows["invoices"] / seconds,
        unit="rows/s",
        baseline=rows["invoices"] / copy_seconds,
        baseline_unit="rows/s",
        params={
            **rows,
            "import_seconds": round(seconds, 3),
            "raw_copy_seconds": round(copy_seconds, 3),
            "reimport_seconds": round(again, 3),
            "csv_bytes": len(data),
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
