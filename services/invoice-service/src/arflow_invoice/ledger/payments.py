"""Payments: receive, allocate (named or oldest due first), keep the rest as unapplied credit."""

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from arflow_contracts.ledger import PaymentReceivedV1
from arflow_invoice import domain
from arflow_invoice.domain import InvalidState, LedgerError, NotFound
from arflow_invoice.ledger.allocating import allocatable, candidate_invoices, post_to_invoices, requested
from arflow_invoice.ledger.common import (
    content_of,
    in_batch,
    invoices_by_number,
    money_text,
    require_same_content,
)
from arflow_invoice.ledger.credit import credit_sources, unapplied_balance
from arflow_invoice.ledger.events import publish, unapplied_changed
from arflow_invoice.schemas import CreditApplicationIn, PaymentIn
from arflow_invoice.settings import InvoiceSettings
from arflow_invoice.store import Allocation, Invoice, Payment
from arflow_invoice.store.base import key_of
from arflow_invoice.store.states import chunks, load_states
from arflow_runtime.db import UnitOfWork

ZERO = Decimal(0)


def _allocation_view(invoice_number: str, row: Allocation) -> dict[str, Any]:
    currency = row.currency
    return {
        "invoice_number": invoice_number,
        "source_reference": row.source_reference,
        "applied_date": row.applied_date.isoformat(),
        "amount": money_text(row.amount, currency),
        "fees": money_text(row.fees, currency),
        "interest": money_text(row.interest, currency),
        "principal": money_text(row.principal, currency),
    }


async def payment_view(session: AsyncSession, payment: Payment) -> dict[str, Any]:
    """A payment with every allocation made from it and what is still unapplied."""
    rows = (
        await session.execute(
            select(col(Invoice.invoice_number), Allocation)
            .join(Invoice, col(Invoice.id) == col(Allocation.invoice_id))
            .where(
                col(Allocation.source_kind) == "payment",
                col(Allocation.source_reference) == payment.payment_reference,
            )
            .order_by(col(Allocation.id))
        )
    ).all()
    applied = sum((row.amount for _, row in rows), ZERO)
    currency = payment.currency
    return {
        "payment_reference": payment.payment_reference,
        "customer_id": payment.customer_id,
        "currency": currency,
        "amount": money_text(payment.amount, currency),
        "received_date": payment.received_date.isoformat(),
        "method": payment.method,
        "allocations": [_allocation_view(number, row) for number, row in rows],
        "unapplied": money_text(payment.amount - applied, currency),
    }


async def payment_by_reference(session: AsyncSession, reference: str) -> Payment | None:
    """The payment with this ERP reference, if any."""
    found = await session.execute(select(Payment).where(col(Payment.payment_reference) == reference))
    return found.scalar_one_or_none()


async def get_payment(session: AsyncSession, reference: str) -> dict[str, Any]:
    """One payment; 404 if unknown."""
    payment = await payment_by_reference(session, reference)
    if payment is None:
        raise NotFound(f"the ledger has no payment {reference}", payment_reference=reference)
    return await payment_view(session, payment)


@dataclass
class Known:
    """Payments and invoices a request already looked up, by natural key."""

    payments: dict[str, Payment]
    invoices: dict[str, Invoice]


async def look_up(session: AsyncSession, bodies: Sequence[PaymentIn]) -> Known:
    """The payments and named invoices of a batch, in two queries."""
    references = [body.payment_reference for body in bodies]
    payments: dict[str, Payment] = {}
    for part in chunks(list(dict.fromkeys(references))):
        query = select(Payment).where(col(Payment.payment_reference).in_(part))
        payments.update({p.payment_reference: p for p in (await session.execute(query)).scalars()})
    numbers = [a.invoice_number for body in bodies for a in body.allocations or ()]
    return Known(payments, await invoices_by_number(session, numbers))


def _new_payment_view(payment: Payment, posted: list[tuple[Invoice, Allocation]]) -> dict[str, Any]:
    currency = payment.currency
    applied = sum((row.amount for _, row in posted), ZERO)
    return {
        "payment_reference": payment.payment_reference,
        "customer_id": payment.customer_id,
        "currency": currency,
        "amount": money_text(payment.amount, currency),
        "received_date": payment.received_date.isoformat(),
        "method": payment.method,
        "allocations": [_allocation_view(invoice.invoice_number, row) for invoice, row in posted],
        "unapplied": money_text(payment.amount - applied, currency),
    }


