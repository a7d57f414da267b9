"""Collection cases: list and read them, log calls and notes, record promises to pay."""

from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request, Response, status
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from arflow_contracts.money import Amount, Currency
from arflow_dunning.api.common import (
    BusinessDate,
    CaseId,
    DecimalText,
    PromiseOut,
    TaskOut,
    TimelineItemOut,
    TodayDep,
    promise_out,
    task_out,
    timeline_item,
)
from arflow_dunning.cases import case_invoices, cases_of, find_case, timeline_entry, timelines
from arflow_dunning.domain import round_money
from arflow_dunning.errors import InvalidRequest
from arflow_dunning.promises import make_promise
from arflow_dunning.store import CollectionCase, CollectionTask, PromiseToPayRecord
from arflow_runtime.auth import Principal
from arflow_runtime.http import UnitOfWorkDep, require
from arflow_runtime.idempotency import IdempotencyKey, IdempotentRequest

router = APIRouter(prefix="/v1", tags=["collection cases"])


class CaseInvoiceOut(BaseModel):
    invoice_number: str
    stage: str | None
    outstanding: DecimalText
    currency: str
    due_date: date
    days_overdue: int
    status: str
    disputed: bool
    excluded: bool
    promise_id: str | None


class CaseOut(BaseModel):
    """A customer's collection case with its invoices and everything that happened on it."""

    case_id: str
    customer_id: str
    status: str = Field(description="open or closed")
    opened_on: date
    closed_on: date | None
    close_reason: str | None
    invoices: list[CaseInvoiceOut]
    timeline: list[TimelineItemOut]
    promises: list[PromiseOut]
    tasks: list[TaskOut]


class PromiseIn(BaseModel):
    """The customer promised to pay this much by this date."""

    model_config = ConfigDict(extra="forbid")

    amount: Annotated[Amount, Field(max_digits=15, decimal_places=4)]
    currency: Currency
    promised_date: BusinessDate


class NoteIn(BaseModel):
    """A collector's note or the log of a call."""

    model_config = ConfigDict(extra="forbid")

    kind: Literal["note", "call"] = "note"
    text: Annotated[str, Field(min_length=1, max_length=4000)]
    outcome: (
        Literal[
            "reached",
            "no_answer",
            "voicemail",
            "wrong_contact",
            "promise_to_pay",
            "dispute_raised",
            "payment_confirmed",
            "refused",
            "other",
        ]
        | None
    ) = Field(None, description="For calls: how it went.")
    invoice_numbers: list[Annotated[str, Field(min_length=1, max_length=100)]] = Field(
        default_factory=list, max_length=100
    )


async def _views(uow: UnitOfWorkDep, cases: list[CollectionCase], today: date) -> list[CaseOut]:
    ids = [case.case_id for case in cases]
    invoices = await case_invoices(uow.session, ids)
    entries = await timelines(uow.session, ids)
    promises: dict[str, list[PromiseOut]] = {case_id: [] for case_id in ids}
    tasks: dict[str, list[TaskOut]] = {case_id: [] for case_id in ids}
    if ids:
        for promise in (
            await uow.session.execute(
                select(PromiseToPayRecord)
                .where(PromiseToPayRecord.case_id.in_(ids))
                .order_by(PromiseToPayRecord.made_on)
            )
        ).scalars():
            promises[promise.case_id].append(promise_out(promise))
        for task in (
            await uow.session.execute(
                select(CollectionTask).where(CollectionTask.case_id.in_(ids)).order_by(CollectionTask.due_on)
            )
        ).scalars():
            tasks[task.case_id or ""].append(task_out(task))
    return [
        CaseOut(
            case_id=case.case_id,
            customer_id=case.customer_id,
            status=case.status,
            opened_on=case.opened_on,
            closed_on=case.closed_on,
            close_reason=case.close_reason,
            invoices=[
                CaseInvoiceOut(
                    invoice_number=i.invoice_number,
                    stage=i.stage,
                    outstanding=i.outstanding,
                    currency=i.currency,
                    due_date=i.due_date,
                    days_overdue=(today - i.due_date).days,
                    status=i.status,
                    disputed=i.open_disputes > 0,
                    excluded=i.excluded,
                    promise_id=i.promise_id,
                )
                for i in invoices[case.case_id]
            ],
            timeline=[timeline_item(entry) for entry in entries[case.case_id]],
            promises=promises[case.case_id],
            tasks=tasks[case.case_id],
        )
        for case in cases
    ]


@router.get("/cases", response_model=list[CaseOut])
async def list_cases(
    uow: UnitOfWorkDep,
    today: TodayDep,
    _: Annotated[Principal, require("dunning:read")],
    customer_id: Annotated[str | None, Query(min_length=1, max_length=100)] = None,
    case_status: Annotated[Literal["open", "closed"] | None, Query(alias="status")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[CaseOut]:
    """Collection cases, newest first: a customer's, or every case in a status."""
    return await _views(uow, await cases_of(uow.session, customer_id, case_status, limit), today)


@router.get("/cases/{case_id}", response_model=CaseOut)
async def get_case(
    case_id: CaseId,
    uow: UnitOfWorkDep,
    today: TodayDep,
    _: Annotated[Principal, require("dunning:read")],
) -> CaseOut:
    """One case with its invoices, timeline, promises and tasks."""
    return (await _views(uow, [await find_case(uow.session, case_id)], today))[0]


@router.post(
    "/cases/{case_id}/promises",
    response_model=PromiseOut,
    status_code=status.HTTP_201_CREATED,
    responses={200: {"model": PromiseOut, "description": "The same promise was recorded before"}},
)
async def post_promise(
    case_id: CaseId,
    body: PromiseIn,
    uow: UnitOfWorkDep,
    today: TodayDep,
    response: Response,
    principal: Annotated[Principal, require("dunning:work")],
) -> PromiseOut:
    """Record a promise to pay: the case's invoices in its currency wait until the promised date."""
    if round_money(body.amount, body.currency) != body.amount:
        raise InvalidRequest(f"amount {body.amount} has more decimals than {body.currency} allows.")
    case = await find_case(uow.session, case_id)
    promise, created = await make_promise(
        uow.session, case, body.amount, body.currency, body.promised_date, today, principal.name
    )
    await uow.commit()
    if not created:
        response.status_code = status.HTTP_200_OK
    return promise_out(promise)


@router.post("/cases/{case_id}/notes", response_model=TimelineItemOut, status_code=status.HTTP_201_CREATED)
async def post_note(
    case_id: CaseId,
    body: NoteIn,
    uow: UnitOfWorkDep,
    today: TodayDep,
    request: Request,
    principal: Annotated[Principal, require("dunning:work")],
    idempotency_key: IdempotencyKey = None,
) -> TimelineItemOut | JSONResponse:
    """Add a note or a call log to the case's timeline (Idempotency-Key makes a retry safe)."""
    claim = await IdempotentRequest.begin(
        uow, principal, idempotency_key, "POST", request.url.path, body.model_dump(mode="json")
    )
    if claim.replay is not None:
        return claim.replay
    case = await find_case(uow.session, case_id)
    entry = timeline_entry(
        customer_id=case.customer_id,
        case_id=case.case_id,
        on=today,
        kind=body.kind,
        invoice_numbers=body.invoice_numbers,
        detail={"outcome": body.outcome} if body.outcome else {},
        note=body.text,
        actor=principal.name,
    )
    uow.session.add(entry)
    await uow.session.flush()
    answer = timeline_item(entry)
    await claim.complete(status.HTTP_201_CREATED, answer.model_dump(mode="json"))
    await uow.commit()
    return answer
