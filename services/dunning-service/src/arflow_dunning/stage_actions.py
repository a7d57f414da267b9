"""What reaching a stage does: messages, tasks, hold requests, charges and handovers, as events.

Called only for invoices that reached a stage for the first time (the `stage_reached` key), so
each action happens at most once per invoice and stage. Invoices of one customer that reach the
same stage in one evaluation form a group: the customer gets one message per notification of the
stage (listing every invoice it has at that stage), and one task or hold request per group.
"""

from collections import defaultdict
from dataclasses import dataclass, field

from arflow_contracts.dunning import (
    CreditHoldRequestedV1,
    DunningStageReachedV1,
    NoticeLine,
    NotificationRequestedV1,
)
from arflow_dunning.action_scope import ActionScope, natural_id
from arflow_dunning.charge_requests import request_fee, request_interest
from arflow_dunning.collection_tasks import COLLECTOR, create_task
from arflow_dunning.domain import (
    AgencyHandover,
    CollectorTask,
    CreditHoldRequest,
    CustomerMessage,
    DunningAction,
    DunningPolicy,
    DunningStage,
    Fee,
    LateInterest,
    LawyerLetter,
    LitigationReview,
    Notification,
    StageDecision,
    customer_messages,
)
from arflow_dunning.invoice_rows import InvoiceRow
from arflow_runtime.log import get_logger

log = get_logger(__name__)

HANDED_OVER = "handed_over"
ACTION_NAMES: dict[type, str] = {
    Notification: "notification",
    CollectorTask: "task",
    CreditHoldRequest: "credit_hold",
    Fee: "fee",
    LateInterest: "interest",
    LawyerLetter: "lawyer_letter",
    AgencyHandover: "agency_handover",
    LitigationReview: "litigation",
}
"""The action names DunningStageReached lists."""
LEGAL_TASKS: dict[type, str] = {
    LawyerLetter: "lawyer_letter",
    AgencyHandover: "agency_handover",
    LitigationReview: "litigation",
}


@dataclass
class Evaluated:
    """One invoice's evaluation: the row, its policy, the decision, and whether the stage is new."""

    invoice: InvoiceRow
    policy: DunningPolicy
    decision: StageDecision
    newly_reached: bool = False


@dataclass
class StageGroup:
    """A customer's invoices that reached one stage of its policy in one evaluation."""

    customer_id: str
    policy: DunningPolicy
    position: int
    stage: DunningStage
    invoices: list[InvoiceRow]
    numbers: list[str] = field(init=False)

    def __post_init__(self) -> None:
        self.numbers = sorted(invoice.invoice_number for invoice in self.invoices)


def stage_groups(evaluated: list[Evaluated]) -> list[StageGroup]:
    """Newly reached stages grouped per customer, policy and stage."""
    grouped: dict[tuple[str, str, int], list[Evaluated]] = defaultdict(list)
    for item in evaluated:
        if item.newly_reached and item.decision.stage_index is not None:
            grouped[(item.invoice.customer_id, item.policy.id, item.decision.stage_index)].append(item)
    return [
        StageGroup(
            customer_id,
            items[0].policy,
            position,
            items[0].policy.stages[position],
            [item.invoice for item in items],
        )
        for (customer_id, _, position), items in sorted(grouped.items())
    ]


async def apply_stage_actions(scope: ActionScope, evaluated: list[Evaluated]) -> int:
    """Emit everything the newly reached stages ask for; returns how many invoices reached one."""
    groups = stage_groups(evaluated)
    messages = {
        (m.customer_id, m.policy_id, m.stage_index): m
        for m in customer_messages(item.decision for item in evaluated)
    }
    by_number = {item.invoice.invoice_number: item.invoice for item in evaluated}
    for group in groups:
        await _announce(scope, group)
        message = messages.get((group.customer_id, group.policy.id, group.position))
        if message is not None:
            await _notify(scope, group, message, by_number)
        for action in group.stage.actions:
            await _act(scope, group, action)
    return sum(len(group.invoices) for group in groups)