async def receive_payment(
    uow: UnitOfWork, body: PaymentIn, settings: InvoiceSettings, known: Known | None = None
) -> tuple[int, dict[str, Any]]:
    """Record a payment and allocate it (201); the same reference and content again returns it (200)."""
    session = uow.session
    known = known or await look_up(session, [body])
    content = content_of(body, "payment_reference")
    existing = known.payments.get(body.payment_reference)
    if existing is not None:
        require_same_content("payment", body.payment_reference, existing.content, content)
        return 200, await payment_view(session, existing)
    currency = domain.validate_currency(body.currency)
    amount = domain.validate_amount(body.amount, currency, what=f"payment {body.payment_reference} amount")
    on = body.received_date
    what = f"payment {body.payment_reference}"
    invoices = await candidate_invoices(
        session, body.customer_id, currency, on, body.allocations, what, known.invoices
    )
    states = await load_states(session, invoices)
    result = domain.allocate_payment(
        amount,
        currency,
        [allocatable(states[key_of(i)], on) for i in invoices],
        requested(body.allocations),
        settings.allocation_order,
        settings.part_order,
        body.customer_id,
    )
    payment = Payment(
        payment_reference=body.payment_reference,
        customer_id=body.customer_id,
        currency=currency,
        amount=amount,
        received_date=on,
        method=body.method,
        content=content,
    )
    session.add(payment)
    known.payments[payment.payment_reference] = payment
    await publish(
        uow,
        PaymentReceivedV1(
            payment_reference=payment.payment_reference,
            customer_id=payment.customer_id,
            amount=amount,
            currency=currency,
            received_on=on,
            method=body.method,
            invoice_numbers=tuple(a.invoice_number for a in body.allocations or ()),
        ),
    )
    by_number = {i.invoice_number: i for i in invoices}
    posted = await post_to_invoices(
        uow, by_number, states, result.allocations, "payment", payment.payment_reference, on
    )
    if result.unapplied > 0:
        balance = await unapplied_balance(session, body.customer_id, currency)
        await publish(
            uow,
            unapplied_changed(
                body.customer_id,
                currency,
                balance,
                result.unapplied,
                "payment_received",
                payment.payment_reference,
                on,
            ),
        )
    return 201, _new_payment_view(payment, posted)


async def receive_payments(
    uow: UnitOfWork, bodies: Sequence[PaymentIn], settings: InvoiceSettings
) -> tuple[int, dict[str, Any]]:
    """Record payments in order in one transaction, all or none; each new (201) or the same again (200)."""
    known = await look_up(uow.session, bodies)
    results = []
    for index, body in enumerate(bodies):
        try:
            status, view = await receive_payment(uow, body, settings, known)
        except LedgerError as error:
            raise in_batch(error, "payments", index) from None
        results.append({"index": index, "status": status, **view})
    return 200, {"results": results}


def _split_over_sources(
    allocations: Sequence[domain.Allocation], remaining: list[list[Any]]
) -> list[tuple[str, str, list[domain.Allocation]]]:
    """Draw allocations from credit sources oldest first: (kind, reference, allocations) per source."""
    drawn: dict[tuple[str, str], list[domain.Allocation]] = {}
    index = 0
    for allocation in allocations:
        left = allocation.amount
        while left > 0:
            kind, reference, available = remaining[index]
            take = min(left, available)
            if take > 0:
                drawn.setdefault((kind, reference), []).append(
                    domain.Allocation(allocation.invoice_number, allocation.part, take)
                )
                remaining[index][2] -= take
                left -= take
            if remaining[index][2] == 0:
                index += 1
    return [(kind, reference, parts) for (kind, reference), parts in drawn.items()]


async def apply_credit(
    uow: UnitOfWork, customer_id: str, body: CreditApplicationIn, settings: InvoiceSettings
) -> dict[str, Any]:
    """Apply unapplied credit (oldest source first) to named invoices or the oldest due ones."""
    session = uow.session
    currency = domain.validate_currency(body.currency)
    on = body.applied_date
    sources = [s for s in await credit_sources(session, customer_id, currency, on) if s.remaining > 0]
    if body.source_reference is not None:
        sources = [s for s in sources if s.reference == body.source_reference]
    total = sum((s.remaining for s in sources), ZERO)
    if total == 0:
        named = f" in {body.source_reference}" if body.source_reference else ""
        raise InvalidState(
            f"customer {customer_id} has no unapplied {currency} credit{named} on {on}",
            customer_id=customer_id,
            currency=currency,
        )
    invoices = await candidate_invoices(
        session, customer_id, currency, on, body.allocations, "the credit application"
    )
    states = await load_states(session, invoices)
    result = domain.apply_unapplied_credit(
        total,
        currency,
        [allocatable(states[i.id], on) for i in invoices if i.id is not None],
        requested(body.allocations),
        settings.allocation_order,
        settings.part_order,
        customer_id,
    )
    by_number = {i.invoice_number: i for i in invoices}
    views: list[dict[str, Any]] = []
    balance = await unapplied_balance(session, customer_id, currency)
    for kind, reference, parts in _split_over_sources(
        result.allocations, [[s.kind, s.reference, s.remaining] for s in sources]
    ):
        for invoice, row in await post_to_invoices(uow, by_number, states, parts, kind, reference, on):
            views.append(_allocation_view(invoice.invoice_number, row))
        used = sum((p.amount for p in parts), ZERO)
        balance -= used
        await publish(
            uow, unapplied_changed(customer_id, currency, balance, -used, "payment_allocated", reference, on)
        )
    return {
        "customer_id": customer_id,
        "currency": currency,
        "applied_date": on.isoformat(),
        "allocations": views,
        "unapplied": money_text(await unapplied_balance(session, customer_id, currency), currency),
    }
