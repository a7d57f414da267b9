"""credit-service's reactions to ledger and dunning events: one function per event."""

from collections import Counter
from datetime import date
from decimal import Decimal
from typing import Any

from arflow_contracts import EventEnvelope
from arflow_contracts.dunning import CreditHoldRequestedV1
from arflow_contracts.ledger import (
    BusinessDayClosedV1,
    ChargePostedV1,
    CreditNoteIssuedV1,
    DisputeResolvedV1,
    InvoiceDisputedV1,
    InvoiceIssuedV1,
    InvoicePaidV1,
    InvoiceWrittenOffV1,
    PaymentAllocatedV1,
    UnappliedCreditChangedV1,
)
from arflow_credit.assessment import reassess_customer
from arflow_credit.day_close import reassess_customers, reassess_everyone
from arflow_credit.domain import HoldSource
from arflow_credit.holds import find_hold, place_hold
from arflow_credit.reservations import consume_reservation, expire_reservations
from arflow_credit.rules import CreditRules
from arflow_credit.store.clock import business_today, record_business_day
from arflow_credit.store.customers import (
    CreditAccount,
    credit_account_and_today,
    open_credit_account,
    open_credit_accounts,
)
from arflow_credit.store.ledger import (
    Dispute,
    LedgerItem,
    UnappliedCredit,
    insert_ledger_items,
    known_ledger_items,
    ledger_item,
    ledger_items,
)
from arflow_runtime.db import UnitOfWork
from arflow_runtime.handlers import EventHandlers
from arflow_runtime.log import get_logger

log = get_logger(__name__)
DUNNING = "dunning-service"


