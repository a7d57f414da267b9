"""From stored request facts and the customer copy to a rendered message."""

from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from arflow_contracts.dunning import NotificationRequestedV1
from arflow_contracts.ledger import InvoiceIssuedV1
from arflow_notification.catalogue import template_for
from arflow_notification.domain import (
    MessageFacts,
    NoticeInvoice,
    Recipient,
    RenderedMessage,
    render,
    template_context,
)
from arflow_notification.settings import NotificationSettings
from arflow_notification.store.tables import CustomerCopy, Notification


class NoTemplate(LookupError):
    """No template exists for the key in any locale."""


def request_facts(request: NotificationRequestedV1) -> dict[str, Any]:
    """What a dunning request says about the message, as JSON to keep with the notification."""
    return {
        "kind": "dunning",
        "as_of": request.as_of.isoformat(),
        "stage": request.stage,
        "policy_id": request.policy_id,
        "invoices": [
            {"invoice_number": line.invoice_number, "currency": line.currency, "amount": str(line.amount),
             "outstanding": str(line.outstanding), "due_date": line.due_date.isoformat(),
             "days_overdue": line.days_overdue,
             "charges": str(line.charges) if line.charges is not None else None}
            for line in request.invoices
        ],
    }


def invoice_facts(invoice: InvoiceIssuedV1) -> dict[str, Any]:
    """What an issued invoice says about its delivery message."""
    return {
        "kind": "invoice",
        "as_of": invoice.issue_date.isoformat(),
        "stage": None,
        "policy_id": None,
        "payment_terms": invoice.payment_terms,
        "invoices": [
            {"invoice_number": invoice.invoice_number, "currency": invoice.currency,
             "amount": str(invoice.amount), "outstanding": str(invoice.amount),
             "due_date": invoice.due_date.isoformat(),
             "days_overdue": (invoice.issue_date - invoice.due_date).days, "charges": None,
             "issue_date": invoice.issue_date.isoformat()}
        ],
    }


def _invoice(line: dict[str, Any]) -> NoticeInvoice:
    return NoticeInvoice(
        invoice_number=line["invoice_number"], currency=line["currency"], amount=Decimal(line["amount"]),
        outstanding=Decimal(line["outstanding"]), due_date=date.fromisoformat(line["due_date"]),
        days_overdue=int(line["days_overdue"]),
        charges=Decimal(line["charges"]) if line.get("charges") is not None else None,
        issue_date=date.fromisoformat(line["issue_date"]) if line.get("issue_date") else None,
    )


def recipient_of(customer: CustomerCopy) -> Recipient:
    """The customer as a template may name it (address lines for letters)."""
    address = customer.address or {}
    lines = [*address.get("lines", ())]
    city = " ".join(part for part in (address.get("postal_code"), address.get("city")) if part)
    lines += [part for part in (city, address.get("region"), address.get("country")) if part]
    return Recipient(customer.customer_id, customer.name, customer.contact_name, tuple(lines))


def message_facts(notification: Notification, customer: CustomerCopy) -> MessageFacts:
    """The facts a notification's template is rendered from."""
    facts = notification.facts
    extra = {"payment_terms": facts.get("payment_terms"), "policy_id": facts.get("policy_id")}
    return MessageFacts(
        recipient=recipient_of(customer),
        invoices=tuple(_invoice(line) for line in facts["invoices"]),
        as_of=date.fromisoformat(facts["as_of"]),
        template=notification.template,
        stage=facts.get("stage"),
        formal_demand=notification.formal_demand,
        extra=extra,
    )


async def compose(
    session: AsyncSession, notification: Notification, customer: CustomerCopy, settings: NotificationSettings
) -> RenderedMessage:
    """Render the notification's template in the customer's locale (raises TemplateProblem, NoTemplate)."""
    entry = await template_for(session, notification.template, (customer.locale, notification.locale_hint),
                               settings.fallback_locale)
    if entry is None:
        raise NoTemplate(f"no template {notification.template!r} in any locale")
    context = template_context(message_facts(notification, customer), sender_name=settings.sender_name,
                               locale=entry.locale)
    return render(entry.text, context, entry.locale)
