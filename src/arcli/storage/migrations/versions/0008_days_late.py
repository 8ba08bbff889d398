"""A settled item's days late, kept with it.

``settled_item.days_late``: the days from the due date to the day the item was settled (0 when paid on time or
early). It is fixed once the item is settled, so the year of lateness behind every customer's grade sums it
from the (customer, due date) index, which now covers ``amount`` and ``days_late``, instead of taking the
difference of two dates for each of the 300,000 items a million-delivery ledger settles in a year.

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

DAYS_LATE = {
    "sqlite": "MAX(0, CAST(julianday(settled_on) - julianday(due_date) AS INTEGER))",
    "postgresql": "GREATEST(settled_on - due_date, 0)",
}


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    # in place on both engines (SQLite adds a NOT NULL column that has a default without a rebuild), so the
    # table keeps its row-level security policy on PostgreSQL
    op.add_column("settled_item", sa.Column("days_late", sa.Integer(), nullable=False, server_default="0"))
    op.execute(f"UPDATE settled_item SET days_late = {DAYS_LATE[dialect]}")
    op.drop_index("settled_item_customer", table_name="settled_item")
    op.create_index("settled_item_customer", "settled_item", ["customer_id", "due_date", "amount", "days_late"])


def downgrade() -> None:
    op.drop_index("settled_item_customer", table_name="settled_item")
    with op.batch_alter_table("settled_item") as batch_op:
        batch_op.drop_column("days_late")
    op.create_index("settled_item_customer", "settled_item", ["customer_id", "due_date", "settled_on", "amount"])
