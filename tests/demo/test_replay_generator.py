"""`arflow generate`: a seeded, realistic history in the generic format, fast and streamed."""

import csv
import io
import time
from collections import Counter, defaultdict
from decimal import Decimal

from arflow_cli.replay.generator import generate
from arflow_cli.replay.generic import COLUMNS, read_operations


def generated(customers: int = 40, invoices: int = 1500, seed: int = 3, days: int = 365) -> str:
    out = io.StringIO()
    generate(out, customers, invoices, seed, days=days)
    return out.getvalue()


def test_the_same_seed_writes_the_same_file_and_another_seed_another() -> None:
    assert generated(seed=3) == generated(seed=3)
    assert generated(seed=3) != generated(seed=4)


def test_every_row_reads_back_as_an_operation_in_date_order() -> None:
    text = generated()
    operations = list(read_operations(io.StringIO(text), "generated"))
    assert len(operations) == text.count("\n") - 1
    assert [op.day for op in operations] == sorted(op.day for op in operations)
    assert next(csv.reader(io.StringIO(text))) == list(COLUMNS)


def test_the_history_has_the_variety_a_receivables_ledger_meets() -> None:
    operations = list(read_operations(io.StringIO(generated(customers=60, invoices=4000)), "generated"))
    kinds = Counter(op.kind for op in operations)
    assert kinds["customer"] == 60 and kinds["invoice"] == 4000
    assert kinds["payment"] > 3000 and kinds["dispute"] > 20 and kinds["credit_note"] > 20
    assert {"valid", "invalid"} <= {
        op.body["outcome"] for op in operations if op.kind == "dispute_resolution"
    }
    currencies = {op.body["currency"] for op in operations if op.kind == "invoice"}
    assert len(currencies) >= 4
    payments_per_invoice: Counter[str] = Counter()
    for op in operations:
        for allocation in op.body.get("allocations", []) if op.kind == "payment" else []:
            payments_per_invoice[allocation["invoice_number"]] += 1
    assert max(payments_per_invoice.values()) >= 2, "some invoices are paid in parts"
    assert any(op.kind == "payment" and "allocations" not in op.body for op in operations), (
        "some name no invoice"
    )
    assert {op.body["segment"] for op in operations if op.kind == "customer" and "segment" in op.body} == {
        "defaulting"
    }


def test_amounts_have_the_decimals_of_their_currency_and_payments_never_exceed_what_is_owed() -> None:
    owed: dict[str, Decimal] = {}
    paid: defaultdict[str, Decimal] = defaultdict(Decimal)
    for op in read_operations(io.StringIO(generated(customers=30, invoices=2000, seed=9)), "generated"):
        if op.kind == "invoice":
            decimals = 0 if op.body["currency"] == "JPY" else 2
            assert -Decimal(op.body["amount"]).as_tuple().exponent == decimals, op.body  # type: ignore[operator]
            owed[op.key] = Decimal(op.body["amount"])
        elif op.kind == "payment":
            for allocation in op.body.get("allocations", []):
                paid[allocation["invoice_number"]] += Decimal(allocation["amount"])
    assert all(paid[number] <= owed[number] for number in paid)


def test_a_million_rows_take_well_under_a_minute() -> None:
    out = io.StringIO()
    started = time.process_time()
    stats = generate(out, 1000, 100_000, seed=1)
    seconds = time.process_time() - started
    per_million = seconds / stats.rows * 1_000_000
    print(f"{stats.rows:,} rows in {seconds:.2f}s CPU: {per_million:.1f}s per million rows")
    assert stats.rows > 200_000
    assert per_million < 30, f"{per_million:.1f}s of CPU per million rows"
