"""Bulk import input: CSV or NDJSON records, checked row by row with the single POST's rules.

Each record becomes either a *plain* row (explicit due date, no terms, lines or instalments,
printable-ASCII text: what an ERP export mostly holds), checked here with the domain's own
currency, amount and due-date rules and then COPYed into the ledger; or it goes through the
whole single-invoice path (`InvoiceIn` + `prepare_invoice`), which either accepts it or gives the
error the single POST would give. `plain_row` only says yes when the full path would accept
the row with the same figures (`tests/invoice_service/test_ledger_import_rows.py` checks that).
"""

import codecs
import csv
import io
import json
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from pydantic import ValidationError

from arflow_invoice import domain
from arflow_invoice.domain import LedgerError
from arflow_invoice.ledger.common import content_of
from arflow_invoice.ledger.invoicing import PreparedInvoice, prepare_invoice
from arflow_invoice.schemas import FIRST_DAY, LAST_DAY, InvoiceIn

CSV_COLUMNS = (
    "invoice_number",
    "customer_id",
    "currency",
    "amount",
    "issue_date",
    "due_date",
    "payment_terms",
    "salesperson_id",
    "order_id",
    "late_interest_rate",
    "day_count",
    "dunning_fee",
    "jurisdiction",
)
TERMS_COLUMNS = ("late_interest_rate", "day_count", "dunning_fee", "jurisdiction")
"""CSV columns that form the invoice's contract `terms`."""
PLAIN_KEYS = frozenset(("invoice_number", "customer_id", "currency", "amount", "issue_date", "due_date"))
OPTIONAL_KEYS = frozenset(("salesperson_id", "order_id"))

_NUMBER = re.compile(r"[A-Za-z0-9_./-]{1,100}")
_KEY = re.compile(r"[!-~](?:[ -~]{0,98}[!-~])?")  # printable ASCII, no surrounding spaces
_TEXT = re.compile(r"[ -~]{0,100}")
_AMOUNT = re.compile(r"[0-9]{1,12}(?:\.[0-9]{1,4})?")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")

PlainRow = tuple[int, str, str, str, Decimal, date, date, str | None, str | None]
"""(row, invoice_number, customer_id, currency, amount, issue_date, due_date, salesperson_id, order_id)."""
PLAIN_COLUMNS = CSV_COLUMNS[:4] + ("issue_date", "due_date", "salesperson_id", "order_id")
"""The invoice columns a plain row gives, in its order (after the row number)."""


@dataclass(frozen=True)
class RowError:
    """Why one row of an import was refused."""

    row: int
    invoice_number: str | None
    field: str | None
    detail: str

    def view(self) -> dict[str, Any]:
        """As it appears in the problem document."""
        return {
            "row": self.row,
            "invoice_number": self.invoice_number,
            "field": self.field,
            "detail": self.detail,
        }


def _date(text: str) -> date | None:
    if not _DATE.fullmatch(text):
        return None
    try:
        day = date.fromisoformat(text)
    except ValueError:
        return None
    return day if FIRST_DAY <= day <= LAST_DAY else None


def _optional(record: dict[str, Any], key: str) -> tuple[bool, str | None]:
    value = record.get(key)
    if value is None:
        return True, None
    return isinstance(value, str) and _TEXT.fullmatch(value) is not None, value


def plain_row(row: int, record: dict[str, Any]) -> PlainRow | None:
    """The row ready for COPY into the ledger, or None when it needs the full single-invoice path."""
    if not PLAIN_KEYS <= record.keys() or not record.keys() <= PLAIN_KEYS | OPTIONAL_KEYS:
        return None
    number, customer, currency = record["invoice_number"], record["customer_id"], record["currency"]
    amount_text, issued, due = record["amount"], record["issue_date"], record["due_date"]
    if not (
        isinstance(number, str)
        and _NUMBER.fullmatch(number)
        and isinstance(customer, str)
        and _KEY.fullmatch(customer)
        and isinstance(currency, str)
        and currency in domain.MINOR_UNITS
        and isinstance(amount_text, str)
        and _AMOUNT.fullmatch(amount_text)
        and isinstance(issued, str)
        and isinstance(due, str)
    ):
        return None
    salesperson_ok, salesperson = _optional(record, "salesperson_id")
    order_ok, order = _optional(record, "order_id")
    issue_date, due_date = _date(issued), _date(due)
    if not (salesperson_ok and order_ok) or issue_date is None or due_date is None or due_date < issue_date:
        return None
    try:  # the domain's own rule: positive, at most the currency's decimals
        amount = domain.validate_amount(amount_text, currency)
    except LedgerError:
        return None
    return (row, number, customer, currency, amount, issue_date, due_date, salesperson, order)


_FIELD_OF_ERROR = {
    "UnknownCurrency": "currency",
    "InvalidAmount": "amount",
    "InvalidDate": "due_date",
    "InvalidPaymentTerms": "payment_terms",
}


