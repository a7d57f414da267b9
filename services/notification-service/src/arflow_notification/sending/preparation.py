"""Before a send: take the lease, check profile, route, hours and limit, render, write 'sending'."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from arflow_notification.composition import NoTemplate, compose, recipient_of
from arflow_notification.domain import Channel, Contacts, TemplateProblem, route, zone_of
from arflow_notification.scheduling import earliest_send
from arflow_notification.sending.message import OutgoingMessage
from arflow_notification.sending.outcomes import fail
from arflow_notification.settings import NotificationSettings
from arflow_notification.store.customers import customer
from arflow_notification.store.notifications import last_attempt, notification, take_lease
from arflow_notification.store.tables import CustomerCopy, DeliveryAttempt, Notification
from arflow_runtime.db import UnitOfWork
from arflow_runtime.log import get_logger

log = get_logger(__name__)
SENDING, INTERRUPTED = "sending", "interrupted"


@dataclass(frozen=True)
class Prepared:
    """A notification claimed for one send, with its 'sending' attempt already committed."""

    message: OutgoingMessage
    attempt: int
    local_date: date


async def prepare(
    uow: UnitOfWork, notification_id: str, now: datetime, settings: NotificationSettings
) -> Prepared | None:
    """Claim a due notification for sending, or defer or fail it; None when there is nothing to send."""
    session = uow.session
    if not await take_lease(session, notification_id, now, now + timedelta(seconds=settings.lease_seconds)):
        return None  # another sender has it, or it is no longer due
    item = await notification(session, notification_id)
    assert item is not None
    profile = await customer(session, item.customer_id)
    if profile is None:
        await _wait_for_profile(uow, item, now, settings)
        return None
    routed = route(Channel(item.requested_channel), Contacts(bool(profile.email), bool(profile.phone)),
                   frozenset(Channel(c) for c in item.siblings.split(",") if c in set(Channel)))
    if routed.channel is None:
        await fail(uow, item, now, routed.reason or "unreachable")
        return None
    if routed.channel != item.channel:
        log.info("notification.fallback", notification_id=item.notification_id,
                 requested=item.requested_channel, channel=str(routed.channel))
        item.channel = routed.channel
    opens = await earliest_send(session, now, routed.channel, profile, settings)
    if opens > now:
        _defer(item, opens, now, "outside business hours or over the rate limit")
        return None
    if item.message is None and not await _render(uow, session, item, profile, now, settings):
        return None
    return await _start_attempt(session, item, profile, routed.channel, now, settings)


async def _wait_for_profile(
    uow: UnitOfWork, item: Notification, now: datetime, settings: NotificationSettings
) -> None:
    deadline = item.created_at + timedelta(seconds=settings.profile_wait_seconds)
    if now < deadline:
        # CustomerProfileChanged makes it due again at once (store.notifications.wake_waiting).
        _defer(item, deadline, now, "waiting for the customer's profile")
        return
    await fail(uow, item, now, "no customer profile arrived (CustomerProfileChanged); nowhere to send")


def _defer(item: Notification, until: datetime, now: datetime, why: str) -> None:
    item.next_attempt_at, item.lease_until, item.updated_at = until, None, now
    log.info("notification.deferred", notification_id=item.notification_id,
             until=until.isoformat(timespec="seconds"), why=why)


async def _render(uow: UnitOfWork, session: AsyncSession, item: Notification, profile: CustomerCopy,
                  now: datetime, settings: NotificationSettings) -> bool:
    # Rendered once and kept: every attempt sends the very same text.
    try:
        rendered = await compose(session, item, profile, settings)
    except (TemplateProblem, NoTemplate) as error:
        await fail(uow, item, now, f"template {item.template}: {error}")
        return False
    item.message = {"subject": rendered.subject, "body": rendered.body, "short": rendered.short,
                    "locale": rendered.locale}
    item.locale = rendered.locale
    return True


async def _start_attempt(session: AsyncSession, item: Notification, profile: CustomerCopy, channel: Channel,
                         now: datetime, settings: NotificationSettings) -> Prepared:
    previous = await last_attempt(session, item.notification_id)
    resend = previous is not None and previous.outcome == SENDING
    if previous is not None and resend:
        previous.outcome, previous.finished_at = INTERRUPTED, now
        previous.detail = "the sender stopped before recording the outcome; resent with the same message id"
        log.warning("notification.resend_after_interruption", notification_id=item.notification_id,
                    channel=str(channel))
    item.attempt_count += 1
    item.updated_at = now
    session.add(DeliveryAttempt(notification_id=item.notification_id, number=item.attempt_count,
                                channel=str(channel), outcome=SENDING, started_at=now))
    assert item.message is not None
    local_date = now.astimezone(zone_of(profile.time_zone, settings.default_time_zone)).date()
    message = OutgoingMessage(
        notification_id=item.notification_id, request_id=item.request_id, customer_id=item.customer_id,
        channel=channel, template=item.template, locale=item.message["locale"],
        subject=item.message["subject"], body=item.message["body"], short=item.message["short"],
        recipient_name=profile.name, letter_date=local_date, attempt=item.attempt_count, resend=resend,
        formal_demand=item.formal_demand, email=profile.email, phone=profile.phone,
        contact_name=profile.contact_name, address_lines=recipient_of(profile).address_lines,
        invoices=tuple(item.facts.get("invoices", ())),
    )
    return Prepared(message, item.attempt_count, local_date)

