"""What a customer message is about: the facts a template is rendered from (no I/O)."""

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any


@dataclass(frozen=True)
class NoticeInvoice:
    """One invoice listed in a message."""

    invoice_number: str
    currency: str
    amount: Decimal
    outstanding: Decimal
    due_date: date
    days_overdue: int
    charges: Decimal | None = None
    issue_date: date | None = None


@dataclass(frozen=True)
class Recipient:
    """Who the message is for, as the template may name them."""

    customer_id: str
    name: str
    contact_name: str | None = None
    address_lines: tuple[str, ...] = ()


@dataclass(frozen=True)
class MessageFacts:
    """Everything a template may use, apart from formatting."""

    recipient: Recipient
    invoices: tuple[NoticeInvoice, ...]
    as_of: date
    template: str
    stage: int | None = None
    formal_demand: bool = False
    extra: dict[str, Any] = field(default_factory=dict)

    def invoice_numbers(self) -> tuple[str, ...]:
        """The listed invoices' numbers, in order."""
        return tuple(invoice.invoice_number for invoice in self.invoices)


def totals_by_currency(invoices: Sequence[NoticeInvoice]) -> list[dict[str, Any]]:
    """Outstanding and charges per currency (never summed across currencies), by currency code."""
    outstanding: dict[str, Decimal] = defaultdict(Decimal)
    charges: dict[str, Decimal] = defaultdict(Decimal)
    for invoice in invoices:
        outstanding[invoice.currency] += invoice.outstanding
        charges[invoice.currency] += invoice.charges or Decimal(0)
    return [
        {"currency": code, "outstanding": outstanding[code], "charges": charges[code],
         "total": outstanding[code] + charges[code]}
        for code in sorted(outstanding)
    ]


def template_context(facts: MessageFacts, *, sender_name: str, locale: str) -> dict[str, Any]:
    """The variables a template sees (documented in docs/notifications.md)."""
    invoices = [vars(invoice).copy() for invoice in facts.invoices]
    return {
        "customer": {
            "customer_id": facts.recipient.customer_id,
            "name": facts.recipient.name,
            "contact_name": facts.recipient.contact_name,
            "address_lines": list(facts.recipient.address_lines),
        },
        "invoices": invoices,
        "invoice": invoices[0] if invoices else None,
        "totals": totals_by_currency(facts.invoices),
        "as_of": facts.as_of,
        "stage": facts.stage,
        "formal_demand": facts.formal_demand,
        "template": facts.template,
        "sender": {"name": sender_name},
        "locale": locale,
        **facts.extra,
    }


def sample_facts(template: str) -> MessageFacts:
    """Example facts for previews and for checking a template before it is saved."""
    return MessageFacts(
        recipient=Recipient("CUST-SAMPLE", "Sample Trading Co., Ltd.", "Li Wei",
                            ("Sample Trading Co., Ltd.", "88 Century Avenue", "200120 Shanghai")),
        invoices=(
            NoticeInvoice("INV-1001", "CNY", Decimal("12800.00"), Decimal("12800.00"),
                          date(2024, 2, 29), 21, Decimal("100.00"), date(2024, 1, 30)),
            NoticeInvoice("INV-1002", "CNY", Decimal("5600.50"), Decimal("2600.50"),
                          date(2024, 3, 10), 11, None, date(2024, 2, 9)),
        ),
        as_of=date(2024, 3, 21),
        template=template,
        stage=2,
        formal_demand=template.endswith(("formal_demand", "final_notice", "lawyer_letter")),
    )
