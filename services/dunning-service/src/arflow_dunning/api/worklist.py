"""The collector's worklist and tasks: what to work next, and closing a task with its outcome."""

from datetime import UTC, date, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from arflow_dunning.api.common import (
    BusinessDate,
    DecimalText,
    PromiseOut,
    RulesDep,
    TaskId,
    TaskOut,
    TodayDep,
    promise_out,
    task_out,
)
from arflow_dunning.cases import timeline_entry
from arflow_dunning.errors import TaskAlreadyCompleted, TaskNotFound
from arflow_dunning.store import OPEN, CollectionTask
from arflow_dunning.worklist import worklist
from arflow_runtime.auth import Principal
from arflow_runtime.http import UnitOfWorkDep, require

router = APIRouter(prefix="/v1", tags=["worklist"])

COMPLETED = "completed"
Outcome = Literal[
    "reached",
    "no_answer",
    "voicemail",
    "wrong_contact",
    "promise_to_pay",
    "dispute_raised",
    "payment_confirmed",
    "refused",
    "letter_sent",
    "handed_over",
    "litigation_started",
    "no_action_needed",
    "other",
]


class WorklistEntryOut(BaseModel):
    """A case (in one currency) on the worklist, in working order."""

    rank: int
    priority: Literal["broken_promise", "promise_due_today", "expected_loss"]
    case_id: str
    customer_id: str
    customer_name: str | None
    currency: str
    overdue_amount: DecimalText
    days_overdue: int
    risk_class: str
    probability_of_default: DecimalText
    expected_loss: DecimalText
    promise: PromiseOut | None
    invoice_numbers: list[str]
    open_tasks: list[TaskOut]


class WorklistOut(BaseModel):
    as_of: date
    collector_id: str | None
    entries: list[WorklistEntryOut]


class TaskCompletionIn(BaseModel):
    """How the task went."""

    model_config = ConfigDict(extra="forbid")

    outcome: Outcome
    note: Annotated[str | None, Field(max_length=4000)] = None


@router.get("/worklist", response_model=WorklistOut)
async def get_worklist(
    uow: UnitOfWorkDep,
    today: TodayDep,
    rules: RulesDep,
    _: Annotated[Principal, require("dunning:read")],
    collector_id: Annotated[str | None, Query(min_length=1, max_length=100)] = None,
    as_of: Annotated[BusinessDate | None, Query(description="Default: the last closed business date")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> WorklistOut:
    """Open cases of a collector: broken promises, promises due today, then by expected loss."""
    day = as_of or today
    lines = await worklist(uow.session, collector_id, day, rules.default_risk_class, limit)
    return WorklistOut(
        as_of=day,
        collector_id=collector_id,
        entries=[
            WorklistEntryOut(
                rank=line.rank,
                priority=line.priority.name.lower(),  # type: ignore[arg-type]
                case_id=line.case.case_id,
                customer_id=line.case.customer_id,
                customer_name=line.customer.name if line.customer else None,
                currency=line.currency,
                overdue_amount=line.overdue_amount,
                days_overdue=line.days_overdue,
                risk_class=line.risk_class,
                probability_of_default=round(line.probability_of_default, 4),
                expected_loss=line.expected_loss,
                promise=promise_out(line.promise) if line.promise else None,
                invoice_numbers=line.invoice_numbers,
                open_tasks=[task_out(task) for task in line.tasks],
            )
            for line in lines
        ],
    )


@router.get("/tasks", response_model=list[TaskOut])
async def list_tasks(
    uow: UnitOfWorkDep,
    _: Annotated[Principal, require("dunning:read")],
    assignee_id: Annotated[str | None, Query(min_length=1, max_length=100)] = None,
    task_status: Annotated[Literal["open", "completed"] | None, Query(alias="status")] = "open",
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> list[TaskOut]:
    """Tasks, oldest due first; by default the open ones."""
    query = select(CollectionTask)
    if assignee_id is not None:
        query = query.where(CollectionTask.assignee_id == assignee_id)
    if task_status is not None:
        query = query.where(CollectionTask.status == task_status)
    rows = await uow.session.execute(
        query.order_by(CollectionTask.due_on, CollectionTask.task_id).limit(limit)
    )
    return [task_out(task) for task in rows.scalars()]


@router.post("/tasks/{task_id}/complete", response_model=TaskOut)
async def complete_task(
    task_id: TaskId,
    body: TaskCompletionIn,
    uow: UnitOfWorkDep,
    today: TodayDep,
    principal: Annotated[Principal, require("dunning:work")],
) -> TaskOut:
    """Close a task with its outcome; completing it again with the same outcome changes nothing."""
    task = await uow.session.get(CollectionTask, task_id)
    if task is None:
        raise TaskNotFound(f"No collection task {task_id}.")
    if task.status != OPEN:
        if task.outcome == body.outcome:
            return task_out(task)
        raise TaskAlreadyCompleted(f"Task {task_id} was completed with outcome {task.outcome}.")
    task.status, task.outcome = COMPLETED, body.outcome
    task.completed_at, task.completed_by = datetime.now(UTC), principal.name
    uow.session.add(
        timeline_entry(
            customer_id=task.customer_id,
            case_id=task.case_id,
            on=today,
            kind="task_completed",
            invoice_numbers=task.invoice_numbers,
            note=body.note,
            actor=principal.name,
            detail={"task_id": task.task_id, "task": task.kind, "outcome": body.outcome},
        )
    )
    await uow.commit()
    return task_out(task)
