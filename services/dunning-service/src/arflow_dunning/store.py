"""dunning-service tables: its projection of receivables and customers, and what dunning did.

Natural keys make every action at most once, whatever redeliveries happen: a stage is reached
once per invoice (`stage_reached`), a charge is requested once per invoice, stage and kind
(`charge_requests`), a customer has at most one open case (`collection_cases.open_customer_id`).
"""

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Column, DateTime, Text, UniqueConstraint
from sqlalchemy.orm import registry
from sqlmodel import Field, SQLModel

from arflow_runtime.db import BigId, Money

OPEN = "open"
"""Status of an invoice dunning still chases (paid, credited, written_off, handed_over end it)."""


class DunningTable(SQLModel, registry=registry()):
    """Base of dunning-service's tables."""


def _money(nullable: bool = False) -> Any:
    return Field(default=None if nullable else Decimal(0), sa_column=Column(Money(), nullable=nullable))


def _json() -> Any:
    return Field(default_factory=list, sa_column=Column(JSON, nullable=False))


class WatchedInvoice(DunningTable, table=True):
    """An invoice under dunning's watch: amounts, contract terms, pauses and the stage reached."""

    __tablename__ = "watched_invoices"

    invoice_number: str = Field(primary_key=True, max_length=100)
    customer_id: str = Field(max_length=100, index=True)
    currency: str = Field(max_length=3)
    amount: Decimal = _money()
    outstanding: Decimal = _money()
    principal_outstanding: Decimal = _money()
    charges_outstanding: Decimal = _money()
    issue_date: date | None = None
    due_date: date
    salesperson_id: str | None = Field(default=None, max_length=100)
    late_interest_rate: str | None = Field(default=None, max_length=40)
    day_count: str | None = Field(default=None, max_length=10)
    dunning_fee: Decimal | None = _money(nullable=True)
    status: str = Field(default=OPEN, max_length=20, index=True)
    policy_id: str | None = Field(default=None, max_length=100)
    stage: str | None = Field(default=None, max_length=50)
    stage_days: int | None = None
    stage_reached_on: date | None = None
    next_stage_due_on: date | None = Field(default=None, index=True)
    open_disputes: int = 0
    excluded: bool = False
    promise_id: str | None = Field(default=None, max_length=36)
    case_id: str | None = Field(default=None, max_length=36, index=True)
    interest_charged_through: date | None = None
    paid_date: date | None = None
    settled_on: date | None = None


class DunningCustomer(DunningTable, table=True):
    """What dunning knows of a customer: who collects, how to address it, how risky it is."""

    __tablename__ = "dunning_customers"

    customer_id: str = Field(primary_key=True, max_length=100)
    name: str | None = Field(default=None, max_length=300)
    locale: str | None = Field(default=None, max_length=35)
    segment: str | None = Field(default=None, max_length=50)
    collector_id: str | None = Field(default=None, max_length=100, index=True)
    salesperson_id: str | None = Field(default=None, max_length=100)
    profile_revision: int | None = None
    risk_class: str | None = Field(default=None, max_length=1)
    score: int | None = None
    rated_on: date | None = None


class CustomerRating(DunningTable, table=True):
    """The last risk class credit gave a customer on each business date.

    A business day's evaluation uses the class rated before that day: credit re-rates everyone
    at the same BusinessDayClosed that dunning evaluates, and which of the two runs first must not
    decide which policy applies. The class from a day's close therefore applies from the next day.
    """

    __tablename__ = "customer_ratings"

    customer_id: str = Field(primary_key=True, max_length=100)
    as_of: date = Field(primary_key=True)
    risk_class: str = Field(max_length=1)
    score: int | None = None


class StoredPolicy(DunningTable, table=True):
    """A dunning policy set through the API; it overrides a built-in default of the same id."""

    __tablename__ = "dunning_policies"

    policy_id: str = Field(primary_key=True, max_length=100)
    document: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    version: int = 1
    updated_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    updated_by: str = Field(max_length=200)


class CollectionCase(DunningTable, table=True):
    """One customer's overdue items under collection, from the first overdue invoice to the last."""

    __tablename__ = "collection_cases"
    __table_args__ = (UniqueConstraint("open_customer_id", name="uq_collection_cases_open_customer"),)

    case_id: str = Field(primary_key=True, max_length=36)
    customer_id: str = Field(max_length=100, index=True)
    status: str = Field(default=OPEN, max_length=20)
    opened_on: date
    closed_on: date | None = None
    close_reason: str | None = Field(default=None, max_length=50)
    # The customer id while the case is open, null once closed: a unique column that lets
    # both databases refuse a second open case for one customer.
    open_customer_id: str | None = Field(default=None, max_length=100)


class TimelineEntry(DunningTable, table=True):
    """One thing that happened on a case: a stage, a message, a task, a note, a promise, a dispute."""

    __tablename__ = "case_timeline"

    id: int | None = Field(default=None, sa_column=Column(BigId, primary_key=True, autoincrement=True))
    customer_id: str = Field(max_length=100, index=True)
    case_id: str | None = Field(default=None, max_length=36, index=True)
    on_date: date
    recorded_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    kind: str = Field(max_length=40)
    invoice_numbers: list[str] = _json()
    detail: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    note: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    actor: str | None = Field(default=None, max_length=200)


