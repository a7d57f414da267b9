"""Events of dunning-service (stages, requests to other services, tasks), on dunning.events."""

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from arflow_contracts import topics
from arflow_contracts.envelope import EventData
from arflow_contracts.identifiers import Identifier
from arflow_contracts.money import Amount, Currency, NonNegativeAmount, Rate
from arflow_contracts.registry import register
from arflow_contracts.terms import DayCount

InvoiceNumbers = tuple[Identifier, ...]


class DunningEvent(EventData):
    """Base of dunning-service's events."""

    topic = topics.DUNNING


@register
class DunningStageReachedV1(DunningEvent):
    """Invoices of a customer reached a stage of their dunning policy."""

    event_type = "DunningStageReached"
    event_version = 1

    customer_id: Identifier
    policy_id: Identifier
    stage: int = Field(ge=1, description="Position of the stage in the policy, 1 = first.")
    stage_name: str | None = None
    invoice_numbers: InvoiceNumbers = Field(min_length=1)
    as_of: date = Field(description="Business date of the evaluation.")
    case_id: Identifier | None = None
    stage_key: Identifier | None = Field(
        default=None, description="The stage's key in its policy, e.g. final_notice (stable across renames)."
    )
    actions: tuple[str, ...] = Field(
        default=(),
        description="Actions the stage triggers: notification, task, credit_hold, fee, interest, "
        "lawyer_letter, agency_handover, litigation.",
    )


@register
class CreditHoldRequestedV1(DunningEvent):
    """Dunning asks credit-service to stop supply to a customer."""

    event_type = "CreditHoldRequested"
    event_version = 1

    request_id: Identifier = Field(description="Idempotency key; echoed by CreditHoldPlaced.")
    customer_id: Identifier
    reason: str
    as_of: date
    policy_id: Identifier | None = None
    stage: int | None = Field(default=None, ge=1)
    invoice_numbers: InvoiceNumbers = ()


@register
class ChargeRequestedV1(DunningEvent):
    """Dunning asks the ledger to post a fee or late interest on an invoice."""

    event_type = "ChargeRequested"
    event_version = 1

    request_id: Identifier = Field(description="Idempotency key; echoed by ChargePosted.")
    customer_id: Identifier
    invoice_number: Identifier
    kind: Literal["fee", "interest"]
    amount: Amount
    currency: Currency
    reason: str = Field(description="e.g. the stage that charges it, or 'late interest'.")
    as_of: date
    rate: Rate | None = Field(default=None, description="Annual interest rate used (interest).")
    day_count: DayCount | None = None
    period_start: date | None = None
    period_end: date | None = None


@register
class CollectionTaskCreatedV1(DunningEvent):
    """A collector has a new task on a customer's case."""

    event_type = "CollectionTaskCreated"
    event_version = 1

    task_id: Identifier
    customer_id: Identifier
    kind: str = Field(description="call, visit, review, lawyer_letter, agency_handover, litigation.")
    due_on: date
    case_id: Identifier | None = None
    collector_id: Identifier | None = None
    invoice_numbers: InvoiceNumbers = ()
    expected_loss: NonNegativeAmount | None = Field(
        default=None, description="amount x risk x age; orders the worklist."
    )
    currency: Currency | None = None
    note: str | None = None


@register
class PromiseToPayBrokenV1(DunningEvent):
    """A promise-to-pay passed its date without the promised payment; escalation resumes."""

    event_type = "PromiseToPayBroken"
    event_version = 1

    promise_id: Identifier
    customer_id: Identifier
    promised_amount: Amount
    currency: Currency
    promised_date: date
    received_amount: NonNegativeAmount = Field(description="Paid towards it by promised_date.")
    as_of: date
    invoice_numbers: InvoiceNumbers = ()
    case_id: Identifier | None = None


class NoticeLine(BaseModel):
    """One invoice listed in a customer notification."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    invoice_number: Identifier
    currency: Currency
    amount: Amount = Field(description="The invoice's gross amount.")
    outstanding: Amount
    due_date: date
    days_overdue: int = Field(description="as_of - due_date; negative before the due date.")
    charges: NonNegativeAmount | None = Field(
        default=None, description="Fees and interest outstanding on it."
    )


@register
class NotificationRequestedV1(DunningEvent):
    """Dunning asks notification-service to send one message to a customer about its invoices."""

    event_type = "NotificationRequested"
    event_version = 1

    request_id: Identifier = Field(description="Idempotency key; the message is sent once.")
    customer_id: Identifier
    channels: tuple[str, ...] = Field(
        min_length=1, description="In order of preference: email, sms, webhook, letter."
    )
    template: Identifier = Field(description="Template key, e.g. dunning.reminder.")
    locale: str | None = Field(
        default=None, description="Hint; the customer profile's locale wins when known."
    )
    invoices: tuple[NoticeLine, ...] = Field(min_length=1)
    as_of: date
    stage: int | None = Field(default=None, ge=1)
    policy_id: Identifier | None = None
    formal_demand: bool = Field(
        default=False, description="A demand whose delivery restarts the limitation period."
    )
    stage_key: Identifier | None = Field(
        default=None, description="The stage's key in its policy, e.g. reminder_1."
    )
