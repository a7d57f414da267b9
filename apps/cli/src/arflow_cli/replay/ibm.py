"""The IBM late-payment sample (ibm_accounts_receivable.csv) as an ERP's history.

Each row is one invoice settled in one payment. The file has no currency, names, contacts or
dispute dates; docs/replay.md says how each is filled in, and the mapping below is the one place
where the sample's opaque country codes become markets.
"""

import csv
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from arflow_cli.replay.operations import Operation, ReplayInputError

COLUMNS = (
    "countryCode",
    "customerID",
    "PaperlessDate",
    "invoiceNumber",
    "InvoiceDate",
    "DueDate",
    "InvoiceAmount",
    "Disputed",
    "SettledDate",
    "PaperlessBill",
    "DaysToSettle",
    "DaysLate",
)


@dataclass(frozen=True)
class Market:
    """Where a customer of the sample sits: country, language, clock and money."""

    country: str
    locale: str
    time_zone: str
    currency: str
    city: str
    phone_prefix: str


# The sample's codes are not ISO 3166 numeric codes (only 818, Egypt, is one), so each is given a
# market of its own: five currencies, two scripts and time zones from UTC-5 to UTC+8.
MARKETS: dict[str, Market] = {
    "391": Market("US", "en-US", "America/New_York", "USD", "New York", "+1212555"),
    "406": Market("DE", "de-DE", "Europe/Berlin", "EUR", "Berlin", "+49301234"),
    "770": Market("CN", "zh-CN", "Asia/Shanghai", "CNY", "Shanghai", "+862161234"),
    "818": Market("EG", "ar-EG", "Africa/Cairo", "EGP", "Cairo", "+20212345"),
    "897": Market("GB", "en-GB", "Europe/London", "GBP", "London", "+44207946"),
}
DISPUTE_AFTER_DAYS = 10
"""A disputed invoice's dispute opens this many days after issue (or on its settlement, if sooner)."""


@dataclass(frozen=True)
class IbmRow:
    """One line of the sample."""

    line: int
    country_code: str
    customer_id: str
    paperless_since: date
    invoice_number: str
    issued: date
    due: date
    amount: str
    disputed: bool
    settled: date


def _date(text: str) -> date:
    return datetime.strptime(text.strip(), "%m/%d/%Y").date()


def read_rows(path: Path) -> list[IbmRow]:
    """Every row of the file, checked; M/D/YYYY dates, CRLF or LF line ends."""
    rows: list[IbmRow] = []
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise ReplayInputError(f"{path}: not the IBM sample format, missing columns {', '.join(missing)}")
        for number, raw in enumerate(reader, start=1):
            try:
                rows.append(
                    IbmRow(
                        number,
                        raw["countryCode"].strip(),
                        raw["customerID"].strip(),
                        _date(raw["PaperlessDate"]),
                        raw["invoiceNumber"].strip(),
                        _date(raw["InvoiceDate"]),
                        _date(raw["DueDate"]),
                        raw["InvoiceAmount"].strip(),
                        raw["Disputed"].strip().lower() == "yes",
                        _date(raw["SettledDate"]),
                    )
                )
            except (ValueError, KeyError, AttributeError) as error:
                raise ReplayInputError(f"{path}: data row {number}: {error}") from None
            if rows[-1].country_code not in MARKETS:
                raise ReplayInputError(
                    f"{path}: data row {number}: unknown countryCode {rows[-1].country_code!r} "
                    f"(known: {', '.join(sorted(MARKETS))})"
                )
    return rows


def _salesperson(customer_id: str, market: Market) -> str:
    return f"sp-{market.country.lower()}-{zlib.crc32(customer_id.encode()) % 2 + 1}"


def profile(row: IbmRow, with_email: bool) -> dict[str, Any]:
    """The customer master the ERP would keep for a customer of the sample."""
    market = MARKETS[row.country_code]
    slug = row.customer_id.lower()
    number = zlib.crc32(row.customer_id.encode()) % 1000
    body: dict[str, Any] = {
        "name": f"Customer {row.customer_id}",
        "country": market.country,
        "locale": market.locale,
        "time_zone": market.time_zone,
        "phone": f"{market.phone_prefix}{number:03d}",
        "contact_name": "Accounts Payable",
        "address": {
            "lines": [f"Customer {row.customer_id}", f"{number + 1} Harbour Road"],
            "postal_code": f"{10000 + number}",
            "city": market.city,
            "country": market.country,
        },
        "salesperson_id": _salesperson(row.customer_id, market),
        "collector_id": f"col-{market.country.lower()}",
        "jurisdiction": market.country,
    }
    if with_email:
        body["email"] = f"ap.{slug}@customers.example"
    return body


def operations(rows: Iterable[IbmRow], currency: str | None = None) -> Iterator[Operation]:
    """The ERP's actions for the sample, unordered; amounts in `currency` (None: each market's own)."""
    first_seen: dict[str, IbmRow] = {}
    for row in sorted(rows, key=lambda r: (r.issued, r.line)):
        if row.customer_id not in first_seen:
            first_seen[row.customer_id] = row
            paperless = row.paperless_since <= row.issued
            yield Operation(
                "customer", row.issued, row.customer_id, row.customer_id, profile(row, paperless), row.line
            )
            if not paperless:
                # The customer switches to paperless billing: the ERP adds the email address that day.
                yield Operation(
                    "customer",
                    row.paperless_since,
                    row.customer_id,
                    row.customer_id,
                    profile(row, True),
                    row.line,
                )
        market = MARKETS[row.country_code]
        money = currency or market.currency
        yield Operation(
            "invoice",
            row.issued,
            row.customer_id,
            row.invoice_number,
            {
                "invoice_number": row.invoice_number,
                "customer_id": row.customer_id,
                "currency": money,
                "amount": row.amount,
                "issue_date": row.issued.isoformat(),
                "due_date": row.due.isoformat(),
                "salesperson_id": _salesperson(row.customer_id, market),
                "terms": {"jurisdiction": market.country},
            },
            row.line,
        )
        if row.disputed:
            dispute_id = f"DSP-{row.invoice_number}"
            opened = min(row.issued + timedelta(days=DISPUTE_AFTER_DAYS), row.settled)
            yield Operation(
                "dispute",
                opened,
                row.customer_id,
                dispute_id,
                {
                    "dispute_id": dispute_id,
                    "invoice_number": row.invoice_number,
                    "opened_date": opened.isoformat(),
                    "reason_code": "customer_query",
                },
                row.line,
            )
            # It was paid in full in the end: the dispute was found invalid on the day it was paid.
            yield Operation(
                "dispute_resolution",
                row.settled,
                row.customer_id,
                dispute_id,
                {
                    "outcome": "invalid",
                    "resolved_date": row.settled.isoformat(),
                },
                row.line,
            )
        yield Operation(
            "payment",
            row.settled,
            row.customer_id,
            f"PAY-{row.invoice_number}",
            {
                "payment_reference": f"PAY-{row.invoice_number}",
                "customer_id": row.customer_id,
                "currency": money,
                "amount": row.amount,
                "received_date": row.settled.isoformat(),
                "allocations": [{"invoice_number": row.invoice_number, "amount": row.amount}],
            },
            row.line,
        )


def subset(rows: list[IbmRow], customers: int | None) -> list[IbmRow]:
    """The rows of the first `customers` customers in file order (all rows when None)."""
    if customers is None:
        return rows
    chosen = set(list(dict.fromkeys(r.customer_id for r in rows))[:customers])
    return [r for r in rows if r.customer_id in chosen]
