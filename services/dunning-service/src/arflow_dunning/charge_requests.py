"""Fees and late interest dunning asks the ledger to post (ChargeRequested), once per invoice and stage.

The fee is the contract's (InvoiceIssued.terms.dunning_fee) or the policy's for the currency;
interest uses the contract's rate and day count (else the action's fallbacks; none: no interest)
on the outstanding principal, from the due date or the day interest was last charged up to.
"""

from datetime import timedelta
from decimal import Decimal

from arflow_contracts import EventEnvelope
from arflow_contracts.dunning import ChargeRequestedV1
from arflow_contracts.ledger import ChargePostedV1
from arflow_dunning.action_scope import ActionScope, natural_id
from arflow_dunning.domain import Fee, LateInterest, fee_amount, interest_terms, late_interest
from arflow_dunning.invoice_rows import InvoiceRow
from arflow_dunning.receivables import find_watched, note_invoice
from arflow_dunning.store import ChargeRequest
from arflow_runtime.db import UnitOfWork


async def request_fee(scope: ActionScope, stage: str, invoice: InvoiceRow, action: Fee) -> None:
    """Request the stage's fee on the invoice (nothing when no fee is set for its currency)."""
    amount = fee_amount(action, invoice.currency, invoice.dunning_fee)
    if amount > 0:
        await _request(scope, stage, invoice, "fee", amount, reason=f"dunning stage {stage}")


async def request_interest(scope: ActionScope, stage: str, invoice: InvoiceRow, action: LateInterest) -> None:
    """Request late interest accrued since the due date or the last charge, up to the business date."""
    rate = Decimal(invoice.late_interest_rate) if invoice.late_interest_rate else None
    terms = interest_terms(action, rate, invoice.day_count)
    if terms is None:
        return
    charged_through = invoice.interest_charged_through
    amount = late_interest(
        invoice.principal_outstanding, invoice.currency, terms, invoice.due_date, scope.as_of, charged_through
    )
    if amount <= 0:
        return
    start = max(invoice.due_date, charged_through or invoice.due_date)
    await _request(
        scope,
        stage,
        invoice,
        "interest",
        amount,
        reason="late interest",
        rate=terms.annual_rate,
        day_count=terms.day_count.value,
        period_start=start + timedelta(days=1),
        period_end=scope.as_of,
    )
    invoice.interest_charged_through = scope.as_of


async def _request(
    scope: ActionScope,
    stage: str,
    invoice: InvoiceRow,
    kind: str,
    amount: Decimal,
    *,
    reason: str,
    **interest: object,
) -> None:
    request_id = natural_id("charge", invoice.invoice_number, stage, kind)
    scope.charges.append(
        {
            "request_id": request_id,
            "invoice_number": invoice.invoice_number,
            "customer_id": invoice.customer_id,
            "stage": stage,
            "kind": kind,
            "amount": amount,
            "currency": invoice.currency,
            "requested_on": scope.as_of,
            "posted_charge_id": None,
            "posted_on": None,
        }
    )
    scope.publish(
        ChargeRequestedV1(
            request_id=request_id,
            customer_id=invoice.customer_id,
            invoice_number=invoice.invoice_number,
            kind=kind,
            amount=amount,
            currency=invoice.currency,
            reason=reason,
            as_of=scope.as_of,  # type: ignore[arg-type]
            **interest,  # type: ignore[arg-type]
        ),
        invoice.customer_id,
    )
    scope.note(
        invoice.customer_id,
        "charge_requested",
        [invoice.invoice_number],
        request_id=request_id,
        kind=kind,
        amount=str(amount),
        currency=invoice.currency,
        stage=stage,
    )


async def charge_posted(event: ChargePostedV1, _: EventEnvelope, uow: UnitOfWork) -> None:
    """A fee or interest is now part of what the customer owes on the invoice."""
    if event.requested_by is not None:
        request = await uow.session.get(ChargeRequest, event.requested_by)
        if request is not None:
            if request.posted_charge_id is not None:
                return
            request.posted_charge_id, request.posted_on = event.charge_id, event.posted_on
    invoice = await find_watched(uow.session, event.invoice_number, "ChargePosted")
    if invoice is None:
        return
    invoice.charges_outstanding += event.amount
    invoice.outstanding = (
        event.outstanding_after if event.outstanding_after is not None else invoice.outstanding + event.amount
    )
    note_invoice(
        uow.session,
        invoice,
        event.posted_on,
        "charge_posted",
        kind=event.kind,
        amount=str(event.amount),
        currency=event.currency,
        charge_id=event.charge_id,
    )
