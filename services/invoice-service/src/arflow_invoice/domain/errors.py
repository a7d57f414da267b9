"""Ledger errors: each carries an HTTP status and a problem type the API renders as problem+json.

The attribute names (`status`, `problem_type`, `title`, `detail`, `extra`) match
`arflow_runtime.errors.ProblemError`, so one handler can render both; this module stays free of
FastAPI so the domain has no I/O dependencies.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any, ClassVar


def _jsonable(value: Any) -> Any:
    """Money and dates travel as strings in problem documents, never as floats."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [_jsonable(item) for item in value]
    return value


class LedgerError(Exception):
    """Base of every ledger rule violation; `detail` says in words what is wrong."""

    status: ClassVar[int] = 400
    problem_type: ClassVar[str] = "ledger-error"
    title: ClassVar[str] = "Ledger rule violated"

    def __init__(self, detail: str, **extra: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.extra: dict[str, Any] = {key: _jsonable(value) for key, value in extra.items()}

    def to_problem(self, type_base: str = "https://arflow.dev/problems/") -> dict[str, Any]:
        """Render as an RFC 9457 problem document (the body of application/problem+json)."""
        return {
            "type": type_base + self.problem_type,
            "title": self.title,
            "status": self.status,
            "detail": self.detail,
            **self.extra,
        }


class InvalidInput(LedgerError):
    """The request is well-formed but breaks a ledger rule (422)."""

    status = 422
    problem_type = "validation-error"
    title = "Invalid ledger input"


class UnknownCurrency(InvalidInput):
    """The currency is not an active ISO 4217 code."""

    problem_type = "unknown-currency"
    title = "Unknown currency"


class InvalidAmount(InvalidInput):
    """An amount is not positive, not a decimal, or has more decimals than its currency allows."""

    problem_type = "invalid-amount"
    title = "Invalid amount"


class InvalidDate(InvalidInput):
    """A date is out of order, e.g. a due date before the issue date."""

    problem_type = "invalid-date"
    title = "Invalid date"


class InvalidPaymentTerms(InvalidInput):
    """A payment-terms code or instalment plan cannot be understood or does not add up."""

    problem_type = "invalid-payment-terms"
    title = "Invalid payment terms"


class CurrencyMismatch(InvalidInput):
    """Two amounts in different currencies meet; the ledger never converts silently."""

    problem_type = "currency-mismatch"
    title = "Currency mismatch"


class CustomerMismatch(InvalidInput):
    """A document names an invoice of another customer."""

    problem_type = "customer-mismatch"
    title = "Customer mismatch"


class UnknownInvoice(InvalidInput):
    """A request names an invoice that is not among the open items it may touch."""

    problem_type = "unknown-invoice"
    title = "Unknown invoice"


class OverAllocation(InvalidInput):
    """More would be applied than a payment holds or an invoice part still owes."""

    problem_type = "over-allocation"
    title = "Over-allocation"


class ExceedsOutstanding(InvalidInput):
    """A credit note, write-off or dispute is larger than what is still outstanding."""

    problem_type = "exceeds-outstanding"
    title = "Amount exceeds outstanding"


class InvalidParameter(InvalidInput):
    """A report or configuration parameter is out of range (buckets, rates, periods, orders)."""

    problem_type = "invalid-parameter"
    title = "Invalid parameter"


class NotFound(LedgerError):
    """A named ledger document does not exist (404)."""

    status = 404
    problem_type = "not-found"
    title = "Not found"


class InvoiceNotFound(NotFound):
    """No invoice has this number."""

    problem_type = "invoice-not-found"
    title = "Invoice not found"


class DisputeNotFound(NotFound):
    """No dispute on the invoice has this reference."""

    problem_type = "dispute-not-found"
    title = "Dispute not found"


class Conflict(LedgerError):
    """The request clashes with the ledger's current state (409)."""

    status = 409
    problem_type = "conflict"
    title = "Conflict"


class DuplicateDocument(Conflict):
    """A document reference is already used on this invoice."""

    problem_type = "duplicate-document"
    title = "Duplicate document"


class DocumentConflict(Conflict):
    """The same natural key arrived again with different content (idempotency clash)."""

    problem_type = "document-conflict"
    title = "Document differs from the one already recorded"

    def __init__(self, kind: str, key: str, fields: list[str]) -> None:
        names = ", ".join(fields)
        super().__init__(
            f"{kind} {key} already exists with different {names}; "
            "send the same content to repeat the request, or use a new key",
            fields=fields,
        )


class InvalidState(Conflict):
    """The document is in a state that does not allow this change (e.g. dispute already resolved)."""

    problem_type = "invalid-state"
    title = "Invalid state for this change"


class DayCloseBackwards(Conflict):
    """A business day close was asked for a date before the last closed day."""

    problem_type = "day-close-backwards"
    title = "Day close cannot go backwards"


def _rows_detail(errors: list[dict[str, Any]], count: int, what: str) -> str:
    first = errors[0]
    named = f" (invoice {first['invoice_number']})" if first.get("invoice_number") else ""
    more = f"; {count - 1} more row(s) {what}, listed in `errors`" if count > 1 else ""
    return f"row {first['row']}{named}: {first['detail']}{more}"


class ImportRejected(InvalidInput):
    """A bulk import holds invalid rows: nothing of it was stored (422)."""

    problem_type = "import-rejected"
    title = "Invoice import rejected"

    def __init__(self, errors: list[dict[str, Any]], count: int) -> None:
        super().__init__(
            _rows_detail(errors, count, "refused")
            + ". Nothing was imported: correct these rows and post the whole file again",
            errors=errors,
            error_count=count,
        )


class ImportFormatInvalid(InvalidInput):
    """A bulk import's body is not the CSV or NDJSON it should be (422)."""

    problem_type = "import-format"
    title = "Invoice import unreadable"


class ImportConflict(Conflict):
    """A bulk import repeats invoice numbers with other content than recorded (409)."""

    problem_type = "import-conflict"
    title = "Invoice import conflicts with recorded invoices"

    def __init__(self, errors: list[dict[str, Any]], count: int) -> None:
        super().__init__(
            _rows_detail(errors, count, "conflict")
            + ". Nothing was imported: an invoice number already recorded (or repeated in the file) "
            "must carry the same content",
            errors=errors,
            error_count=count,
        )
