"""Initial credit schema: ledger projection, profiles, accounts, policies, checks, holds, limits, audit.

Plus outbox, inbox and idempotency keys, and triggers that keep audit_log append-only.
"""

import sqlalchemy as sa
from alembic import op

from arflow_runtime.db import BigId, Money
from arflow_runtime.migrations import create_runtime_tables

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

AUDIT_TRIGGERS = {
    "sqlite": [
        "CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log "
        "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END",
        "CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log "
        "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END",
    ],
    "postgresql": [
        "CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS "
        "$$ BEGIN RAISE EXCEPTION 'audit_log is append-only'; END $$",
        "CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log "
        "FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()",
        "CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log "
        "FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only()",
    ],
}


def _ids(*names: str) -> list[sa.Column]:  # type: ignore[type-arg]
    return [sa.Column(name, sa.String(128), nullable=False) for name in names]


def upgrade() -> None:
    create_runtime_tables(op)
    op.create_table(
        "ledger_items",
        sa.Column("invoice_number", sa.String(128), primary_key=True),
        *_ids("customer_id"),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("issued", sa.Boolean(), nullable=False),
        sa.Column("amount", Money(), nullable=False),
        sa.Column("charges", Money(), nullable=False),
        sa.Column("settled", Money(), nullable=False),
        sa.Column("outstanding", Money(), nullable=False),
        sa.Column("issue_date", sa.Date(), nullable=True),
        sa.Column("due_date", sa.Date(), nullable=True),
        sa.Column("order_id", sa.String(128), nullable=True),
        sa.Column("settled_on", sa.Date(), nullable=True),
        sa.Column("written_off", sa.Boolean(), nullable=False),
    )
    op.create_index("ix_ledger_items_customer_id", "ledger_items", ["customer_id"])
    op.create_index("ix_ledger_items_order_id", "ledger_items", ["order_id"])
    op.create_table(
        "disputes",
        sa.Column("dispute_id", sa.String(128), primary_key=True),
        *_ids("customer_id", "invoice_number"),
        sa.Column("opened_on", sa.Date(), nullable=True),
        sa.Column("outcome", sa.String(16), nullable=True),
        sa.Column("resolved_on", sa.Date(), nullable=True),
    )
    op.create_index("ix_disputes_customer_id", "disputes", ["customer_id"])
    op.create_table(
        "unapplied_credit",
        sa.Column("customer_id", sa.String(128), primary_key=True),
        sa.Column("currency", sa.String(3), primary_key=True),
        sa.Column("balance", Money(), nullable=False),
        sa.Column("changed_on", sa.Date(), nullable=False),
    )
    op.create_table(
        "customer_profiles",
        sa.Column("customer_id", sa.String(128), primary_key=True),
        sa.Column("name", sa.String(300), nullable=False),
        sa.Column("country", sa.String(2), nullable=True),
        sa.Column("locale", sa.String(35), nullable=True),
        sa.Column("time_zone", sa.String(64), nullable=True),
        sa.Column("email", sa.String(254), nullable=True),
        sa.Column("phone", sa.String(16), nullable=True),
        sa.Column("contact_name", sa.String(200), nullable=True),
        sa.Column("address", sa.Text(), nullable=True),
        sa.Column("segment", sa.String(64), nullable=True),
        sa.Column("salesperson_id", sa.String(128), nullable=True),
        sa.Column("collector_id", sa.String(128), nullable=True),
        sa.Column("jurisdiction", sa.String(6), nullable=True),
        sa.Column("external_rating", sa.String(8), nullable=True),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "credit_accounts",
        sa.Column("customer_id", sa.String(128), primary_key=True),
        sa.Column("score", sa.Integer(), nullable=True),
        sa.Column("risk_class", sa.String(1), nullable=True),
        sa.Column("factors", sa.Text(), nullable=True),
        sa.Column("scored_as_of", sa.Date(), nullable=True),
        sa.Column("customer_limit", Money(), nullable=True),
        sa.Column("external_rating", sa.String(8), nullable=True),
        sa.Column("first_invoice_date", sa.Date(), nullable=True),
        sa.Column("last_exposure", Money(), nullable=False),
        sa.Column("last_limit", Money(), nullable=True),
        sa.Column("over_limit", sa.Boolean(), nullable=False),
    )
    op.create_index("ix_credit_accounts_risk_class", "credit_accounts", ["risk_class"])
    op.create_table(
        "credit_policies",
        sa.Column("risk_class", sa.String(1), primary_key=True),
        sa.Column("limit_kind", sa.String(8), nullable=False),
        sa.Column("limit_amount", Money(), nullable=True),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("limit_multiple", Money(), nullable=True),
        sa.Column("limit_trailing_months", sa.Integer(), nullable=True),
        sa.Column("limit_minimum", Money(), nullable=True),
        sa.Column("terms_days", sa.Integer(), nullable=False),
        sa.Column("review_tolerance_percent", Money(), nullable=False),
        sa.Column("hold_overdue_amount", Money(), nullable=True),
        sa.Column("hold_overdue_days", sa.Integer(), nullable=True),
        sa.Column("prepayment_required", sa.Boolean(), nullable=False),
        sa.Column("counted_parts", sa.String(100), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("updated_by", sa.String(200), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "business_clock",
        sa.Column("clock", sa.String(32), primary_key=True),
        sa.Column("business_date", sa.Date(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "credit_checks",
        sa.Column("order_id", sa.String(128), primary_key=True),
        *_ids("customer_id"),
        sa.Column("amount", Money(), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("decision", sa.String(16), nullable=False),
        sa.Column("reasons", sa.String(300), nullable=False),
        sa.Column("available_after", Money(), nullable=False),
        sa.Column("risk_class", sa.String(1), nullable=True),
        sa.Column("business_date", sa.Date(), nullable=False),
        sa.Column("checked_by", sa.String(200), nullable=False),
        sa.Column("checked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("overridden_decision", sa.String(16), nullable=True),
        sa.Column("overridden_by", sa.String(200), nullable=True),
        sa.Column("override_reason", sa.Text(), nullable=True),
        sa.Column("overridden_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_credit_checks_customer_id", "credit_checks", ["customer_id"])
    op.create_table(
        "reservations",
        sa.Column("order_id", sa.String(128), primary_key=True),
        *_ids("customer_id"),
        sa.Column("amount", Money(), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("reserved_on", sa.Date(), nullable=False),
        sa.Column("expires_on", sa.Date(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("ended_on", sa.Date(), nullable=True),
        sa.Column("invoice_number", sa.String(128), nullable=True),
    )
    op.create_index("ix_reservations_customer_id", "reservations", ["customer_id"])
    op.create_table(
        "credit_holds",
        sa.Column("hold_id", sa.String(128), primary_key=True),
        *_ids("customer_id"),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("reference", sa.String(200), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("since", sa.Date(), nullable=False),
        sa.Column("placed_by", sa.String(200), nullable=True),
        sa.Column("request_id", sa.String(128), nullable=True),
        sa.Column("invoice_numbers", sa.Text(), nullable=True),
        sa.Column("placed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("released_on", sa.Date(), nullable=True),
        sa.Column("released_by", sa.String(200), nullable=True),
        sa.Column("release_reason", sa.Text(), nullable=True),
    )
    op.create_index("ix_credit_holds_customer_id", "credit_holds", ["customer_id"])
    op.create_table(
        "limit_changes",
        sa.Column("request_id", sa.String(128), primary_key=True),
        *_ids("customer_id"),
        sa.Column("requested_by", sa.String(200), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("new_limit", Money(), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("previous_limit", Money(), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("decided_by", sa.String(200), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decision_reason", sa.Text(), nullable=True),
    )
    op.create_index("ix_limit_changes_customer_id", "limit_changes", ["customer_id"])
    op.create_table(
        "audit_log",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("customer_id", sa.String(128), nullable=True),
        sa.Column("subject", sa.String(32), nullable=False),
        sa.Column("subject_id", sa.String(200), nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("business_date", sa.Date(), nullable=False),
        sa.Column("before", sa.Text(), nullable=True),
        sa.Column("after", sa.Text(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
    )
    op.create_index("ix_audit_log_customer_id", "audit_log", ["customer_id"])
    for statement in AUDIT_TRIGGERS.get(op.get_bind().dialect.name, []):
        op.execute(statement)


def downgrade() -> None:
    for table in (
        "audit_log",
        "limit_changes",
        "credit_holds",
        "reservations",
        "credit_checks",
        "business_clock",
        "credit_policies",
        "credit_accounts",
        "customer_profiles",
        "unapplied_credit",
        "disputes",
        "ledger_items",
    ):
        op.drop_table(table)
