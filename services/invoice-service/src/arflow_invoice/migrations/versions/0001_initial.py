"""Initial ledger schema: documents, allocations, business clock, plus outbox, inbox and idempotency keys."""

import sqlalchemy as sa
from alembic import op

from arflow_runtime.db import Money
from arflow_runtime.migrations import create_runtime_tables

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _id() -> sa.Column:  # type: ignore[type-arg]
    return sa.Column("id", BigId, primary_key=True, autoincrement=True)


def _invoice_id(nullable: bool = False) -> sa.Column:  # type: ignore[type-arg]
    return sa.Column("invoice_id", BigId, sa.ForeignKey("invoices.id"), nullable=nullable)


def _created_at() -> sa.Column:  # type: ignore[type-arg]
    return sa.Column("created_at", sa.DateTime(timezone=True), nullable=False)


def _invoices() -> None:
    op.create_table(
        "invoices",
        _id(),
        sa.Column("invoice_number", sa.String(100), nullable=False, unique=True),
        sa.Column("customer_id", sa.String(100), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("amount", Money(), nullable=False),
        sa.Column("issue_date", sa.Date(), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("salesperson_id", sa.String(100), nullable=True),
        sa.Column("order_id", sa.String(100), nullable=True),
        sa.Column("payment_terms", sa.String(50), nullable=True),
        sa.Column("jurisdiction", sa.String(10), nullable=True),
        sa.Column("late_interest_rate", sa.String(40), nullable=True),
        sa.Column("day_count", sa.String(10), nullable=True),
        sa.Column("dunning_fee", Money(), nullable=True),
        sa.Column("tax_amount", Money(), nullable=True),
        sa.Column("discount_date", sa.Date(), nullable=True),
        sa.Column("discount_amount", Money(), nullable=True),
        sa.Column("discount_rate", sa.String(40), nullable=True),
        sa.Column("has_instalments", sa.Boolean(), nullable=False),
        sa.Column("has_disputes", sa.Boolean(), nullable=False),
        sa.Column("has_charges", sa.Boolean(), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        _created_at(),
        sa.Column("outstanding", Money(), nullable=False),
        sa.Column("principal_reduced", Money(), nullable=False),
        sa.Column("fees_reduced", Money(), nullable=False),
        sa.Column("interest_reduced", Money(), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("paid_date", sa.Date(), nullable=True),
        sa.Column("days_late", sa.Integer(), nullable=True),
        sa.Column("days_to_settle", sa.Integer(), nullable=True),
        sa.Column("last_document_date", sa.Date(), nullable=False),
        sa.Column("earliest_due_date", sa.Date(), nullable=False),
        sa.Column("closed_on", sa.Date(), nullable=True),
        sa.Column("overdue_notified_on", sa.Date(), nullable=True),
    )
    op.create_index("ix_invoices_customer_currency", "invoices", ["customer_id", "currency", "closed_on"])
    op.create_index("ix_invoices_overdue_watch", "invoices", ["overdue_notified_on", "earliest_due_date"])
    op.create_index("ix_invoices_issue_date", "invoices", ["issue_date"])
    op.create_index("ix_invoices_salesperson_id", "invoices", ["salesperson_id"])
    op.create_index("ix_invoices_status", "invoices", ["status"])
    op.create_index("ix_invoices_closed_on", "invoices", ["closed_on"])
    op.create_index("ix_invoices_last_document_date", "invoices", ["last_document_date"])
    staggered = sa.text("has_instalments OR has_charges")
    op.create_index(
        "ix_invoices_staggered", "invoices", ["id"], postgresql_where=staggered, sqlite_where=staggered
    )
    op.create_table(
        "invoice_lines",
        _id(),
        _invoice_id(),
        sa.Column("line_number", sa.Integer(), nullable=False),
        sa.Column("description", sa.String(500), nullable=True),
        sa.Column("quantity", sa.String(40), nullable=True),
        sa.Column("unit_price", sa.String(40), nullable=True),
        sa.Column("amount", Money(), nullable=False),
        sa.Column("tax_amount", Money(), nullable=True),
    )
    op.create_index("ix_invoice_lines_invoice_id", "invoice_lines", ["invoice_id"])
    op.create_table(
        "invoice_instalments",
        _id(),
        _invoice_id(),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("amount", Money(), nullable=False),
        sa.Column("cum_through", Money(), nullable=False),
    )
    op.create_index("ix_invoice_instalments_invoice_id", "invoice_instalments", ["invoice_id"])


def _payments() -> None:
    op.create_table(
        "payments",
        _id(),
        sa.Column("payment_reference", sa.String(100), nullable=False, unique=True),
        sa.Column("customer_id", sa.String(100), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("amount", Money(), nullable=False),
        sa.Column("received_date", sa.Date(), nullable=False),
        sa.Column("method", sa.String(30), nullable=True),
        sa.Column("content", sa.Text(), nullable=False),
        _created_at(),
    )
    op.create_index("ix_payments_customer_currency", "payments", ["customer_id", "currency", "received_date"])
    op.create_table(
        "allocations",
        _id(),
        _invoice_id(),
        sa.Column("customer_id", sa.String(100), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("source_kind", sa.String(12), nullable=False),
        sa.Column("source_reference", sa.String(100), nullable=False),
        sa.Column("applied_date", sa.Date(), nullable=False),
        sa.Column("amount", Money(), nullable=False),
        sa.Column("fees", Money(), nullable=False),
        sa.Column("interest", Money(), nullable=False),
        sa.Column("principal", Money(), nullable=False),
        _created_at(),
    )
    op.create_index("ix_allocations_invoice_date", "allocations", ["invoice_id", "applied_date"])
    op.create_index("ix_allocations_source", "allocations", ["source_kind", "source_reference"])
    op.create_index("ix_allocations_customer_currency", "allocations", ["customer_id", "currency"])


def _adjustments() -> None:
    op.create_table(
        "credit_notes",
        _id(),
        sa.Column("credit_note_number", sa.String(100), nullable=False, unique=True),
        sa.Column("customer_id", sa.String(100), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("amount", Money(), nullable=False),
        sa.Column("issue_date", sa.Date(), nullable=False),
        _invoice_id(nullable=True),
        sa.Column("reason", sa.String(500), nullable=True),
        sa.Column("dispute_id", sa.String(100), nullable=True),
        sa.Column("content", sa.Text(), nullable=False),
        _created_at(),
    )
    op.create_index("ix_credit_notes_invoice_date", "credit_notes", ["invoice_id", "issue_date"])
    op.create_index("ix_credit_notes_customer_currency", "credit_notes", ["customer_id", "currency"])
    op.create_table(
        "write_offs",
        _id(),
        sa.Column("write_off_id", sa.String(100), nullable=False, unique=True),
        _invoice_id(),
        sa.Column("amount", Money(), nullable=False),
        sa.Column("fees", Money(), nullable=False),
        sa.Column("interest", Money(), nullable=False),
        sa.Column("principal", Money(), nullable=False),
        sa.Column("written_off_date", sa.Date(), nullable=False),
        sa.Column("reason", sa.String(500), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("requested_by", sa.String(200), nullable=False),
        sa.Column("decided_by", sa.String(200), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decision_note", sa.String(500), nullable=True),
        sa.Column("content", sa.Text(), nullable=False),
        _created_at(),
    )
    op.create_index(
        "ix_write_offs_invoice_status", "write_offs", ["invoice_id", "status", "written_off_date"]
    )
    op.create_index("ix_write_offs_status", "write_offs", ["status"])
    op.create_table(
        "charges",
        _id(),
        sa.Column("charge_id", sa.String(128), nullable=False, unique=True),
        sa.Column("request_id", sa.String(128), nullable=True, unique=True),
        _invoice_id(),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("amount", Money(), nullable=False),
        sa.Column("posted_date", sa.Date(), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("reason", sa.String(500), nullable=True),
        sa.Column("rate", sa.String(40), nullable=True),
        sa.Column("day_count", sa.String(10), nullable=True),
        sa.Column("period_start", sa.Date(), nullable=True),
        sa.Column("period_end", sa.Date(), nullable=True),
        sa.Column("content", sa.Text(), nullable=False),
        _created_at(),
    )
    op.create_index("ix_charges_invoice_posted", "charges", ["invoice_id", "posted_date"])
    op.create_table(
        "disputes",
        _id(),
        sa.Column("dispute_id", sa.String(100), nullable=False, unique=True),
        _invoice_id(),
        sa.Column("amount", Money(), nullable=False),
        sa.Column("opened_date", sa.Date(), nullable=False),
        sa.Column("reason_code", sa.String(50), nullable=False),
        sa.Column("reason", sa.String(500), nullable=True),
        sa.Column("resolution", sa.String(10), nullable=True),
        sa.Column("resolved_date", sa.Date(), nullable=True),
        sa.Column("credit_note_number", sa.String(100), nullable=True),
        sa.Column("note", sa.String(500), nullable=True),
        sa.Column("content", sa.Text(), nullable=False),
        _created_at(),
    )
    op.create_index("ix_disputes_invoice_id", "disputes", ["invoice_id"])


def _clock() -> None:
    op.create_table(
        "day_closes",
        sa.Column("business_date", sa.Date(), primary_key=True),
        sa.Column("invoices_marked_overdue", sa.Integer(), nullable=False),
        sa.Column("replay", sa.Boolean(), nullable=False),
        sa.Column("closed_by", sa.String(200), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "limitation_restarts",
        _id(),
        _invoice_id(),
        sa.Column("kind", sa.String(30), nullable=False),
        sa.Column("restart_date", sa.Date(), nullable=False),
        sa.Column("source_reference", sa.String(128), nullable=True),
        _created_at(),
        sa.UniqueConstraint("invoice_id", "kind", "restart_date", name="uq_limitation_restart"),
    )
    op.create_table(
        "ledger_locks",
        sa.Column("name", sa.String(50), primary_key=True),
        sa.Column("version", sa.Integer(), nullable=False),
    )


def upgrade() -> None:
    create_runtime_tables(op)
    _invoices()
    _payments()
    _adjustments()
    _clock()


def downgrade() -> None:
    for table in (
        "ledger_locks",
        "limitation_restarts",
        "day_closes",
        "disputes",
        "charges",
        "write_offs",
        "credit_notes",
        "allocations",
        "payments",
        "invoice_instalments",
        "invoice_lines",
        "invoices",
    ):
        op.drop_table(table)
