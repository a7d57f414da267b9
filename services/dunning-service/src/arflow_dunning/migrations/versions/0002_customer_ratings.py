"""Risk classes by business date: a day's evaluation uses the class rated before that day.

Credit re-rates every customer at the same BusinessDayClosed that dunning evaluates. With only
the latest class kept, whichever consumer ran first decided which policy the day used. The
history is seeded from each customer's latest rating.
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "customer_ratings",
        sa.Column("customer_id", sa.String(100), primary_key=True),
        sa.Column("as_of", sa.Date(), primary_key=True),
        sa.Column("risk_class", sa.String(1), nullable=False),
        sa.Column("score", sa.Integer(), nullable=True),
    )
    op.execute(
        "INSERT INTO customer_ratings (customer_id, as_of, risk_class, score)"
        " SELECT customer_id, rated_on, risk_class, score FROM dunning_customers"
        " WHERE rated_on IS NOT NULL AND risk_class IS NOT NULL"
    )


def downgrade() -> None:
    op.drop_table("customer_ratings")
