"""notification-service REST API: the delivery log."""

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel

from arflow_notification.store import notifications_of
from arflow_runtime.auth import Principal
from arflow_runtime.http import UnitOfWorkDep, require

router = APIRouter(prefix="/v1", tags=["notifications"])

Status = Literal["scheduled", "sent", "failed"]


class NotificationOut(BaseModel):
    notification_id: str
    customer_id: str
    channel: str
    template: str
    locale: str | None
    status: str
    subject_ref: str
    created_at: datetime
    attempts: list[dict[str, str]]


@router.get("/notifications", response_model=list[NotificationOut])
async def list_notifications(
    customer_id: Annotated[str, Query(min_length=1, max_length=100)],
    uow: UnitOfWorkDep,
    _: Annotated[Principal, require("notifications:read")],
    status: Status | None = None,
) -> list[NotificationOut]:
    """A customer's notifications with their status, newest first."""
    return [
        NotificationOut(**n.model_dump(), attempts=[])
        for n in await notifications_of(uow.session, customer_id, status)
    ]
