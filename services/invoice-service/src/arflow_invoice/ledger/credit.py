"""A customer's unapplied credit: payments and on-account credit notes not yet applied to invoices."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, func
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from arflow_invoice import domain
from arflow_invoice.ledger.common import money_text
from arflow_invoice.store import Allocation, CreditNote, Payment

ZERO = Decimal(0)


@dataclass(frozen=True)
class CreditSourceRow:
    """A payment or on-account credit note with what is left of it."""

    kind: str
    reference: str
    customer_id: str
    currency: str
    received_date: date
    amount: Decimal
    remaining: Decimal

    def as_domain(self) -> domain.CreditSource:
        """The domain's view of this source."""
        return domain.CreditSource(
            self.reference,
            self.customer_id,
            self.currency,
            self.amount,
            self.received_date,
            "payment" if self.kind == "payment" else "credit_note",
        )


async def credit_sources(
    session: AsyncSession, customer_id: str, currency: str | None = None, as_of: date | None = None
) -> list[CreditSourceRow]:
    """The customer's payments and on-account credit notes (received by `as_of`), oldest first."""
    paid: list[ColumnElement[bool]] = [col(Payment.customer_id) == customer_id]
    noted: list[ColumnElement[bool]] = [
        col(CreditNote.customer_id) == customer_id,
        col(CreditNote.invoice_id).is_(None),
    ]
    used: list[ColumnElement[bool]] = [col(Allocation.customer_id) == customer_id]
    if currency is not None:
        paid.append(col(Payment.currency) == currency)
        noted.append(col(CreditNote.currency) == currency)
        used.append(col(Allocation.currency) == currency)
    if as_of is not None:
        paid.append(col(Payment.received_date) <= as_of)
        noted.append(col(CreditNote.issue_date) <= as_of)
        used.append(col(Allocation.applied_date) <= as_of)
    payments = await session.execute(
        select(
            col(Payment.payment_reference),
            col(Payment.currency),
            col(Payment.received_date),
            col(Payment.amount),
        ).where(*paid)
    )
    notes = await session.execute(
        select(
            col(CreditNote.credit_note_number),
            col(CreditNote.currency),
            col(CreditNote.issue_date),
            col(CreditNote.amount),
        ).where(*noted)
    )
    applied = await session.execute(
        select(
            col(Allocation.source_kind), col(Allocation.source_reference), func.sum(col(Allocation.amount))
        )
        .where(*used)
        .group_by(col(Allocation.source_kind), col(Allocation.source_reference))
    )
    taken = {(kind, ref): Decimal(total) for kind, ref, total in applied}
    sources = [
        CreditSourceRow(kind, ref, customer_id, cur, day, amount, amount - taken.get((kind, ref), ZERO))
        for kind, rows in (("payment", payments), ("credit_note", notes))
        for ref, cur, day, amount in rows
    ]
    return sorted(sources, key=lambda s: (s.received_date, s.kind != "payment", s.reference))


async def unapplied_balance(session: AsyncSession, customer_id: str, currency: str) -> Decimal:
    """Unapplied credit with every document counted."""
    return sum((s.remaining for s in await credit_sources(session, customer_id, currency)), ZERO)


async def unapplied_credit_view(
    session: AsyncSession, customer_id: str, as_of: date | None
) -> dict[str, Any]:
    """Per currency: the balance and each source with something left, as of a date or now."""
    balances: dict[str, list[CreditSourceRow]] = {}
    for source in await credit_sources(session, customer_id, as_of=as_of):
        balances.setdefault(source.currency, []).append(source)
    return {
        "customer_id": customer_id,
        "as_of": as_of.isoformat() if as_of else None,
        "balances": [
            {
                "currency": currency,
                "amount": money_text(sum((s.remaining for s in sources), ZERO), currency),
                "sources": [
                    {
                        "kind": s.kind,
                        "reference": s.reference,
                        "received_date": s.received_date.isoformat(),
                        "amount": money_text(s.amount, currency),
                        "remaining": money_text(s.remaining, currency),
                    }
                    for s in sources
                    if s.remaining > 0
                ],
            }
            for currency, sources in sorted(balances.items())
        ],
    }