async def _announce(scope: ActionScope, group: StageGroup) -> None:
    names = list(dict.fromkeys(ACTION_NAMES[type(action)] for action in group.stage.actions))
    scope.publish(
        DunningStageReachedV1(
            customer_id=group.customer_id,
            policy_id=group.policy.id,
            stage=group.position + 1,
            stage_name=group.stage.name,
            stage_key=group.stage.key,
            invoice_numbers=tuple(group.numbers),
            as_of=scope.as_of,
            case_id=scope.case_id(group.customer_id),
            actions=tuple(names),
        ),
        group.customer_id,
    )
    scope.note(
        group.customer_id,
        "stage_reached",
        group.numbers,
        policy_id=group.policy.id,
        stage=group.stage.key,
        stage_name=group.stage.name,
        actions=names,
    )
    log.info(
        "dunning.stage.reached",
        customer_id=group.customer_id,
        policy_id=group.policy.id,
        stage=group.stage.key,
        invoices=len(group.invoices),
    )


async def _notify(
    scope: ActionScope, group: StageGroup, message: CustomerMessage, by_number: dict[str, InvoiceRow]
) -> None:
    customer = scope.customers.get(group.customer_id)
    listed = [line.invoice_id for line in message.lines]
    lines = tuple(_notice_line(scope, by_number[number]) for number in listed)
    for notification in message.notifications:
        request_id = natural_id(
            "notice",
            group.customer_id,
            group.policy.id,
            group.stage.key,
            scope.as_of,
            notification.template_key,
            *group.numbers,
        )
        channels = [str(channel) for channel in notification.channels]
        scope.publish(
            NotificationRequestedV1(
                request_id=request_id,
                customer_id=group.customer_id,
                channels=tuple(channels),
                template=notification.template_key,
                locale=customer.locale if customer else None,
                invoices=lines,
                as_of=scope.as_of,
                stage=group.position + 1,
                policy_id=group.policy.id,
                formal_demand=notification.formal_demand,
                stage_key=group.stage.key,
            ),
            group.customer_id,
        )
        scope.note(
            group.customer_id,
            "notification_requested",
            listed,
            request_id=request_id,
            template=notification.template_key,
            stage=group.stage.key,
            channels=channels,
            formal_demand=notification.formal_demand,
        )


def _notice_line(scope: ActionScope, invoice: InvoiceRow) -> NoticeLine:
    return NoticeLine(
        invoice_number=invoice.invoice_number,
        currency=invoice.currency,
        amount=invoice.amount,
        outstanding=invoice.outstanding,
        due_date=invoice.due_date,
        days_overdue=(scope.as_of - invoice.due_date).days,
        charges=invoice.charges_outstanding or None,
    )


async def _act(scope: ActionScope, group: StageGroup, action: DunningAction) -> None:
    stage = group.stage.key
    match action:
        case CreditHoldRequest():
            await _request_hold(scope, group)
        case CollectorTask():
            await create_task(
                scope,
                group.customer_id,
                str(action.kind),
                group.invoices,
                assignee_role=str(action.assignee),
                policy_id=group.policy.id,
                stage=stage,
            )
        case LawyerLetter() | AgencyHandover() | LitigationReview():
            await create_task(
                scope,
                group.customer_id,
                LEGAL_TASKS[type(action)],
                group.invoices,
                assignee_role=COLLECTOR,
                policy_id=group.policy.id,
                stage=stage,
            )
            if isinstance(action, AgencyHandover):
                _hand_over(scope, group)
        case Fee():
            for invoice in group.invoices:
                await request_fee(scope, stage, invoice, action)
        case LateInterest():
            for invoice in group.invoices:
                await request_interest(scope, stage, invoice, action)


async def _request_hold(scope: ActionScope, group: StageGroup) -> None:
    request_id = natural_id(
        "hold", group.customer_id, group.policy.id, group.stage.key, scope.as_of, *group.numbers
    )
    scope.publish(
        CreditHoldRequestedV1(
            request_id=request_id,
            customer_id=group.customer_id,
            reason=f"dunning stage {group.stage.key} reached",
            as_of=scope.as_of,
            policy_id=group.policy.id,
            stage=group.position + 1,
            invoice_numbers=tuple(group.numbers),
        ),
        group.customer_id,
    )
    scope.note(
        group.customer_id,
        "credit_hold_requested",
        group.numbers,
        request_id=request_id,
        stage=group.stage.key,
    )


def _hand_over(scope: ActionScope, group: StageGroup) -> None:
    """The agency takes the claims over: dunning stops chasing them (the case may close)."""
    for invoice in group.invoices:
        invoice.status, invoice.settled_on, invoice.next_stage_due_on = HANDED_OVER, scope.as_of, None
    scope.note(group.customer_id, "handed_over", group.numbers, stage=group.stage.key)
