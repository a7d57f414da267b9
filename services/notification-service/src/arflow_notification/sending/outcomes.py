"""After a send (or instead of one): record the outcome and publish what happened."""

from datetime import date, datetime, timedelta
from hashlib import sha256
from random import Random

from arflow_contracts.notification import DemandDeliveredV1, NotificationFailedV1, NotificationSentV1
from arflow_notification.domain import Delivered, Outcome, Permanent, Transient
from arflow_notification.settings import NotificationSettings
from arflow_notification.store.notifications import FAILED, SENT, notification
from arflow_notification.store.notifications import attempt as attempt_of
from arflow_notification.store.tables import DeliveryAttempt, LetterDocument, Notification
from arflow_runtime.db import UnitOfWork
from arflow_runtime.log import get_logger, mask_personal_data

log = get_logger(__name__)


async def record(
    uow: UnitOfWork, notification_id: str, attempt: int, outcome: Outcome, now: datetime, local_date: date,
    settings: NotificationSettings, rng: Random,
) -> None:
    """Complete the attempt and the notification in one transaction with the events it causes."""
    item = await notification(uow.session, notification_id)
    assert item is not None
    row = await attempt_of(uow.session, notification_id, attempt)
    row.finished_at = now
    item.lease_until, item.updated_at = None, now
    if isinstance(outcome, Transient) and item.attempt_count >= settings.max_attempts:
        outcome = Permanent(f"gave up after {item.attempt_count} attempts: {outcome.reason}")
    if isinstance(outcome, Delivered):
        await _delivered(uow, item, row, outcome, now, local_date)
    elif isinstance(outcome, Transient):
        delay = settings.backoff().delay(item.attempt_count, rng)
        if outcome.retry_after_seconds:
            delay = max(delay, timedelta(seconds=outcome.retry_after_seconds))
        row.outcome, row.detail = "retry", _clean(outcome.reason)
        item.next_attempt_at = now + delay
        log.warning("notification.retry", notification_id=item.notification_id, channel=item.channel,
                    attempt=attempt, retry_at=item.next_attempt_at.isoformat(timespec="seconds"),
                    reason=row.detail)
    else:
        row.outcome, row.detail = "failed", _clean(outcome.reason)
        await _failed(uow, item, row.detail, now)


async def _delivered(uow: UnitOfWork, item: Notification, row: DeliveryAttempt, outcome: Delivered,
                     now: datetime, local_date: date) -> None:
    row.outcome, row.provider_receipt, row.detail = "sent", outcome.receipt[:300], outcome.detail
    item.status, item.sent_at, item.provider_receipt = SENT, now, outcome.receipt[:300]
    if outcome.document is not None:
        await uow.session.merge(LetterDocument(
            notification_id=item.notification_id, content=outcome.document,
            sha256=sha256(outcome.document).hexdigest(), created_at=now))
    await uow.publish(
        NotificationSentV1(notification_id=item.notification_id, request_id=item.request_id,
                           customer_id=item.customer_id, channel=item.channel, template=item.template,
                           locale=item.locale, sent_at=now, attempt=row.number,
                           provider_receipt=item.provider_receipt),
        customer_id=item.customer_id,
    )
    invoices = tuple(line["invoice_number"] for line in item.facts.get("invoices", ()))
    if item.formal_demand and invoices:
        await uow.publish(
            DemandDeliveredV1(request_id=item.request_id, customer_id=item.customer_id,
                              invoice_numbers=invoices, delivered_on=local_date,
                              notification_id=item.notification_id, channel=item.channel,
                              provider_receipt=item.provider_receipt),
            customer_id=item.customer_id,
        )
    log.info("notification.sent", notification_id=item.notification_id, customer_id=item.customer_id,
             channel=item.channel, template=item.template, attempt=row.number)


async def fail(uow: UnitOfWork, item: Notification, now: datetime, reason: str) -> None:
    """End a notification without sending it (no address, no profile, broken template)."""
    item.attempt_count += 1
    uow.session.add(DeliveryAttempt(notification_id=item.notification_id, number=item.attempt_count,
                                    channel=item.channel, outcome="failed", started_at=now, finished_at=now,
                                    detail=_clean(reason)))
    item.lease_until, item.updated_at = None, now
    await _failed(uow, item, _clean(reason), now)


async def _failed(uow: UnitOfWork, item: Notification, reason: str, now: datetime) -> None:
    item.status, item.failure_reason = FAILED, reason
    await uow.publish(
        NotificationFailedV1(request_id=item.request_id, customer_id=item.customer_id, reason=reason,
                             notification_id=item.notification_id, channel=item.channel,
                             attempts=max(item.attempt_count, 1), failed_at=now),
        customer_id=item.customer_id,
    )
    log.warning("notification.failed", notification_id=item.notification_id, customer_id=item.customer_id,
                channel=item.channel, attempts=item.attempt_count, reason=reason)


def _clean(reason: str) -> str:
    # Reasons travel in events and logs: no addresses, bounded length.
    return mask_personal_data(reason)[:500]
