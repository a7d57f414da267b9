"""Dunning policies as JSON documents (API and storage) and their translation to the domain."""

from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from arflow_contracts.money import Amount, Currency, NonNegativeAmount, Rate
from arflow_dunning.domain import (
    AgencyHandover,
    Assignee,
    Channel,
    CollectorTask,
    CreditHoldRequest,
    DayCount,
    DunningAction,
    DunningPolicy,
    DunningStage,
    Fee,
    LateInterest,
    LawyerLetter,
    LitigationReview,
    Notification,
    TaskKind,
)

RiskClass = Literal["A", "B", "C", "D"]
StageKey = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=50)]
Label = Annotated[str, Field(min_length=1, max_length=100)]


class _Document(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class NotificationAction(_Document):
    type: Literal["notification"] = "notification"
    channels: Annotated[list[Channel], Field(min_length=1)]
    template: Label = Field(description="Template key, e.g. dunning.reminder_1.")
    formal_demand: bool = False


class TaskAction(_Document):
    type: Literal["task"] = "task"
    task: TaskKind = Field(description="call or visit.")
    assignee: Assignee = Field(Assignee.COLLECTOR, description="collector or salesperson.")


class CreditHoldAction(_Document):
    type: Literal["credit_hold"] = "credit_hold"


class FeeAction(_Document):
    type: Literal["fee"] = "fee"
    amounts: dict[Currency, Amount] = Field(
        default_factory=dict, description="Fee per currency when the contract names none."
    )


class InterestAction(_Document):
    type: Literal["interest"] = "interest"
    fallback_rate: Rate | None = Field(None, description="Annual rate when the contract names none.")
    fallback_day_count: Literal["ACT/360", "ACT/365", "30/360"] = "ACT/365"


class LawyerLetterAction(_Document):
    type: Literal["lawyer_letter"] = "lawyer_letter"


class AgencyHandoverAction(_Document):
    type: Literal["agency_handover"] = "agency_handover"


class LitigationReviewAction(_Document):
    type: Literal["litigation_review"] = "litigation_review"


ActionDocument = Annotated[
    NotificationAction
    | TaskAction
    | CreditHoldAction
    | FeeAction
    | InterestAction
    | LawyerLetterAction
    | AgencyHandoverAction
    | LitigationReviewAction,
    Field(discriminator="type"),
]


class StageDocument(_Document):
    key: StageKey
    name: str = Field("", max_length=100)
    days: int = Field(ge=-365, le=3650, description="Days after the due date; negative: before it.")
    minimum_amounts: dict[Currency, NonNegativeAmount] = Field(default_factory=dict)
    actions: Annotated[list[ActionDocument], Field(min_length=1, max_length=20)]


class PolicyDocument(_Document):
    """A policy as PUT: ordered stages, the risk classes and segments it applies to."""

    name: Label
    risk_classes: list[RiskClass] = Field(default_factory=list, description="Empty: every class.")
    segments: list[Annotated[str, Field(min_length=1, max_length=50)]] = Field(
        default_factory=list, description="Empty: every segment."
    )
    stages: Annotated[list[StageDocument], Field(min_length=1, max_length=30)]


def _action(document: ActionDocument) -> DunningAction:
    match document:
        case NotificationAction():
            return Notification(tuple(document.channels), document.template, document.formal_demand)
        case TaskAction():
            return CollectorTask(document.task, document.assignee)
        case CreditHoldAction():
            return CreditHoldRequest()
        case FeeAction():
            return Fee(dict(document.amounts))
        case InterestAction():
            return LateInterest(document.fallback_rate, DayCount(document.fallback_day_count))
        case LawyerLetterAction():
            return LawyerLetter()
        case AgencyHandoverAction():
            return AgencyHandover()
        case LitigationReviewAction():
            return LitigationReview()


def to_domain(policy_id: str, document: PolicyDocument) -> DunningPolicy:
    """The domain policy; raises InvalidPolicy when the document breaks a policy rule."""
    stages = tuple(
        DunningStage(
            key=stage.key,
            days=stage.days,
            name=stage.name,
            actions=tuple(_action(action) for action in stage.actions),
            minimum_amounts=dict(stage.minimum_amounts),
        )
        for stage in document.stages
    )
    return DunningPolicy(
        id=policy_id,
        name=document.name,
        stages=stages,
        risk_classes=frozenset(document.risk_classes),
        segments=frozenset(document.segments),
    )


def _action_document(action: DunningAction) -> ActionDocument:
    match action:
        case Notification():
            return NotificationAction(
                channels=list(action.channels),
                template=action.template_key,
                formal_demand=action.formal_demand,
            )
        case CollectorTask():
            return TaskAction(task=action.kind, assignee=action.assignee)
        case CreditHoldRequest():
            return CreditHoldAction()
        case Fee():
            return FeeAction(amounts=dict(action.amounts))
        case LateInterest():
            return InterestAction(
                fallback_rate=action.fallback_rate, fallback_day_count=action.fallback_day_count.value
            )
        case LawyerLetter():
            return LawyerLetterAction()
        case AgencyHandover():
            return AgencyHandoverAction()
        case LitigationReview():
            return LitigationReviewAction()


def to_document(policy: DunningPolicy) -> PolicyDocument:
    """The document form of a domain policy (for built-in defaults)."""
    return PolicyDocument(
        name=policy.name,
        risk_classes=sorted(policy.risk_classes),  # type: ignore[arg-type]
        segments=sorted(policy.segments),
        stages=[
            StageDocument(
                key=stage.key,
                name=stage.name,
                days=stage.days,
                minimum_amounts={c: Decimal(a) for c, a in stage.minimum_amounts.items()},
                actions=[_action_document(action) for action in stage.actions],
            )
            for stage in policy.stages
        ],
    )
