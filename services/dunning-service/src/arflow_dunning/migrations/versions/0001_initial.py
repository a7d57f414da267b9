"""Initial dunning schema: receivables and customers it watches, policies, cases and their timeline,
stages reached, tasks, promises, charge requests, settlements, disputes, business days, unit costs;
plus outbox, inbox and idempotency keys."""

import sqlalchemy as sa
from alembic import op

from arflow_runtime.db import BigId, Money
from arflow_runtime.migrations import create_runtime_tables

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

TABLES = (
    "watched_invoices",
    "dunning_customers",
    "dunning_policies",
    "collection_cases",
    "case_timeline",
    "stage_reached",
    "collection_tasks",
    "promises_to_pay",
    "charge_requests",
    "settlements",
    "disputes",
    "business_days",
    "dunning_unit_costs",
)


def upgrade() -> None:
    create_runtime_tables(op)
    op.create_table(
        "watched_invoices",
        sa.Column("invoice_number", sa.String(100), primary_key=True),
        sa.Column("customer_id", sa.String(100), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("amount", Money(), nullable=False),
        sa.Column("outstanding", Money(), nullable=False),
        sa.Column("principal_outstanding", Money(), nullable=False),
        sa.Column("charges_outstanding", Money(), nullable=False),
        sa.Column("issue_date", sa.Date(), nullable=True),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("salesperson_id", sa.String(100), nullable=True),
        sa.Column("late_interest_rate", sa.String(40), nullable=True),
        sa.Column("day_count", sa.String(10), nullable=True),
        sa.Column("dunning_fee", Money(), nullable=True),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("policy_id", sa.String(100), nullable=True),
        sa.Column("stage", sa.String(50), nullable=True),
        sa.Column("stage_days", sa.Integer(), nullable=True),
        sa.Column("stage_reached_on", sa.Date(), nullable=True),
        sa.Column("next_stage_due_on", sa.Date(), nullable=True),
        sa.Column("open_disputes", sa.Integer(), nullable=False),
        sa.Column("excluded", sa.Boolean(), nullable=False),
        sa.Column("promise_id", sa.String(36), nullable=True),
        sa.Column("case_id", sa.String(36), nullable=True),
        sa.Column("interest_charged_through", sa.Date(), nullable=True),
        sa.Column("paid_date", sa.Date(), nullable=True),
        sa.Column("settled_on", sa.Date(), nullable=True),
    )
    op.create_index("ix_watched_invoices_customer_id", "watched_invoices", ["customer_id"])
    op.create_index("ix_watched_invoices_status", "watched_invoices", ["status"])
    op.create_index("ix_watched_invoices_next_stage_due_on", "watched_invoices", ["next_stage_due_on"])
    op.create_index("ix_watched_invoices_case_id", "watched_invoices", ["case_id"])

    op.create_table(
        "dunning_customers",
        sa.Column("customer_id", sa.String(100), primary_key=True),
        sa.Column("name", sa.String(300), nullable=True),
        sa.Column("locale", sa.String(35), nullable=True),
        sa.Column("segment", sa.String(50), nullable=True),
        sa.Column("collector_id", sa.String(100), nullable=True),
        sa.Column("salesperson_id", sa.String(100), nullable=True),
        sa.Column("profile_revision", sa.Integer(), nullable=True),
        sa.Column("risk_class", sa.String(1), nullable=True),
        sa.Column("score", sa.Integer(), nullable=True),
        sa.Column("rated_on", sa.Date(), nullable=True),
    )
    op.create_index("ix_dunning_customers_collector_id", "dunning_customers", ["collector_id"])

    op.create_table(
        "dunning_policies",
        sa.Column("policy_id", sa.String(100), primary_key=True),
        sa.Column("document", sa.JSON(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(200), nullable=False),
    )

    op.create_table(
        "collection_cases",
        sa.Column("case_id", sa.String(36), primary_key=True),
        sa.Column("customer_id", sa.String(100), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("opened_on", sa.Date(), nullable=False),
        sa.Column("closed_on", sa.Date(), nullable=True),
        sa.Column("close_reason", sa.String(50), nullable=True),
        sa.Column("open_customer_id", sa.String(100), nullable=True),
        sa.UniqueConstraint("open_customer_id", name="uq_collection_cases_open_customer"),
    )
    op.create_index("ix_collection_cases_customer_id", "collection_cases", ["customer_id"])

    op.create_table(
        "case_timeline",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("customer_id", sa.String(100), nullable=False),
        sa.Column("case_id", sa.String(36), nullable=True),
        sa.Column("on_date", sa.Date(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("invoice_numbers", sa.JSON(), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("actor", sa.String(200), nullable=True),
    )
    op.create_index("ix_case_timeline_customer_id", "case_timeline", ["customer_id"])
    op.create_index("ix_case_timeline_case_id", "case_timeline", ["case_id"])

    op.create_table(
        "stage_reached",
        sa.Column("invoice_number", sa.String(100), primary_key=True),
        sa.Column("stage", sa.String(50), primary_key=True),
        sa.Column("customer_id", sa.String(100), nullable=False),
        sa.Column("policy_id", sa.String(100), nullable=False),
        sa.Column("stage_position", sa.Integer(), nullable=False),
        sa.Column("reached_on", sa.Date(), nullable=False),
        sa.Column("amount", Money(), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("channels", sa.JSON(), nullable=False),
        sa.Column("cost_keys", sa.JSON(), nullable=False),
        sa.Column("case_id", sa.String(36), nullable=True),
    )
    op.create_index("ix_stage_reached_customer_id", "stage_reached", ["customer_id"])
    op.create_index("ix_stage_reached_reached_on", "stage_reached", ["reached_on"])

    op.create_table(
        "collection_tasks",
        sa.Column("task_id", sa.String(36), primary_key=True),
        sa.Column("case_id", sa.String(36), nullable=True),
        sa.Column("customer_id", sa.String(100), nullable=False),
        sa.Column("kind", sa.String(30), nullable=False),
        sa.Column("assignee_role", sa.String(20), nullable=False),
        sa.Column("assignee_id", sa.String(100), nullable=True),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("invoice_numbers", sa.JSON(), nullable=False),
        sa.Column("policy_id", sa.String(100), nullable=True),
        sa.Column("stage", sa.String(50), nullable=True),
        sa.Column("expected_loss", Money(), nullable=True),
        sa.Column("currency", sa.String(3), nullable=True),
        sa.Column("reason", sa.String(200), nullable=True),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("outcome", sa.String(40), nullable=True),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("completed_by", sa.String(200), nullable=True),
    )
    op.create_index("ix_collection_tasks_case_id", "collection_tasks", ["case_id"])
    op.create_index("ix_collection_tasks_customer_id", "collection_tasks", ["customer_id"])
    op.create_index("ix_collection_tasks_assignee_id", "collection_tasks", ["assignee_id"])

    op.create_table(
        "promises_to_pay",
        sa.Column("promise_id", sa.String(36), primary_key=True),
        sa.Column("case_id", sa.String(36), nullable=False),
        sa.Column("customer_id", sa.String(100), nullable=False),
        sa.Column("amount", Money(), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("promised_date", sa.Date(), nullable=False),
        sa.Column("made_on", sa.Date(), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("paid_toward", Money(), nullable=False),
        sa.Column("invoice_numbers", sa.JSON(), nullable=False),
        sa.Column("made_by", sa.String(200), nullable=False),
        sa.Column("resolved_on", sa.Date(), nullable=True),
    )
    op.create_index("ix_promises_to_pay_case_id", "promises_to_pay", ["case_id"])

    op.create_table(
        "charge_requests",
        sa.Column("request_id", sa.String(36), primary_key=True),
        sa.Column("invoice_number", sa.String(100), nullable=False),
        sa.Column("customer_id", sa.String(100), nullable=False),
        sa.Column("stage", sa.String(50), nullable=False),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("amount", Money(), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("requested_on", sa.Date(), nullable=False),
        sa.Column("posted_charge_id", sa.String(128), nullable=True),
        sa.Column("posted_on", sa.Date(), nullable=True),
        sa.UniqueConstraint("invoice_number", "stage", "kind", name="uq_charge_requests_stage"),
    )

    op.create_table(
        "settlements",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("invoice_number", sa.String(100), nullable=False),
        sa.Column("customer_id", sa.String(100), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("reference", sa.String(128), nullable=False),
        sa.Column("on_date", sa.Date(), nullable=False),
        sa.Column("amount", Money(), nullable=False),
        sa.Column("principal", Money(), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.UniqueConstraint("kind", "reference", "invoice_number", name="uq_settlements_document"),
    )
    op.create_index("ix_settlements_invoice_number", "settlements", ["invoice_number"])
    op.create_index("ix_settlements_on_date", "settlements", ["on_date"])

    op.create_table(
        "disputes",
        sa.Column("dispute_id", sa.String(128), primary_key=True),
        sa.Column("invoice_number", sa.String(100), nullable=False),
        sa.Column("customer_id", sa.String(100), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("opened_on", sa.Date(), nullable=False),
        sa.Column("resolved_on", sa.Date(), nullable=True),
        sa.Column("outcome", sa.String(20), nullable=True),
    )
    op.create_index("ix_disputes_invoice_number", "disputes", ["invoice_number"])

    op.create_table(
        "business_days",
        sa.Column("business_date", sa.Date(), primary_key=True),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("cursor", sa.String(100), nullable=True),
        sa.Column("evaluations", sa.Integer(), nullable=False),
        sa.Column("invoices_evaluated", sa.Integer(), nullable=False),
        sa.Column("stages_reached", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
    )

    op.create_table(
        "dunning_unit_costs",
        sa.Column("action_key", sa.String(40), primary_key=True),
        sa.Column("cost", Money(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(200), nullable=False),
    )


def downgrade() -> None:
    for table in reversed(TABLES):
        op.drop_table(table)
