"""When a notification may go: business hours in the customer's zone and the rate limit."""

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from arflow_notification.domain import QUIET_HOURS_CHANNELS, RATE_LIMITED_CHANNELS, Channel, zone_of
from arflow_notification.settings import NotificationSettings
from arflow_notification.store.notifications import recent_sends
from arflow_notification.store.tables import CustomerCopy


def business_hours_start(
    now: datetime, channel: Channel, customer: CustomerCopy | None, settings: NotificationSettings
) -> datetime:
    """`now` when the channel may reach the customer now, else when their next window opens."""
    if channel not in QUIET_HOURS_CHANNELS:
        return now
    zone = zone_of(customer.time_zone if customer else None, settings.default_time_zone)
    return settings.send_window().next_send_instant(now, zone)


async def rate_limit_free_at(
    session: AsyncSession, now: datetime, customer_id: str, channel: Channel, settings: NotificationSettings
) -> datetime:
    """`now` when one more message fits the customer's limit on this channel, else when it will."""
    limit = settings.rate_limit()
    if channel not in RATE_LIMITED_CHANNELS or limit.messages == 0:
        return now
    sent = await recent_sends(session, customer_id, channel, now - limit.per)
    return limit.next_free_slot(sent, now)


async def earliest_send(
    session: AsyncSession, now: datetime, channel: Channel, customer: CustomerCopy | None,
    settings: NotificationSettings,
) -> datetime:
    """The first instant both rules allow (the rate limit may push it out of hours: check again)."""
    at = now
    for _ in range(4):
        opens = business_hours_start(at, channel, customer, settings)
        free = await rate_limit_free_at(session, opens, customer.customer_id, channel, settings) \
            if customer else opens
        if free == at:
            return at
        at = free
    return at
