"""The audit log, read-only: every change to profiles, policies, limits, holds, ratings and overrides."""

import json
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel

from arflow_credit.api.common import Instant
from arflow_credit.store.audit import AuditEntry, audit_trail
from arflow_runtime.auth import Principal
from arflow_runtime.http import UnitOfWorkDep, require

router = APIRouter(prefix="/v1", tags=["audit"])


class AuditEntryOut(BaseModel):
    """Who changed what, when, from what to what, and why."""

    id: int
    customer_id: str | None
    subject: str
    subject_id: str
    action: str
    actor: str
    recorded_at: Instant
    business_date: date
    before: Any
    after: Any
    reason: str | None


def entry_out(entry: AuditEntry) -> AuditEntryOut:
    return AuditEntryOut(
        id=entry.id or 0,
        customer_id=entry.customer_id,
        subject=entry.subject,
        subject_id=entry.subject_id,
        action=entry.action,
        actor=entry.actor,
        recorded_at=entry.recorded_at,
        business_date=entry.business_date,
        before=json.loads(entry.before) if entry.before else None,
        after=json.loads(entry.after) if entry.after else None,
        reason=entry.reason,
    )


@router.get("/audit", response_model=list[AuditEntryOut])
async def get_audit(
    uow: UnitOfWorkDep,
    _: Annotated[Principal, require("credit:read")],
    customer_id: Annotated[str | None, Query(max_length=128, description="one customer's entries")] = None,
    after_id: Annotated[
        int, Query(ge=0, le=2**63 - 1, description="page on: the last id of the previous page")
    ] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> list[AuditEntryOut]:
    """Audit entries in the order they were written (policies have no customer_id)."""
    return [entry_out(entry) for entry in await audit_trail(uow.session, customer_id, after_id, limit)]
