"""dunning-service's explicit registry of contract → handler."""

from arflow_contracts import EventEnvelope
from arflow_contracts.credit import CreditRatingChangedV1, CustomerProfileChangedV1
from arflow_contracts.ledger import (
    BusinessDayClosedV1,
    ChargePostedV1,
    CreditNoteIssuedV1,
    DisputeResolvedV1,
    InvoiceDisputedV1,
    InvoiceIssuedV1,
    InvoiceOverdueV1,
    InvoicePaidV1,
    InvoiceWrittenOffV1,
    PaymentAllocatedV1,
)
from arflow_dunning import charge_requests, credit_events, dispute_events, ledger_events, overdue_batches
from arflow_dunning.business_days import close_business_day, evaluate_customer_now
from arflow_dunning.settings import EvaluationRules
from arflow_runtime.db import UnitOfWork
from arflow_runtime.handlers import EventHandlers


def dunning_handlers(rules: EvaluationRules) -> EventHandlers:
    """The handlers of every event dunning reacts to; the clock-driven ones follow the rules."""
    handlers = EventHandlers()
    handlers.on(InvoiceIssuedV1)(ledger_events.invoice_issued)
    handlers.on(PaymentAllocatedV1)(ledger_events.payment_allocated)
    handlers.on(InvoicePaidV1)(ledger_events.invoice_paid)
    handlers.on(CreditNoteIssuedV1)(ledger_events.credit_note_issued)
    handlers.on(InvoiceWrittenOffV1)(ledger_events.invoice_written_off)
    handlers.on(InvoiceDisputedV1)(dispute_events.invoice_disputed)
    handlers.on(DisputeResolvedV1)(dispute_events.dispute_resolved)
    handlers.on(ChargePostedV1)(charge_requests.charge_posted)
    handlers.on(CustomerProfileChangedV1)(credit_events.customer_profile_changed)
    handlers.on(CreditRatingChangedV1)(credit_events.credit_rating_changed)

    @handlers.on(InvoiceOverdueV1)
    async def invoice_overdue(event: InvoiceOverdueV1, envelope: EventEnvelope, uow: UnitOfWork) -> None:
        """An invoice went overdue: its customer is evaluated at once, as of the closed date."""
        if await ledger_events.invoice_overdue(event, envelope, uow):
            await evaluate_customer_now(uow, event.as_of, event.customer_id, rules)

    @handlers.on_batch(InvoiceOverdueV1)
    async def invoices_overdue(items: list[tuple[InvoiceOverdueV1, EventEnvelope]], uow: UnitOfWork) -> None:
        """A run of them (a close marks many at once): the same effect, one evaluation per date."""
        await overdue_batches.invoices_overdue(uow, [event for event, _ in items], rules)

    @handlers.on(BusinessDayClosedV1)
    async def business_day_closed(event: BusinessDayClosedV1, _: EventEnvelope, uow: UnitOfWork) -> None:
        """The clock: every open invoice is evaluated as of the closed business date."""
        await close_business_day(uow, event.business_date, rules)

    return handlers
