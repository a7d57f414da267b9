"""notification-service's reactions to events: requests become scheduled notifications."""

from typing import Any
from uuid import uuid4

from arflow_contracts import EventEnvelope
from arflow_contracts.credit import CustomerProfileChangedV1
from arflow_contracts.dunning import NotificationRequestedV1
from arflow_contracts.ledger import InvoiceIssuedV1
from arflow_notification.composition import invoice_facts, request_facts
from arflow_notification.domain import Channel, Clock
from arflow_notification.scheduling import earliest_send
from arflow_notification.sending.outcomes import fail
from arflow_notification.settings import NotificationSettings
from arflow_notification.shipped import INVOICE_ISSUED
from arflow_notification.store.customers import customer, keep_profile
from arflow_notification.store.notifications import SCHEDULED, notification_by_key, wake_waiting
from arflow_notification.store.tables import Notification
from arflow_runtime.db import UnitOfWork
from arflow_runtime.handlers import EventHandlers
from arflow_runtime.log import get_logger

log = get_logger(__name__)
INVOICE_REQUEST_PREFIX = "invoice-issued:"


def build_handlers(settings: NotificationSettings, clock: Clock) -> EventHandlers:
    """The registry of contract → handler, bound to this service's settings and clock."""
    handlers = EventHandlers()

    @handlers.on(NotificationRequestedV1)
    async def notification_requested(event: NotificationRequestedV1, envelope: EventEnvelope,
                                     uow: UnitOfWork) -> None:
        """One notification per requested channel; a request id seen before adds nothing."""
        channels = list(dict.fromkeys(event.channels))
        for requested in channels:
            siblings = ",".join(c for c in channels if c != requested)
            await _schedule(uow, settings, clock, request_id=event.request_id, customer_id=event.customer_id,
                            channel=requested, siblings=siblings, template=event.template,
                            locale_hint=event.locale, formal_demand=event.formal_demand,
                            subject_ref=", ".join(line.invoice_number for line in event.invoices),
                            facts=request_facts(event), causation=str(envelope.event_id))

    @handlers.on(CustomerProfileChangedV1)
    async def customer_profile_changed(event: CustomerProfileChangedV1, _: EventEnvelope,
                                       uow: UnitOfWork) -> None:
        """Keep our copy of the customer; messages waiting for it are planned again."""
        now = clock.now()
        if await keep_profile(uow.session, event, now):
            await uow.session.flush()
            woken = await wake_waiting(uow.session, event.customer_id, now)
            log.info("notification.customer.updated", customer_id=event.customer_id, replanned=woken)

    if settings.invoice_delivery:

        @handlers.on(InvoiceIssuedV1)
        async def invoice_issued(event: InvoiceIssuedV1, envelope: EventEnvelope, uow: UnitOfWork) -> None:
            """Email a new invoice to its customer once (a letter when it has no email address)."""
            await _schedule(uow, settings, clock, request_id=INVOICE_REQUEST_PREFIX + event.invoice_number,
                            customer_id=event.customer_id, channel=Channel.EMAIL, siblings="",
                            template=INVOICE_ISSUED, locale_hint=None, formal_demand=False,
                            subject_ref=event.invoice_number, facts=invoice_facts(event),
                            causation=str(envelope.event_id))

    return handlers


async def _schedule(
    uow: UnitOfWork, settings: NotificationSettings, clock: Clock, *, request_id: str, customer_id: str,
    channel: str, siblings: str, template: str, locale_hint: str | None, formal_demand: bool,
    subject_ref: str, facts: dict[str, Any], causation: str,
) -> None:
    channel = channel[:20]
    request_key = f"{request_id}:{channel}"
    if await notification_by_key(uow.session, request_key) is not None:
        log.info("notification.request.duplicate", request_id=request_id, channel=channel)
        return
    now = clock.now()
    known = Channel(channel) if channel in {c.value for c in Channel} else None
    item = Notification(
        notification_id=str(uuid4()), request_key=request_key, request_id=request_id,
        customer_id=customer_id, requested_channel=channel, channel=channel, template=template,
        locale_hint=locale_hint, status=SCHEDULED, formal_demand=formal_demand,
        subject_ref=subject_ref[:200], facts=facts, siblings=siblings, next_attempt_at=now,
        attempt_count=0, created_at=now, updated_at=now,
    )
    uow.session.add(item)
    if known is None:
        await uow.session.flush()  # the attempt row refers to it
        await fail(uow, item, now, f"unknown channel {channel!r}; use email, sms, webhook or letter")
        return
    profile = await customer(uow.session, customer_id)
    if profile is None:
        item.next_attempt_at = now  # the sender waits for the profile (see sending.job)
    else:
        item.next_attempt_at = await earliest_send(uow.session, now, known, profile, settings)
    log.info("notification.scheduled", notification_id=item.notification_id, request_id=request_id,
             customer_id=customer_id, channel=channel, template=template,
             due_at=item.next_attempt_at.isoformat(timespec="seconds"))
