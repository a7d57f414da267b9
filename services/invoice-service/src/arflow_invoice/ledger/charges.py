"""Charges: dunning fees and late interest posted on an invoice as documents of their own."""

import json
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, cast

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from arflow_contracts.dunning import ChargeRequestedV1
from arflow_contracts.ledger import ChargeKind as ContractChargeKind
from arflow_contracts.ledger import ChargePostedV1
from arflow_contracts.terms import DayCount
from arflow_invoice import domain
from arflow_invoice.domain import CurrencyMismatch, CustomerMismatch, NotFound
from arflow_invoice.domain.documents import ChargeKind
from arflow_invoice.ledger.common import content_of, money_text, named_invoice, require_same_content
from arflow_invoice.ledger.events import CONTRACT_CHARGE_KIND, DOMAIN_CHARGE_KIND, after_posting, publish
from arflow_invoice.schemas import ChargeIn
from arflow_invoice.store import Charge, Invoice
from arflow_invoice.store.base import key_of
from arflow_invoice.store.states import load_state, record_figures
from arflow_runtime.db import UnitOfWork


@dataclass(frozen=True)
class ChargeRequest:
    """A charge to post, from REST or from dunning's ChargeRequested."""

    charge_id: str
    invoice_number: str
    kind: str
    amount: Decimal
    posted_date: date
    currency: str | None = None
    customer_id: str | None = None
    due_date: date | None = None
    request_id: str | None = None
    reason: str | None = None
    rate: Decimal | None = None
    day_count: str | None = None
    period_start: date | None = None
    period_end: date | None = None


def charge_view(charge: Charge, invoice: Invoice) -> dict[str, Any]:
    """A charge in the API's terms (kind fee or interest)."""
    return {
        "charge_id": charge.charge_id,
        "request_id": charge.request_id,
        "invoice_number": invoice.invoice_number,
        "customer_id": invoice.customer_id,
        "kind": CONTRACT_CHARGE_KIND[charge.kind],
        "amount": money_text(charge.amount, invoice.currency),
        "currency": invoice.currency,
        "posted_date": charge.posted_date.isoformat(),
        "due_date": charge.due_date.isoformat(),
        "reason": charge.reason,
        "rate": charge.rate,
        "day_count": charge.day_count,
        "period_start": charge.period_start.isoformat() if charge.period_start else None,
        "period_end": charge.period_end.isoformat() if charge.period_end else None,
    }


async def _find(session: AsyncSession, *where: Any) -> tuple[Charge, Invoice] | None:
    found = (
        await session.execute(
            select(Charge, Invoice).join(Invoice, col(Invoice.id) == col(Charge.invoice_id)).where(*where)
        )
    ).first()
    return None if found is None else (found[0], found[1])


async def get_charge(session: AsyncSession, charge_id: str) -> dict[str, Any]:
    """One charge; 404 if unknown."""
    found = await _find(session, col(Charge.charge_id) == charge_id)
    if found is None:
        raise NotFound(f"the ledger has no charge {charge_id}", charge_id=charge_id)
    return charge_view(*found)


async def _post(uow: UnitOfWork, request: ChargeRequest, content: str) -> tuple[Charge, Invoice]:
    invoice = await named_invoice(uow.session, request.invoice_number, f"charge {request.charge_id}")
    if request.customer_id is not None and request.customer_id != invoice.customer_id:
        raise CustomerMismatch(
            f"invoice {invoice.invoice_number} belongs to customer {invoice.customer_id}, not "
            f"{request.customer_id}",
            invoice_number=invoice.invoice_number,
        )
    if request.currency is not None and request.currency != invoice.currency:
        raise CurrencyMismatch(
            f"invoice {invoice.invoice_number} is in {invoice.currency} but the charge is in "
            f"{request.currency}; amounts are not converted",
            invoice_number=invoice.invoice_number,
        )
    kind = DOMAIN_CHARGE_KIND[request.kind]
    state = domain.post_charge(
        await load_state(uow.session, invoice),
        request.charge_id,
        cast(ChargeKind, kind),
        request.amount,
        request.posted_date,
        request.due_date,
    )
    posted = state.charges[-1]
    charge = Charge(
        charge_id=request.charge_id,
        request_id=request.request_id,
        invoice_id=key_of(invoice),
        kind=kind,
        amount=posted.amount,
        posted_date=posted.posted_date,
        due_date=posted.due,
        reason=request.reason,
        rate=format(request.rate, "f") if request.rate is not None else None,
        day_count=request.day_count,
        period_start=request.period_start,
        period_end=request.period_end,
        content=content,
    )
    uow.session.add(charge)
    status_before = invoice.status
    record_figures(invoice, state)
    await publish(
        uow,
        ChargePostedV1(
            charge_id=charge.charge_id,
            customer_id=invoice.customer_id,
            invoice_number=invoice.invoice_number,
            kind=cast(ContractChargeKind, request.kind),
            amount=domain.quantize(charge.amount, invoice.currency),
            currency=invoice.currency,
            posted_on=charge.posted_date,
            requested_by=request.request_id,
            rate=request.rate,
            day_count=cast(DayCount | None, request.day_count),
            period_start=request.period_start,
            period_end=request.period_end,
            outstanding_after=domain.quantize(invoice.outstanding, invoice.currency),
        ),
    )
    await after_posting(uow, invoice, status_before)
    return charge, invoice


async def post_charge(uow: UnitOfWork, body: ChargeIn) -> tuple[int, dict[str, Any]]:
    """Post a charge (201), or return the same one again (200); different content is 409."""
    content = content_of(body, "charge_id")
    existing = await _find(uow.session, col(Charge.charge_id) == body.charge_id)
    if existing is not None:
        require_same_content("charge", body.charge_id, existing[0].content, content)
        return 200, charge_view(*existing)
    fields = body.model_dump()
    return 201, charge_view(*await _post(uow, ChargeRequest(**fields), content))


async def charge_requested(uow: UnitOfWork, event: ChargeRequestedV1) -> bool:
    """Post what dunning asked for, once per request_id; False when it was posted before."""
    if await _find(uow.session, col(Charge.request_id) == event.request_id) is not None:
        return False
    request = ChargeRequest(
        charge_id=event.request_id,
        invoice_number=event.invoice_number,
        kind=event.kind,
        amount=event.amount,
        posted_date=event.as_of,
        currency=event.currency,
        customer_id=event.customer_id,
        request_id=event.request_id,
        reason=event.reason,
        rate=event.rate,
        day_count=event.day_count,
        period_start=event.period_start,
        period_end=event.period_end,
    )
    await _post(uow, request, json.dumps({"request_id": event.request_id}))
    return True
