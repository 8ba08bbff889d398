"""Derived tables kept current for fast reports (open items, settled items, open credit); an index on entry dates.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 11:31:16.472892
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "open_item",
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("delivery_date", sa.Date(), nullable=False),
        sa.Column("open", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customer.id"],
        ),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["item.id"],
        ),
        sa.PrimaryKeyConstraint("item_id"),
    )
    with op.batch_alter_table("open_item", schema=None) as batch_op:
        batch_op.create_index("open_item_customer", ["customer_id", "due_date"], unique=False)
        batch_op.create_index("open_item_due", ["due_date"], unique=False)

    with op.batch_alter_table("entry", schema=None) as batch_op:
        batch_op.create_index("entry_date", ["date"], unique=False)

    op.create_table(
        "settled_item",
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("settled_on", sa.Date(), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["customer_id"], ["customer.id"]),
        sa.ForeignKeyConstraint(["item_id"], ["item.id"]),
        sa.PrimaryKeyConstraint("item_id"),
    )
    with op.batch_alter_table("settled_item", schema=None) as batch_op:
        batch_op.create_index("settled_item_customer", ["customer_id", "due_date"], unique=False)

    op.create_table(
        "open_credit",
        sa.Column("payment_id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("credit", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["customer_id"], ["customer.id"]),
        sa.ForeignKeyConstraint(["payment_id"], ["entry.id"]),
        sa.PrimaryKeyConstraint("payment_id"),
    )
    with op.batch_alter_table("open_credit", schema=None) as batch_op:
        batch_op.create_index("open_credit_customer", ["customer_id", "date"], unique=False)

    # backfill: what every item not voided still owes after all recorded allocations
    op.execute(
        """
        INSERT INTO open_item (item_id, customer_id, due_date, delivery_date, open)
        SELECT item_id, customer_id, due_date, delivery_date, open FROM (
            SELECT i.id AS item_id, i.customer_id, i.due_date, i.delivery_date,
                   i.amount - COALESCE((SELECT SUM(a.amount) FROM allocation a WHERE a.item_id = i.id), 0) AS open
            FROM item i
            WHERE NOT EXISTS (SELECT 1 FROM entry r WHERE r.reverses_id = i.entry_id)
        ) AS t WHERE open > 0
        """
    )
    op.execute(
        """
        INSERT INTO settled_item (item_id, customer_id, due_date, settled_on, amount)
        SELECT i.id, i.customer_id, i.due_date,
               (SELECT MAX(a.date) FROM allocation a WHERE a.item_id = i.id AND a.amount > 0), i.amount
        FROM item i
        WHERE NOT EXISTS (SELECT 1 FROM entry r WHERE r.reverses_id = i.entry_id)
          AND COALESCE((SELECT SUM(a.amount) FROM allocation a WHERE a.item_id = i.id), 0) >= i.amount
        """
    )
    op.execute(
        """
        INSERT INTO open_credit (payment_id, customer_id, date, credit)
        SELECT id, customer_id, date, credit FROM (
            SELECT p.id, p.customer_id, p.date,
                   -p.delta - COALESCE((SELECT SUM(a.amount) FROM allocation a WHERE a.payment_id = p.id), 0) AS credit
            FROM entry p
            WHERE p.kind = 'payment' AND NOT EXISTS (SELECT 1 FROM entry r WHERE r.reverses_id = p.id)
        ) AS t WHERE credit > 0
        """
    )


def downgrade() -> None:
    with op.batch_alter_table("open_credit", schema=None) as batch_op:
        batch_op.drop_index("open_credit_customer")
    op.drop_table("open_credit")
    with op.batch_alter_table("settled_item", schema=None) as batch_op:
        batch_op.drop_index("settled_item_customer")
    op.drop_table("settled_item")
    with op.batch_alter_table("entry", schema=None) as batch_op:
        batch_op.drop_index("entry_date")

    with op.batch_alter_table("open_item", schema=None) as batch_op:
        batch_op.drop_index("open_item_due")
        batch_op.drop_index("open_item_customer")

    op.drop_table("open_item")
