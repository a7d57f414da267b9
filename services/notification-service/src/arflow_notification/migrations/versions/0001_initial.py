"""Initial notification schema: the delivery log, plus outbox, inbox and idempotency keys."""

import sqlalchemy as sa
from alembic import op

from arflow_runtime.migrations import create_runtime_tables

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_runtime_tables(op)
    op.create_table(
        "notifications",
        sa.Column("notification_id", sa.String(36), primary_key=True),
        sa.Column("request_key", sa.String(200), nullable=False, unique=True),
        sa.Column("customer_id", sa.String(100), nullable=False),
        sa.Column("channel", sa.String(20), nullable=False),
        sa.Column("template", sa.String(100), nullable=False),
        sa.Column("locale", sa.String(20), nullable=True),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("subject_ref", sa.String(200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_notifications_customer_id", "notifications", ["customer_id"])


def downgrade() -> None:
    op.drop_table("notifications")
