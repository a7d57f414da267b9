"""Initial credit schema: the ledger-item projection, plus outbox, inbox and idempotency keys."""

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
        "ledger_items",
        sa.Column("invoice_number", sa.String(100), primary_key=True),
        sa.Column("customer_id", sa.String(100), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("amount", Money(), nullable=False),
        sa.Column("outstanding", Money(), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
    )
    op.create_index("ix_ledger_items_customer_id", "ledger_items", ["customer_id"])


def downgrade() -> None:
    op.drop_table("ledger_items")
