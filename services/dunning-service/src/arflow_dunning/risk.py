"""Expected loss of overdue invoices: amount × probability of default × age (the worklist's order)."""

from collections.abc import Iterable
from datetime import date
from decimal import Decimal

from arflow_dunning.domain import expected_loss, probability_of_default, round_money
from arflow_dunning.invoice_rows import InvoiceRow
from arflow_dunning.store import DunningCustomer


def default_probability(customer: DunningCustomer | None, default_class: str) -> Decimal:
    """From the customer's score when credit scored it, else its class (the default class if unrated)."""
    if customer is not None and customer.score is not None:
        return probability_of_default(score=customer.score)
    risk_class = customer.risk_class if customer and customer.risk_class else default_class
    return probability_of_default(risk_class)


def expected_loss_of(
    invoices: Iterable[InvoiceRow], customer: DunningCustomer | None, as_of: date, default_class: str
) -> Decimal:
    """Expected loss of invoices in one currency, each weighted by its own age."""
    pd = default_probability(customer, default_class)
    total = Decimal(0)
    currency = "XXX"
    for invoice in invoices:
        currency = invoice.currency
        days = (as_of - invoice.due_date).days
        total += expected_loss(invoice.outstanding, pd, days)
    return round_money(total, currency)