def prepared_row(row: int, record: dict[str, Any]) -> PreparedInvoice | RowError:
    """The row through the single POST's validation: prepared for storage, or why it is refused."""
    number = record.get("invoice_number") if isinstance(record.get("invoice_number"), str) else None
    try:
        body = InvoiceIn.model_validate(record)
    except ValidationError as error:
        first = error.errors(include_url=False)[0]
        field = ".".join(str(part) for part in first["loc"]) or None
        return RowError(row, number, field, f"{field}: {first['msg']}" if field else first["msg"])
    try:
        return prepare_invoice(body, content_of(body, "invoice_number"))
    except LedgerError as error:
        field = error.extra.get("field") or _FIELD_OF_ERROR.get(type(error).__name__)
        return RowError(row, number, field, error.detail)


class ImportFormatError(ValueError):
    """The stream is not the CSV or NDJSON the import takes (a header, encoding or JSON problem)."""

    def __init__(self, detail: str, row: int | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.row = row


async def _text_chunks(body: AsyncIterator[bytes]) -> AsyncIterator[str]:
    decoder = codecs.getincrementaldecoder("utf-8-sig")()
    try:
        async for chunk in body:
            yield decoder.decode(chunk)
        yield decoder.decode(b"", final=True)
    except UnicodeDecodeError as error:
        raise ImportFormatError(f"the body is not UTF-8 text ({error.reason})") from None


async def _complete_lines(body: AsyncIterator[bytes], quoted: bool) -> AsyncIterator[str]:
    """Text up to a line end, never cutting a CSV field quoted over several lines."""
    pending = ""
    async for text in _text_chunks(body):
        pending += text
        cut = pending.rfind("\n")
        # A newline is a record end only outside quotes: after an even number of '"' ('""' escapes one).
        while quoted and cut >= 0 and pending.count('"', 0, cut) % 2:
            cut = pending.rfind("\n", 0, cut)
        if cut >= 0:
            yield pending[: cut + 1]
            pending = pending[cut + 1 :]
    if pending:
        yield pending


def _csv_record(names: list[str], cells: list[str]) -> dict[str, Any]:
    record: dict[str, Any] = {name: cell for name, cell in zip(names, cells, strict=False) if cell != ""}
    terms = {name: record.pop(name) for name in TERMS_COLUMNS if name in record}
    if terms:
        record["terms"] = terms
    if len(cells) > len(names):
        record["_extra_cells"] = cells[len(names) :]
    return record


async def csv_records(body: AsyncIterator[bytes]) -> AsyncIterator[list[tuple[int, dict[str, Any]]]]:
    """Batches of (row number, record) from CSV with a header row; empty cells are absent fields."""
    names: list[str] | None = None
    row = 0
    async for text in _complete_lines(body, quoted=True):
        batch = []
        try:
            parsed = list(csv.reader(io.StringIO(text, newline="")))
        except csv.Error as error:
            raise ImportFormatError(f"the CSV after row {row} cannot be read: {error}", row + 1) from None
        for cells in parsed:
            if names is None:
                names = [name.strip() for name in cells]
                unknown = [name for name in names if name not in CSV_COLUMNS]
                if unknown or len(set(names)) != len(names):
                    raise ImportFormatError(
                        f"the CSV header names unknown or repeated columns {unknown or names}; "
                        f"use these: {', '.join(CSV_COLUMNS)}"
                    )
                continue
            if not cells:
                continue
            row += 1
            batch.append((row, _csv_record(names, cells)))
        yield batch
    if names is None:
        raise ImportFormatError("the CSV is empty: send a header row, then one invoice per row")


async def ndjson_records(body: AsyncIterator[bytes]) -> AsyncIterator[list[tuple[int, dict[str, Any]]]]:
    """Batches of (line number, object) from newline-delimited JSON; blank lines are skipped."""
    line = 0
    async for text in _complete_lines(body, quoted=False):
        batch = []
        items = text.split("\n")
        if items[-1] == "":  # the text ends with a line end
            items.pop()
        for item in items:
            line += 1
            if not item.strip():
                continue
            try:
                record = json.loads(item)
            except (ValueError, RecursionError) as error:
                raise ImportFormatError(f"line {line} is not JSON: {error}", line) from None
            if not isinstance(record, dict):
                raise ImportFormatError(f"line {line} is not a JSON object (one invoice per line)", line)
            batch.append((line, record))
        yield batch


def records_of(
    media_type: str, body: AsyncIterator[bytes]
) -> AsyncIterator[list[tuple[int, dict[str, Any]]]]:
    """The record batches of a body in one of the import's formats."""
    if media_type == "text/csv":
        return csv_records(body)
    return ndjson_records(body)


def extra_cells_error(row: int, record: dict[str, Any]) -> RowError | None:
    """A CSV row with more cells than the header has columns."""
    if "_extra_cells" not in record:
        return None
    number = record.get("invoice_number")
    return RowError(
        row, number if isinstance(number, str) else None, None, "the row has more cells than the header"
    )
