"""Queries over the delivery log: notifications, their attempts and letters."""

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from arflow_notification.store.tables import DeliveryAttempt, LetterDocument, Notification

SCHEDULED, SENT, FAILED = "scheduled", "sent", "failed"


async def notification_by_key(session: AsyncSession, request_key: str) -> Notification | None:
    """The notification made for a request and channel, if any."""
    result = await session.execute(select(Notification).where(col(Notification.request_key) == request_key))
    return result.scalar_one_or_none()


async def notification(session: AsyncSession, notification_id: str) -> Notification | None:
    """One notification by id."""
    return await session.get(Notification, notification_id)


async def list_notifications(
    session: AsyncSession, *, customer_id: str | None, status: str | None, request_id: str | None,
    limit: int,
) -> list[Notification]:
    """Notifications matching the filters, newest first."""
    query = select(Notification)
    if customer_id:
        query = query.where(col(Notification.customer_id) == customer_id)
    if status:
        query = query.where(col(Notification.status) == status)
    if request_id:
        query = query.where(col(Notification.request_id) == request_id)
    newest_first = (col(Notification.created_at).desc(), col(Notification.notification_id))
    query = query.order_by(*newest_first).limit(limit)
    return list((await session.execute(query)).scalars())


async def attempts_of(
    session: AsyncSession, notification_ids: Sequence[str]
) -> dict[str, list[DeliveryAttempt]]:
    """Every attempt of the given notifications, in order, by notification id."""
    found: dict[str, list[DeliveryAttempt]] = {nid: [] for nid in notification_ids}
    if not notification_ids:
        return found
    result = await session.execute(
        select(DeliveryAttempt)
        .where(col(DeliveryAttempt.notification_id).in_(list(notification_ids)))
        .order_by(col(DeliveryAttempt.notification_id), col(DeliveryAttempt.number))
    )
    for attempt in result.scalars():
        found[attempt.notification_id].append(attempt)
    return found


async def attempt(session: AsyncSession, notification_id: str, number: int) -> DeliveryAttempt:
    """One attempt of a notification."""
    result = await session.execute(
        select(DeliveryAttempt).where(col(DeliveryAttempt.notification_id) == notification_id,
                                      col(DeliveryAttempt.number) == number)
    )
    return result.scalar_one()


async def last_attempt(session: AsyncSession, notification_id: str) -> DeliveryAttempt | None:
    """The latest attempt of a notification."""
    result = await session.execute(
        select(DeliveryAttempt).where(col(DeliveryAttempt.notification_id) == notification_id)
        .order_by(col(DeliveryAttempt.number).desc()).limit(1)
    )
    return result.scalar_one_or_none()


async def due_notifications(session: AsyncSession, now: datetime, limit: int) -> list[tuple[str, str]]:
    """(notification id, customer id) of scheduled notifications due now and not leased."""
    result = await session.execute(
        select(col(Notification.notification_id), col(Notification.customer_id))
        .where(col(Notification.status) == SCHEDULED, col(Notification.next_attempt_at) <= now,
               _not_leased(now))
        .order_by(col(Notification.next_attempt_at), col(Notification.notification_id))
        .limit(limit)
    )
    return [(row[0], row[1]) for row in result.all()]


async def take_lease(session: AsyncSession, notification_id: str, now: datetime, until: datetime) -> bool:
    """Claim a due notification for one sender; False when another sender has it or it is not due."""
    result = await session.execute(
        update(Notification)
        .where(col(Notification.notification_id) == notification_id, col(Notification.status) == SCHEDULED,
               col(Notification.next_attempt_at) <= now, _not_leased(now))
        .values(lease_until=until)
    )
    return _changed(result) == 1


def _not_leased(now: datetime) -> Any:
    return or_(col(Notification.lease_until).is_(None), col(Notification.lease_until) <= now)


def _changed(result: Any) -> int:
    return int(result.rowcount)


async def recent_sends(
    session: AsyncSession, customer_id: str, channel: str, since: datetime
) -> list[datetime]:
    """When this customer's messages on this channel were sent after `since`."""
    result = await session.execute(
        select(col(Notification.sent_at)).where(
            col(Notification.customer_id) == customer_id, col(Notification.channel) == channel,
            col(Notification.status) == SENT, col(Notification.sent_at) > since,
        )
    )
    return [at for at in result.scalars() if at is not None]


async def wake_waiting(session: AsyncSession, customer_id: str, now: datetime) -> int:
    """Make a customer's not-yet-tried notifications due now, so the sender re-plans them."""
    result = await session.execute(
        update(Notification)
        .where(col(Notification.customer_id) == customer_id, col(Notification.status) == SCHEDULED,
               col(Notification.attempt_count) == 0, col(Notification.next_attempt_at) > now)
        .values(next_attempt_at=now)
    )
    return _changed(result)


async def letter_of(session: AsyncSession, notification_id: str) -> LetterDocument | None:
    """The stored PDF of a letter."""
    return await session.get(LetterDocument, notification_id)
