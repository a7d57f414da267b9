"""The generic ERP export: one CSV row per business event, in date order (see docs/replay.md)."""

import csv
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any, TextIO

from arflow_cli.replay.operations import PHASES, Kind, Operation, ReplayInputError

COLUMNS = (
    "type",
    "date",
    "customer_id",
    "reference",
    "invoice_number",
    "currency",
    "amount",
    "due_date",
    "payment_terms",
    "allocations",
    "reason",
    "outcome",
    "salesperson_id",
    "name",
    "country",
    "locale",
    "time_zone",
    "email",
    "phone",
    "segment",
    "collector_id",
)
REQUIRED = ("type", "date", "customer_id")
PROFILE_FIELDS = (
    "name",
    "country",
    "locale",
    "time_zone",
    "email",
    "phone",
    "segment",
    "salesperson_id",
    "collector_id",
)

Row = dict[str, str]


def _need(row: Row, *names: str) -> None:
    missing = [name for name in names if not row.get(name)]
    if missing:
        raise ValueError(f"a {row['type']} row needs {', '.join(missing)}")


def _present(row: Row, names: tuple[str, ...]) -> dict[str, str]:
    return {name: row[name] for name in names if row.get(name)}


def _customer(row: Row, day: date) -> tuple[str, dict[str, Any]]:
    _need(row, "name")
    return row["customer_id"], _present(row, PROFILE_FIELDS)


def _invoice(row: Row, day: date) -> tuple[str, dict[str, Any]]:
    _need(row, "reference", "currency", "amount")
    if not (row.get("due_date") or row.get("payment_terms")):
        raise ValueError("an invoice row needs due_date or payment_terms")
    body: dict[str, Any] = {
        "invoice_number": row["reference"],
        "customer_id": row["customer_id"],
        "currency": row["currency"],
        "amount": row["amount"],
        "issue_date": day.isoformat(),
    }
    if row.get("due_date"):
        body["due_date"] = row["due_date"]
    else:
        body["payment_terms"] = row["payment_terms"]
    if row.get("salesperson_id"):
        body["salesperson_id"] = row["salesperson_id"]
    return row["reference"], body


def _credit_note(row: Row, day: date) -> tuple[str, dict[str, Any]]:
    _need(row, "reference", "currency", "amount")
    body: dict[str, Any] = {
        "credit_note_number": row["reference"],
        "customer_id": row["customer_id"],
        "currency": row["currency"],
        "amount": row["amount"],
        "issue_date": day.isoformat(),
    }
    if row.get("invoice_number"):
        body["invoice_number"] = row["invoice_number"]
    if row.get("reason"):
        body["reason"] = row["reason"]
    return row["reference"], body


def _dispute(row: Row, day: date) -> tuple[str, dict[str, Any]]:
    _need(row, "reference", "invoice_number", "reason")
    body: dict[str, Any] = {
        "dispute_id": row["reference"],
        "invoice_number": row["invoice_number"],
        "opened_date": day.isoformat(),
        "reason_code": row["reason"],
    }
    if row.get("amount"):
        body["amount"] = row["amount"]
    return row["reference"], body


def _resolution(row: Row, day: date) -> tuple[str, dict[str, Any]]:
    _need(row, "reference", "outcome")
    if row["outcome"] not in ("valid", "invalid"):
        raise ValueError(f"outcome must be valid or invalid, not {row['outcome']!r}")
    return row["reference"], {"outcome": row["outcome"], "resolved_date": day.isoformat()}


def parse_allocations(text: str) -> list[dict[str, str]]:
    """'INV-1:100.00 INV-2:50.00' → [{"invoice_number": "INV-1", "amount": "100.00"}, …]."""
    allocations = []
    for part in text.split():
        number, sep, amount = part.rpartition(":")
        if not sep or not number or not amount:
            raise ValueError(f"allocation {part!r} is not INVOICE:AMOUNT")
        allocations.append({"invoice_number": number, "amount": amount})
    return allocations


def _payment(row: Row, day: date) -> tuple[str, dict[str, Any]]:
    _need(row, "reference", "currency", "amount")
    body: dict[str, Any] = {
        "payment_reference": row["reference"],
        "customer_id": row["customer_id"],
        "currency": row["currency"],
        "amount": row["amount"],
        "received_date": day.isoformat(),
    }
    if row.get("allocations"):
        body["allocations"] = parse_allocations(row["allocations"])
    return row["reference"], body


BUILDERS: dict[str, Callable[[Row, date], tuple[str, dict[str, Any]]]] = {
    "customer": _customer,
    "invoice": _invoice,
    "credit_note": _credit_note,
    "dispute": _dispute,
    "dispute_resolution": _resolution,
    "payment": _payment,
}
assert set(BUILDERS) == set(PHASES)


def operation(row: Row, line: int) -> Operation:
    """One row as an operation; ValueError names what is wrong."""
    kind = row.get("type", "")
    if kind not in BUILDERS:
        raise ValueError(f"unknown type {kind!r} (one of {', '.join(PHASES)})")
    _need(row, *REQUIRED)
    day = date.fromisoformat(row["date"])
    key, body = BUILDERS[kind](row, day)
    checked: Kind = kind  # type: ignore[assignment]
    return Operation(checked, day, row["customer_id"], key, body, line)


def read_operations(handle: TextIO, source: str = "input") -> Iterator[Operation]:
    """Stream the rows as operations; the file must be in date order (checked)."""
    reader = csv.DictReader(handle)
    missing = [c for c in REQUIRED if c not in (reader.fieldnames or [])]
    if missing:
        raise ReplayInputError(f"{source}: not the generic format, missing columns {', '.join(missing)}")
    last: date | None = None
    for line, row in enumerate(reader, start=1):
        try:
            op = operation({k: (v or "").strip() for k, v in row.items() if k is not None}, line)
        except ValueError as error:
            raise ReplayInputError(f"{source}: data row {line}: {error}") from None
        if last is not None and op.day < last:
            raise ReplayInputError(
                f"{source}: data row {line}: dated {op.day}, before the previous row "
                f"({last}); the generic format is in date order"
            )
        last = op.day
        yield op


def open_generic(path: Path) -> TextIO:
    """The file, opened as the reader expects it (UTF-8, optional BOM, any line ends)."""
    return path.open(newline="", encoding="utf-8-sig")
