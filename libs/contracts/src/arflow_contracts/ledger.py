"""Events of the receivables ledger (invoice-service)."""

from datetime import date

from arflow_contracts import topics
from arflow_contracts.envelope import EventData
from arflow_contracts.money import Amount, Currency
from arflow_contracts.registry import register


class LedgerEvent(EventData):
    topic = topics.LEDGER


@register
class InvoiceIssuedV1(LedgerEvent):
    """An invoice entered the ledger."""

    event_type = "InvoiceIssued"
    event_version = 1

    invoice_number: str
    customer_id: str
    currency: Currency
    amount: Amount
    issue_date: date
    due_date: date
    salesperson_id: str | None = None
    order_id: str | None = None
