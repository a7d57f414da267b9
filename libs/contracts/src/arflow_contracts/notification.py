"""Events of notification-service (delivery outcomes), on topic notification.events."""

from datetime import date

from pydantic import Field

from arflow_contracts import topics
from arflow_contracts.envelope import EventData
from arflow_contracts.identifiers import Identifier
from arflow_contracts.instants import UtcInstant
from arflow_contracts.registry import register


class NotificationEvent(EventData):
    """Base of notification-service's events; they never carry recipients' addresses."""

    topic = topics.NOTIFICATION


@register
class NotificationSentV1(NotificationEvent):
    """A provider accepted a message for a customer."""

    event_type = "NotificationSent"
    event_version = 1

    notification_id: Identifier
    request_id: Identifier = Field(description="request_id of the NotificationRequested.")
    customer_id: Identifier
    channel: str = Field(description="email, sms, webhook or letter.")
    template: Identifier | None = None
    locale: str | None = Field(default=None, description="Locale the message was rendered in.")
    sent_at: UtcInstant
    attempt: int = Field(default=1, ge=1)
    provider_receipt: str | None = Field(
        default=None, description="The provider's message id or tracking number."
    )


@register
class DemandDeliveredV1(NotificationEvent):
    """A formal demand reached the customer; restarts the limitation period of its invoices."""

    event_type = "DemandDelivered"
    event_version = 1

    request_id: Identifier
    customer_id: Identifier
    invoice_numbers: tuple[Identifier, ...] = Field(min_length=1)
    delivered_on: date
    notification_id: Identifier | None = None
    channel: str | None = None
    provider_receipt: str | None = Field(default=None, description="Proof of delivery reference.")


@register
class NotificationFailedV1(NotificationEvent):
    """A message could not be delivered after its retries; nothing more will be tried."""

    event_type = "NotificationFailed"
    event_version = 1

    request_id: Identifier
    customer_id: Identifier
    reason: str = Field(description="Why, without personal data (no addresses).")
    notification_id: Identifier | None = None
    channel: str | None = None
    attempts: int = Field(default=1, ge=1)
    failed_at: UtcInstant | None = None
