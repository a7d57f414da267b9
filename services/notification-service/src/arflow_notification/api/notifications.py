"""The delivery log: GET /v1/notifications, /v1/notifications/{id} and its letter."""

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Response
from pydantic import BaseModel

from arflow_notification.errors import NotFound
from arflow_notification.store.notifications import (
    SCHEDULED,
    attempts_of,
    letter_of,
    list_notifications,
    notification,
)
from arflow_notification.store.tables import DeliveryAttempt, Notification
from arflow_runtime.auth import Principal
from arflow_runtime.http import UnitOfWorkDep, require

router = APIRouter(prefix="/v1", tags=["notifications"])

Status = Literal["scheduled", "sent", "failed"]
READ = "notifications:read"


class AttemptOut(BaseModel):
    """One delivery attempt."""

    number: int
    channel: str
    outcome: str  # sending, sent, retry, failed, interrupted
    started_at: datetime
    finished_at: datetime | None
    provider_receipt: str | None
    detail: str | None


class NotificationOut(BaseModel):
    """One message in the delivery log."""

    notification_id: str
    customer_id: str
    channel: str
    template: str
    locale: str | None
    status: Status
    attempts: list[AttemptOut]
    request_id: str
    requested_channel: str
    formal_demand: bool
    subject_ref: str
    created_at: datetime
    next_attempt_at: datetime | None
    sent_at: datetime | None
    provider_receipt: str | None
    failure_reason: str | None
    document_url: str | None


class MessageOut(BaseModel):
    """The text as rendered (once) for the customer."""

    subject: str
    body: str
    short: str
    locale: str


class NotificationDetail(NotificationOut):
    """A notification with the message it carries."""

    message: MessageOut | None


_FIELDS = {"notification_id", "customer_id", "channel", "template", "locale", "status", "request_id",
           "requested_channel", "formal_demand", "subject_ref", "created_at", "sent_at", "provider_receipt",
           "failure_reason"}


def _out(item: Notification, attempts: list[DeliveryAttempt]) -> dict[str, Any]:
    has_letter = item.channel == "letter" and item.status == "sent"
    return {
        **item.model_dump(include=_FIELDS),
        "next_attempt_at": item.next_attempt_at if item.status == SCHEDULED else None,
        "attempts": [AttemptOut.model_validate(a, from_attributes=True) for a in attempts],
        "document_url": f"/v1/notifications/{item.notification_id}/document" if has_letter else None,
    }


@router.get("/notifications", response_model=list[NotificationOut], summary="The delivery log")
async def list_delivery_log(
    uow: UnitOfWorkDep,
    _: Annotated[Principal, require(READ)],
    customer_id: Annotated[str | None, Query(min_length=1, max_length=128)] = None,
    status: Status | None = None,
    request_id: Annotated[str | None, Query(min_length=1, max_length=128)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> list[NotificationOut]:
    """Notifications with every attempt, newest first; filter by customer, status or request."""
    items = await list_notifications(uow.session, customer_id=customer_id, status=status,
                                     request_id=request_id, limit=limit)
    attempts = await attempts_of(uow.session, [item.notification_id for item in items])
    return [NotificationOut(**_out(item, attempts[item.notification_id])) for item in items]


NotificationId = Annotated[str, Path(min_length=1, max_length=36)]


@router.get("/notifications/{notification_id}", response_model=NotificationDetail,
            responses={404: {"description": "No such notification"}})
async def get_notification(
    notification_id: NotificationId, uow: UnitOfWorkDep, _: Annotated[Principal, require(READ)]
) -> NotificationDetail:
    """One notification, its rendered message and every attempt."""
    item = await notification(uow.session, notification_id)
    if item is None:
        raise NotFound(f"no notification {notification_id}")
    attempts = await attempts_of(uow.session, [notification_id])
    message = MessageOut(**item.message) if item.message else None
    return NotificationDetail(**_out(item, attempts[notification_id]), message=message)


@router.get("/notifications/{notification_id}/document", response_class=Response,
            responses={200: {"content": {"application/pdf": {}}}, 404: {"description": "No letter"}})
async def get_letter(
    notification_id: NotificationId, uow: UnitOfWorkDep, _: Annotated[Principal, require(READ)]
) -> Response:
    """The PDF of a letter that was sent."""
    document = await letter_of(uow.session, notification_id)
    if document is None:
        raise NotFound(f"notification {notification_id} has no letter (not a letter, or not sent yet)")
    return Response(
        document.content, media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="letter-{notification_id}.pdf"',
                 "ETag": f'"{document.sha256}"'},
    )
