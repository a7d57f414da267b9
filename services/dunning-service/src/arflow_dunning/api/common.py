"""What the dunning routers share: decimal strings, path and query types, dependencies, views."""

from datetime import date, datetime
from typing import Annotated, Any

from fastapi import Depends, Path, Request
from pydantic import BaseModel, Field

from arflow_contracts.money import SignedAmount
from arflow_dunning.business_days import current_business_date
from arflow_dunning.settings import EvaluationRules
from arflow_dunning.store import CollectionTask, PromiseToPayRecord, TimelineEntry
from arflow_runtime.http import UnitOfWorkDep

DecimalText = SignedAmount
"""A decimal carried as a JSON string, never a float."""

CaseId = Annotated[str, Path(min_length=1, max_length=36, description="Collection case id")]
TaskId = Annotated[str, Path(min_length=1, max_length=36, description="Collection task id")]
InvoiceNumber = Annotated[str, Path(min_length=1, max_length=100, description="ERP invoice number")]
BusinessDate = Annotated[date, Field(ge=date(1900, 1, 1), le=date(9000, 12, 31))]


def rules_of(request: Request) -> EvaluationRules:
    """The evaluation rules this app was built with."""
    return request.app.state.dunning_rules  # type: ignore[no-any-return]


RulesDep = Annotated[EvaluationRules, Depends(rules_of)]


async def business_today(uow: UnitOfWorkDep) -> date:
    """The latest closed business date (today's date before the first close)."""
    return await current_business_date(uow.session)


TodayDep = Annotated[date, Depends(business_today)]


class TimelineItemOut(BaseModel):
    """One entry of a case's timeline."""

    on: date
    recorded_at: datetime
    kind: str
    invoice_numbers: list[str]
    detail: dict[str, Any]
    note: str | None
    actor: str | None


def timeline_item(entry: TimelineEntry) -> TimelineItemOut:
    return TimelineItemOut(
        on=entry.on_date,
        recorded_at=entry.recorded_at,
        kind=entry.kind,
        invoice_numbers=list(entry.invoice_numbers),
        detail=dict(entry.detail),
        note=entry.note,
        actor=entry.actor,
    )


class PromiseOut(BaseModel):
    """A promise to pay and where it stands."""

    promise_id: str
    case_id: str
    customer_id: str
    amount: DecimalText
    currency: str
    promised_date: date
    made_on: date
    status: str = Field(description="open, kept or broken")
    paid_toward: DecimalText
    invoice_numbers: list[str]
    made_by: str
    resolved_on: date | None


def promise_out(promise: PromiseToPayRecord) -> PromiseOut:
    return PromiseOut(
        promise_id=promise.promise_id,
        case_id=promise.case_id,
        customer_id=promise.customer_id,
        amount=promise.amount,
        currency=promise.currency,
        promised_date=promise.promised_date,
        made_on=promise.made_on,
        status=promise.status,
        paid_toward=promise.paid_toward,
        invoice_numbers=list(promise.invoice_numbers),
        made_by=promise.made_by,
        resolved_on=promise.resolved_on,
    )


class TaskOut(BaseModel):
    """A collector task."""

    task_id: str
    case_id: str | None
    customer_id: str
    kind: str = Field(description="call, visit, lawyer_letter, agency_handover or litigation")
    assignee_role: str
    assignee_id: str | None
    due_on: date
    invoice_numbers: list[str]
    policy_id: str | None
    stage: str | None
    reason: str | None
    expected_loss: DecimalText | None
    currency: str | None
    status: str = Field(description="open or completed")
    outcome: str | None
    completed_at: datetime | None
    completed_by: str | None


def task_out(task: CollectionTask) -> TaskOut:
    return TaskOut(
        task_id=task.task_id,
        case_id=task.case_id,
        customer_id=task.customer_id,
        kind=task.kind,
        assignee_role=task.assignee_role,
        assignee_id=task.assignee_id,
        due_on=task.due_on,
        invoice_numbers=list(task.invoice_numbers),
        policy_id=task.policy_id,
        stage=task.stage,
        reason=task.reason,
        expected_loss=task.expected_loss,
        currency=task.currency,
        status=task.status,
        outcome=task.outcome,
        completed_at=task.completed_at,
        completed_by=task.completed_by,
    )