def credit_handlers(rules: CreditRules) -> EventHandlers:
    """The explicit registry of contract -> handler, bound to the service's rules.

    InvoiceOverdue is not among them: overdue follows from due dates as of the business clock, and
    the BusinessDayClosed that comes with it re-evaluates every customer on the new date.
    """
    handlers = EventHandlers()

    async def reassess(uow: UnitOfWork, customer_id: str, cause: str) -> None:
        _, today = await credit_account_and_today(uow.session, customer_id)  # loads the account too
        await reassess_customer(uow, rules, customer_id, today, cause)

    async def move(
        uow: UnitOfWork,
        invoice_number: str,
        customer_id: str,
        currency: str,
        *,
        settled: Decimal = Decimal(0),
        charges: Decimal = Decimal(0),
    ) -> None:
        item = await ledger_item(uow.session, invoice_number, customer_id, currency)
        item.add_movement(settled, charges)

    async def reassess_run(
        uow: UnitOfWork, events: list[tuple[Any, EventEnvelope]], today: date | None = None
    ) -> None:
        """Once per customer after a run of one contract's events: the run's end state is rated."""
        customers = sorted({event.customer_id for event, _ in events})
        today = today or await business_today(uow.session)
        await reassess_customers(uow, rules, customers, today, events[0][0].event_type)

    async def issue(
        uow: UnitOfWork, event: InvoiceIssuedV1, item: LedgerItem, account: CreditAccount
    ) -> None:
        item.issued, item.currency, item.amount = True, event.currency, event.amount
        item.issue_date, item.due_date, item.order_id = event.issue_date, event.due_date, event.order_id
        if item.settled_on is not None and not item.written_off:
            item.settle_in_full()  # its InvoicePaid came first
        item.recompute()
        await issued_to(uow, event, account)

    async def issued_to(uow: UnitOfWork, event: InvoiceIssuedV1, account: CreditAccount) -> None:
        if account.first_invoice_date is None or event.issue_date < account.first_invoice_date:
            account.first_invoice_date = event.issue_date
        if event.order_id:
            await consume_reservation(
                uow.session, event.order_id, event.customer_id, event.invoice_number, event.issue_date
            )

    @handlers.on(InvoiceIssuedV1)
    async def invoice_issued(event: InvoiceIssuedV1, envelope: EventEnvelope, uow: UnitOfWork) -> None:
        """A new invoice adds to exposure and consumes its order's reservation: a run of one.

        The run's way costs fewer statements than one of its own: the account and today in one
        read, a new item inserted whole, and the customer's facts read once even when a new
        rating changes the policy the position is computed under.
        """
        await invoices_issued([(event, envelope)], uow)

    @handlers.on_batch(InvoiceIssuedV1)
    async def invoices_issued(events: list[tuple[InvoiceIssuedV1, EventEnvelope]], uow: UnitOfWork) -> None:
        """A run of new invoices: each applied in order as above, then each customer re-assessed once.

        An invoice credit has not seen (the usual case) becomes a plain row, inserted with the
        others in one statement: what `issue` makes of a new stub, without an ORM object each.
        """
        session = uow.session
        times = Counter(event.invoice_number for event, _ in events)
        items = await known_ledger_items(session, times)
        accounts, today = await open_credit_accounts(session, {event.customer_id for event, _ in events})
        new_rows = []
        for event, _ in events:
            item = items.get(event.invoice_number)
            if item is None and times[event.invoice_number] == 1:
                new_rows.append(new_item_row(event))
                await issued_to(uow, event, accounts[event.customer_id])
                continue
            if item is None:  # the same invoice twice in one run: the second sees the first
                item = items[event.invoice_number] = await ledger_item(
                    session, event.invoice_number, event.customer_id, event.currency
                )
            await issue(uow, event, item, accounts[event.customer_id])
        await insert_ledger_items(session, new_rows)
        await reassess_run(uow, events, today)

    def new_item_row(event: InvoiceIssuedV1) -> dict[str, Any]:
        return {
            "invoice_number": event.invoice_number,
            "customer_id": event.customer_id,
            "currency": event.currency,
            "issued": True,
            "amount": event.amount,
            "charges": Decimal(0),
            "settled": Decimal(0),
            "outstanding": event.amount,
            "issue_date": event.issue_date,
            "due_date": event.due_date,
            "order_id": event.order_id,
            "settled_on": None,
            "written_off": False,
        }

    @handlers.on(PaymentAllocatedV1)
    async def payment_allocated(event: PaymentAllocatedV1, _: EventEnvelope, uow: UnitOfWork) -> None:
        """Part of a payment settled part of an invoice."""
        await move(uow, event.invoice_number, event.customer_id, event.currency, settled=event.amount)
        await reassess(uow, event.customer_id, event.event_type)

    @handlers.on_batch(PaymentAllocatedV1)
    async def payments_allocated(
        events: list[tuple[PaymentAllocatedV1, EventEnvelope]], uow: UnitOfWork
    ) -> None:
        """A run of allocations: each settles its invoice in order, then each customer is re-assessed once."""
        items = await ledger_items(
            uow.session, [(e.invoice_number, e.customer_id, e.currency) for e, _ in events]
        )
        for event, _ in events:
            items[event.invoice_number].add_movement(settled=event.amount)
        await reassess_run(uow, events)

    @handlers.on(CreditNoteIssuedV1)
    async def credit_note_issued(event: CreditNoteIssuedV1, _: EventEnvelope, uow: UnitOfWork) -> None:
        """A credit note on an invoice reduces it; one without an invoice arrives as unapplied credit."""
        if event.invoice_number is None:
            return  # the ledger reports it as UnappliedCreditChanged; counting it here would double it
        await move(uow, event.invoice_number, event.customer_id, event.currency, settled=event.amount)
        await reassess(uow, event.customer_id, event.event_type)

    @handlers.on(InvoiceWrittenOffV1)
    async def invoice_written_off(event: InvoiceWrittenOffV1, _: EventEnvelope, uow: UnitOfWork) -> None:
        """A write-off ends the invoice's exposure; scoring sees it as settled that day, late."""
        item = await ledger_item(uow.session, event.invoice_number, event.customer_id, event.currency)
        item.settled += event.amount
        item.settled_on, item.written_off = event.written_off_on, True
        item.recompute()
        await reassess(uow, event.customer_id, event.event_type)

    @handlers.on(ChargePostedV1)
    async def charge_posted(event: ChargePostedV1, _: EventEnvelope, uow: UnitOfWork) -> None:
        """A fee or late interest is owed on the invoice too."""
        await move(uow, event.invoice_number, event.customer_id, event.currency, charges=event.amount)
        await reassess(uow, event.customer_id, event.event_type)

    def paid(event: InvoicePaidV1, item: LedgerItem) -> None:
        item.settled_on = event.paid_date
        if not item.issued:  # the invoice itself has not reached credit yet: keep its dates
            item.issue_date, item.due_date = event.issue_date, event.due_date
        item.settle_in_full()

    @handlers.on(InvoicePaidV1)
    async def invoice_paid(event: InvoicePaidV1, _: EventEnvelope, uow: UnitOfWork) -> None:
        """The invoice owes nothing any more; its paid date is what scoring measures lateness by."""
        paid(event, await ledger_item(uow.session, event.invoice_number, event.customer_id, event.currency))
        await reassess(uow, event.customer_id, event.event_type)

    @handlers.on_batch(InvoicePaidV1)
    async def invoices_paid(events: list[tuple[InvoicePaidV1, EventEnvelope]], uow: UnitOfWork) -> None:
        """A run of paid invoices: each settled in order, then each customer re-assessed once."""
        items = await ledger_items(
            uow.session, [(e.invoice_number, e.customer_id, e.currency) for e, _ in events]
        )
        for event, _ in events:
            paid(event, items[event.invoice_number])
        await reassess_run(uow, events)

    @handlers.on(InvoiceDisputedV1)
    async def invoice_disputed(event: InvoiceDisputedV1, _: EventEnvelope, uow: UnitOfWork) -> None:
        """A dispute counts against the customer until it is found valid."""
        dispute = await uow.session.get(Dispute, event.dispute_id)
        if dispute is None:
            uow.session.add(
                Dispute(
                    dispute_id=event.dispute_id,
                    customer_id=event.customer_id,
                    invoice_number=event.invoice_number,
                    opened_on=event.opened_on,
                )
            )
        await reassess(uow, event.customer_id, event.event_type)

    @handlers.on(DisputeResolvedV1)
    async def dispute_resolved(event: DisputeResolvedV1, _: EventEnvelope, uow: UnitOfWork) -> None:
        """A valid dispute (the customer was right) no longer counts against the customer."""
        dispute = await uow.session.get(Dispute, event.dispute_id)
        if dispute is None:
            dispute = Dispute(
                dispute_id=event.dispute_id,
                customer_id=event.customer_id,
                invoice_number=event.invoice_number,
            )
            uow.session.add(dispute)
        dispute.outcome, dispute.resolved_on = event.outcome, event.resolved_on
        await reassess(uow, event.customer_id, event.event_type)

    @handlers.on(UnappliedCreditChangedV1)
    async def unapplied_credit_changed(
        event: UnappliedCreditChangedV1, _: EventEnvelope, uow: UnitOfWork
    ) -> None:
        """The ledger's unapplied credit balance reduces exposure."""
        row = await uow.session.get(UnappliedCredit, (event.customer_id, event.currency))
        if row is None:
            uow.session.add(
                UnappliedCredit(
                    customer_id=event.customer_id,
                    currency=event.currency,
                    balance=event.balance,
                    changed_on=event.changed_on,
                )
            )
        else:
            row.balance, row.changed_on = event.balance, event.changed_on
        await reassess(uow, event.customer_id, event.event_type)

    @handlers.on(BusinessDayClosedV1)
    async def business_day_closed(event: BusinessDayClosedV1, _: EventEnvelope, uow: UnitOfWork) -> None:
        """The clock moved: expire reservations, then rescore and re-apply the rules for everyone."""
        await record_business_day(uow.session, event.business_date)
        await expire_reservations(uow.session, event.business_date)
        customers = await reassess_everyone(uow, rules, event.business_date, event.event_type)
        log.info(
            "credit.business_day.closed",
            business_date=event.business_date.isoformat(),
            customers=customers,
            replay=event.replay,
        )

    @handlers.on(CreditHoldRequestedV1)
    async def credit_hold_requested(event: CreditHoldRequestedV1, _: EventEnvelope, uow: UnitOfWork) -> None:
        """Dunning asks to stop supply: one hold per request, answered by CreditHoldPlaced."""
        await open_credit_account(uow.session, event.customer_id)
        if await find_hold(uow.session, event.customer_id, HoldSource.DUNNING, event.request_id):
            return
        await place_hold(
            uow,
            customer_id=event.customer_id,
            source=HoldSource.DUNNING,
            reason=event.reason,
            since=event.as_of,
            actor=DUNNING,
            reference=event.request_id,
            request_id=event.request_id,
            invoice_numbers=tuple(event.invoice_numbers),
        )

    return handlers
