"""Maker-checker limit changes: requested by one principal, decided by another with credit:approve."""

from typing import Annotated

from fastapi import APIRouter, Path, status
from pydantic import BaseModel, ConfigDict, Field

from arflow_contracts.money import Currency
from arflow_credit.api.common import CustomerId, Instant, LimitIn, RulesDep, money, optional_money
from arflow_credit.limit_changes import customer_limit_change, decide_limit_change, request_limit_change
from arflow_credit.store.limits import LimitChangeRecord, limit_changes_of
from arflow_runtime.auth import Principal
from arflow_runtime.http import UnitOfWorkDep, require

router = APIRouter(prefix="/v1", tags=["limit changes"])
RequestId = Annotated[str, Path(min_length=1, max_length=128)]


class LimitChangeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    new_limit: LimitIn
    currency: Currency
    reason: Annotated[str, Field(min_length=3, max_length=2000)]


class ApprovalIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: Annotated[str | None, Field(max_length=2000)] = None


class RejectionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: Annotated[str, Field(min_length=3, max_length=2000, description="why the change is refused")]


class LimitChangeOut(BaseModel):
    request_id: str
    customer_id: str
    new_limit: str
    currency: str
    previous_limit: str | None
    reason: str
    status: str
    requested_by: str
    requested_at: Instant
    decided_by: str | None
    decided_at: Instant | None
    decision_reason: str | None


def change_out(record: LimitChangeRecord) -> LimitChangeOut:
    return LimitChangeOut(
        request_id=record.request_id,
        customer_id=record.customer_id,
        new_limit=money(record.new_limit),
        currency=record.currency,
        previous_limit=optional_money(record.previous_limit),
        reason=record.reason,
        status=record.status,
        requested_by=record.requested_by,
        requested_at=record.requested_at,
        decided_by=record.decided_by,
        decided_at=record.decided_at,
        decision_reason=record.decision_reason,
    )


@router.post(
    "/customers/{customer_id}/limit-changes",
    response_model=LimitChangeOut,
    status_code=status.HTTP_201_CREATED,
)
async def post_limit_change(
    customer_id: CustomerId,
    body: LimitChangeIn,
    uow: UnitOfWorkDep,
    rules: RulesDep,
    principal: Annotated[Principal, require("credit:write")],
) -> LimitChangeOut:
    """Request a new limit for a customer; it applies once another principal approves it."""
    record = await request_limit_change(
        uow,
        rules,
        customer_id=customer_id,
        new_limit=body.new_limit,
        currency=body.currency,
        reason=body.reason,
        requested_by=principal.name,
    )
    await uow.commit()
    return change_out(record)


@router.get("/customers/{customer_id}/limit-changes", response_model=list[LimitChangeOut])
async def get_limit_changes(
    customer_id: CustomerId, uow: UnitOfWorkDep, _: Annotated[Principal, require("credit:read")]
) -> list[LimitChangeOut]:
    """A customer's limit change requests, oldest first."""
    return [change_out(record) for record in await limit_changes_of(uow.session, customer_id)]


@router.get("/customers/{customer_id}/limit-changes/{request_id}", response_model=LimitChangeOut)
async def get_limit_change(
    customer_id: CustomerId,
    request_id: RequestId,
    uow: UnitOfWorkDep,
    _: Annotated[Principal, require("credit:read")],
) -> LimitChangeOut:
    """One limit change request."""
    return change_out(await customer_limit_change(uow, customer_id, request_id))


@router.post(
    "/customers/{customer_id}/limit-changes/{request_id}/approve",
    response_model=LimitChangeOut,
    responses={403: {"description": "The requester may not approve its own request"}},
)
async def approve_limit_change(
    customer_id: CustomerId,
    request_id: RequestId,
    uow: UnitOfWorkDep,
    rules: RulesDep,
    principal: Annotated[Principal, require("credit:approve")],
    body: ApprovalIn | None = None,
) -> LimitChangeOut:
    """Approve a pending request: the customer's limit changes now."""
    record = await decide_limit_change(
        uow,
        rules,
        customer_id=customer_id,
        request_id=request_id,
        approve=True,
        by=principal.name,
        reason=body.reason if body else None,
    )
    await uow.commit()
    return change_out(record)


@router.post(
    "/customers/{customer_id}/limit-changes/{request_id}/reject",
    response_model=LimitChangeOut,
    responses={403: {"description": "The requester may not reject its own request"}},
)
async def reject_limit_change(
    customer_id: CustomerId,
    request_id: RequestId,
    body: RejectionIn,
    uow: UnitOfWorkDep,
    rules: RulesDep,
    principal: Annotated[Principal, require("credit:approve")],
) -> LimitChangeOut:
    """Reject a pending request with a reason."""
    record = await decide_limit_change(
        uow,
        rules,
        customer_id=customer_id,
        request_id=request_id,
        approve=False,
        by=principal.name,
        reason=body.reason,
    )
    await uow.commit()
    return change_out(record)