class StageReached(DunningTable, table=True):
    """An invoice reached a stage: once per invoice and stage key, whatever happens later."""

    __tablename__ = "stage_reached"

    invoice_number: str = Field(primary_key=True, max_length=100)
    stage: str = Field(primary_key=True, max_length=50)
    customer_id: str = Field(max_length=100, index=True)
    policy_id: str = Field(max_length=100)
    stage_position: int
    reached_on: date = Field(index=True)
    amount: Decimal = _money()
    currency: str = Field(max_length=3)
    channels: list[str] = _json()
    cost_keys: list[str] = _json()
    case_id: str | None = Field(default=None, max_length=36)


class CollectionTask(DunningTable, table=True):
    """Work for a person: a call, a visit, a lawyer letter, a handover or a litigation review."""

    __tablename__ = "collection_tasks"

    task_id: str = Field(primary_key=True, max_length=36)
    case_id: str | None = Field(default=None, max_length=36, index=True)
    customer_id: str = Field(max_length=100, index=True)
    kind: str = Field(max_length=30)
    assignee_role: str = Field(max_length=20)
    assignee_id: str | None = Field(default=None, max_length=100, index=True)
    due_on: date
    invoice_numbers: list[str] = _json()
    policy_id: str | None = Field(default=None, max_length=100)
    stage: str | None = Field(default=None, max_length=50)
    expected_loss: Decimal | None = _money(nullable=True)
    currency: str | None = Field(default=None, max_length=3)
    reason: str | None = Field(default=None, max_length=200)
    status: str = Field(default=OPEN, max_length=20)
    outcome: str | None = Field(default=None, max_length=40)
    completed_at: datetime | None = Field(
        default=None, sa_column=Column(DateTime(timezone=True), nullable=True)
    )
    completed_by: str | None = Field(default=None, max_length=200)


class PromiseToPayRecord(DunningTable, table=True):
    """A customer's promise to pay an amount by a date, on the case's invoices in that currency."""

    __tablename__ = "promises_to_pay"

    promise_id: str = Field(primary_key=True, max_length=36)
    case_id: str = Field(max_length=36, index=True)
    customer_id: str = Field(max_length=100)
    amount: Decimal = _money()
    currency: str = Field(max_length=3)
    promised_date: date
    made_on: date
    status: str = Field(default=OPEN, max_length=20)
    paid_toward: Decimal = _money()
    invoice_numbers: list[str] = _json()
    made_by: str = Field(max_length=200)
    resolved_on: date | None = None


class ChargeRequest(DunningTable, table=True):
    """A fee or late interest dunning asked the ledger to post; once per invoice, stage and kind."""

    __tablename__ = "charge_requests"
    __table_args__ = (UniqueConstraint("invoice_number", "stage", "kind", name="uq_charge_requests_stage"),)

    request_id: str = Field(primary_key=True, max_length=36)
    invoice_number: str = Field(max_length=100)
    customer_id: str = Field(max_length=100)
    stage: str = Field(max_length=50)
    kind: str = Field(max_length=10)
    amount: Decimal = _money()
    currency: str = Field(max_length=3)
    requested_on: date
    posted_charge_id: str | None = Field(default=None, max_length=128)
    posted_on: date | None = None


class Settlement(DunningTable, table=True):
    """Money that reduced an invoice: a payment, a credit note or a write-off (for reports)."""

    __tablename__ = "settlements"
    __table_args__ = (
        UniqueConstraint("kind", "reference", "invoice_number", name="uq_settlements_document"),
    )

    id: int | None = Field(default=None, sa_column=Column(BigId, primary_key=True, autoincrement=True))
    invoice_number: str = Field(max_length=100, index=True)
    customer_id: str = Field(max_length=100)
    kind: str = Field(max_length=20)
    reference: str = Field(max_length=128)
    on_date: date = Field(index=True)
    amount: Decimal = _money()
    principal: Decimal = _money()
    currency: str = Field(max_length=3)


class Dispute(DunningTable, table=True):
    """A dispute the ledger reported; an open one pauses its invoice."""

    __tablename__ = "disputes"

    dispute_id: str = Field(primary_key=True, max_length=128)
    invoice_number: str = Field(max_length=100, index=True)
    customer_id: str = Field(max_length=100)
    status: str = Field(default=OPEN, max_length=20)
    opened_on: date
    resolved_on: date | None = None
    outcome: str | None = Field(default=None, max_length=20)


class BusinessDay(DunningTable, table=True):
    """A business date dunning evaluates; `cursor` lets an interrupted evaluation resume."""

    __tablename__ = "business_days"

    business_date: date = Field(primary_key=True)
    status: str = Field(default="running", max_length=20)
    cursor: str | None = Field(default=None, max_length=100)
    evaluations: int = 1
    invoices_evaluated: int = 0
    stages_reached: int = 0
    started_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    finished_at: datetime | None = Field(
        default=None, sa_column=Column(DateTime(timezone=True), nullable=True)
    )


class UnitCost(DunningTable, table=True):
    """What one action (a channel, a task kind, a legal step) costs, for the effectiveness report."""

    __tablename__ = "dunning_unit_costs"

    action_key: str = Field(primary_key=True, max_length=40)
    cost: Decimal = _money()
    updated_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    updated_by: str = Field(max_length=200)
