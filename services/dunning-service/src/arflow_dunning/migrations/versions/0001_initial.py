"""Initial dunning schema: watched invoices, plus outbox, inbox and idempotency keys."""

import sqlalchemy as sa
from alembic import op

from arflow_runtime.db import Money
from arflow_runtime.migrations import create_runtime_tables

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_runtime_tables(op)
    op.create_table(
        "watched_invoices",
        sa.Column("invoice_number", sa.String(100), primary_key=True),
        sa.Column("customer_id", sa.String(100), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("outstanding", Money(), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("stage", sa.String(50), nullable=True),
    )
    op.create_index("ix_watched_invoices_customer_id", "watched_invoices", ["customer_id"])


def downgrade() -> None:
    op.drop_table("watched_invoices")
