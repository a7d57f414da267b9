"""Manual credit holds: placed and released by a credit manager, always with a reason."""

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Header, Path, Query, Response, status
from pydantic import BaseModel, ConfigDict, Field

from arflow_credit.api.common import CustomerId, Instant
from arflow_credit.domain import HoldSource
from arflow_credit.holds import customer_hold, find_hold, place_hold, release_hold
from arflow_credit.store.clock import business_today
from arflow_credit.store.customers import open_credit_account
from arflow_credit.store.holds import HoldRecord, active_holds, holds_of
from arflow_runtime.auth import Principal
from arflow_runtime.http import UnitOfWorkDep, require

router = APIRouter(prefix="/v1", tags=["credit holds"])
HoldId = Annotated[str, Path(min_length=1, max_length=128)]


class HoldIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: Annotated[str, Field(min_length=3, max_length=2000, description="why supply stops")]


class ReleaseIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: Annotated[str, Field(min_length=3, max_length=2000, description="why supply may resume")]


class CreditHoldOut(BaseModel):
    """A hold, active or released."""

    hold_id: str
    customer_id: str
    source: str
    reason: str
    since: date
    placed_by: str | None
    request_id: str | None
    placed_at: Instant
    active: bool
    released_on: date | None
    released_by: str | None
    release_reason: str | None


def hold_out(record: HoldRecord) -> CreditHoldOut:
    return CreditHoldOut(
        hold_id=record.hold_id,
        customer_id=record.customer_id,
        source=record.source,
        reason=record.reason,
        since=record.since,
        placed_by=record.placed_by,
        request_id=record.request_id,
        placed_at=record.placed_at,
        active=record.released_on is None,
        released_on=record.released_on,
        released_by=record.released_by,
        release_reason=record.release_reason,
    )


@router.post(
    "/customers/{customer_id}/holds",
    response_model=CreditHoldOut,
    status_code=status.HTTP_201_CREATED,
    responses={200: {"model": CreditHoldOut, "description": "Same Idempotency-Key: the hold placed before"}},
)
async def post_hold(
    customer_id: CustomerId,
    body: HoldIn,
    uow: UnitOfWorkDep,
    response: Response,
    principal: Annotated[Principal, require("credit:write")],
    idempotency_key: Annotated[
        str | None, Header(max_length=100, description="retry-safe: one hold per key")
    ] = None,
) -> CreditHoldOut:
    """Place a manual hold: the customer's credit checks are rejected until it is released."""
    reference = f"{principal.name}:{idempotency_key}" if idempotency_key else ""
    if reference:
        existing = await find_hold(uow.session, customer_id, HoldSource.MANUAL, reference)
        if existing is not None:
            response.status_code = status.HTTP_200_OK
            return hold_out(existing)
    await open_credit_account(uow.session, customer_id)
    record = await place_hold(
        uow,
        customer_id=customer_id,
        source=HoldSource.MANUAL,
        reason=body.reason.strip(),
        since=await business_today(uow.session),
        actor=principal.name,
        reference=reference or None,
        placed_by=principal.name,
    )
    await uow.commit()
    return hold_out(record)


@router.get("/customers/{customer_id}/holds", response_model=list[CreditHoldOut])
async def get_holds(
    customer_id: CustomerId,
    uow: UnitOfWorkDep,
    _: Annotated[Principal, require("credit:read")],
    include_released: Annotated[bool, Query(description="also the holds already released")] = False,
) -> list[CreditHoldOut]:
    """A customer's holds, oldest first."""
    records = await (holds_of if include_released else active_holds)(uow.session, customer_id)
    return [hold_out(record) for record in records]


@router.post("/customers/{customer_id}/holds/{hold_id}/release", response_model=CreditHoldOut)
async def post_release(
    customer_id: CustomerId,
    hold_id: HoldId,
    body: ReleaseIn,
    uow: UnitOfWorkDep,
    principal: Annotated[Principal, require("credit:write")],
) -> CreditHoldOut:
    """Release a hold of any source with a reason (an automatic one returns if its rule still holds)."""
    record = await customer_hold(uow.session, customer_id, hold_id)
    await release_hold(
        uow,
        record,
        reason=body.reason.strip(),
        on=await business_today(uow.session),
        actor=principal.name,
        released_by=principal.name,
    )
    await uow.commit()
    return hold_out(record)
