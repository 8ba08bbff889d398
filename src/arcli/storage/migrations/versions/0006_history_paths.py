"""Faster history: the derived tables name exactly what can have been open on a past day.

- ``settled_item`` gains the item's ``delivery_date`` and an index on (settled_on, delivery_date): the items
  open on a past day are those open now or settled after it, delivered by it; its (customer, due date) index
  covers settled_on and amount, so a year of lateness per customer reads the index alone.
- ``settled_credit`` (new, derived): payments applied in full now, part of them after their own date, with the
  day the last money was applied; with ``open_credit`` it names every payment that can have had credit on a
  past day.
- ``entry_date`` covers ``delta``: the ledger's balance as of a past day reads the index alone.
- ``customer_balance`` (new, derived): Σ delta of each customer's entries, kept by a trigger on ``entry`` in
  the transaction that posts it (entries are append-only), so the ledger's balance today is a sum over
  customers, not over every entry ever posted.

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

_POLICY = "customer_id IN (SELECT id FROM customer)"


#: Each new entry adds its delta to its customer's balance, in the same statement's transaction.
BALANCE_TRIGGER = {
    "sqlite": [
        """CREATE TRIGGER entry_balance AFTER INSERT ON entry BEGIN
               INSERT INTO customer_balance (customer_id, balance) VALUES (NEW.customer_id, NEW.delta)
               ON CONFLICT (customer_id) DO UPDATE SET balance = balance + excluded.balance;
           END"""
    ],
    "postgresql": [
        """CREATE FUNCTION arcli_entry_balance() RETURNS trigger LANGUAGE plpgsql AS $$
           BEGIN
               INSERT INTO customer_balance (customer_id, balance) VALUES (NEW.customer_id, NEW.delta)
               ON CONFLICT (customer_id) DO UPDATE SET balance = customer_balance.balance + EXCLUDED.balance;
               RETURN NULL;
           END $$""",
        "CREATE TRIGGER entry_balance AFTER INSERT ON entry FOR EACH ROW EXECUTE FUNCTION arcli_entry_balance()",
    ],
}


def _row_security_on(conn) -> bool:
    return bool(conn.exec_driver_sql("SELECT relrowsecurity FROM pg_class WHERE relname = 'customer'").scalar())


def upgrade() -> None:
    conn = op.get_bind()
    pg = conn.dialect.name == "postgresql"

    # settled_item.delivery_date, from the item (posted, never changes)
    if pg:  # in place: keeps the table's row-level security policy
        op.add_column("settled_item", sa.Column("delivery_date", sa.Date(), nullable=True))
        op.execute("UPDATE settled_item s SET delivery_date = i.delivery_date FROM item i WHERE i.id = s.item_id")
        op.alter_column("settled_item", "delivery_date", nullable=False)
        op.drop_index("settled_item_customer", table_name="settled_item")
    else:  # SQLite cannot add a NOT NULL column without a default: rebuild the table
        op.create_table(
            "settled_item_new",
            sa.Column("item_id", sa.Integer(), nullable=False),
            sa.Column("customer_id", sa.Integer(), nullable=False),
            sa.Column("due_date", sa.Date(), nullable=False),
            sa.Column("settled_on", sa.Date(), nullable=False),
            sa.Column("amount", sa.BigInteger(), nullable=False),
            sa.Column("delivery_date", sa.Date(), nullable=False),
            sa.ForeignKeyConstraint(["customer_id"], ["customer.id"]),
            sa.ForeignKeyConstraint(["item_id"], ["item.id"]),
            sa.PrimaryKeyConstraint("item_id"),
        )
        op.execute(
            """
            INSERT INTO settled_item_new (item_id, customer_id, due_date, settled_on, amount, delivery_date)
            SELECT s.item_id, s.customer_id, s.due_date, s.settled_on, s.amount, i.delivery_date
            FROM settled_item s JOIN item i ON i.id = s.item_id
            """
        )
        op.drop_table("settled_item")
        op.rename_table("settled_item_new", "settled_item")
    op.create_index("settled_item_customer", "settled_item", ["customer_id", "due_date", "settled_on", "amount"])
    op.create_index("settled_item_settled", "settled_item", ["settled_on", "delivery_date"])

    op.create_table(
        "settled_credit",
        sa.Column("payment_id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("settled_on", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(["customer_id"], ["customer.id"]),
        sa.ForeignKeyConstraint(["payment_id"], ["entry.id"]),
        sa.PrimaryKeyConstraint("payment_id"),
    )
    op.create_index("settled_credit_settled", "settled_credit", ["settled_on", "date"])
    op.execute(
        """
        INSERT INTO settled_credit (payment_id, customer_id, date, settled_on)
        SELECT e.id, e.customer_id, e.date, a.last
        FROM entry e JOIN (SELECT payment_id, SUM(amount) AS s, MAX(date) AS last FROM allocation
                           GROUP BY payment_id) a ON a.payment_id = e.id
        WHERE e.kind = 'payment' AND NOT EXISTS (SELECT 1 FROM entry r WHERE r.reverses_id = e.id)
          AND -e.delta - a.s <= 0 AND a.last > e.date
        """
    )
    if pg:  # team mode: the new table follows its customer, like the others (migration 0005)
        op.execute(f"CREATE POLICY own_customers ON settled_credit USING ({_POLICY}) WITH CHECK ({_POLICY})")
        if _row_security_on(conn):
            op.execute("ALTER TABLE settled_credit ENABLE ROW LEVEL SECURITY")

    # not batch mode: entry's append-only triggers must survive (SQLite creates and drops indexes in place)
    op.drop_index("entry_date", table_name="entry")
    op.create_index("entry_date", "entry", ["date", "delta"])

    op.create_table(
        "customer_balance",
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("balance", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["customer_id"], ["customer.id"]),
        sa.PrimaryKeyConstraint("customer_id"),
    )
    op.execute(
        "INSERT INTO customer_balance (customer_id, balance) SELECT customer_id, SUM(delta) FROM entry"
        " GROUP BY customer_id"
    )
    for statement in BALANCE_TRIGGER[conn.dialect.name]:
        op.execute(statement)
    if pg:
        op.execute(f"CREATE POLICY own_customers ON customer_balance USING ({_POLICY}) WITH CHECK ({_POLICY})")
        if _row_security_on(conn):
            op.execute("ALTER TABLE customer_balance ENABLE ROW LEVEL SECURITY")


def downgrade() -> None:
    op.execute("DROP TRIGGER entry_balance" + (" ON entry" if op.get_bind().dialect.name == "postgresql" else ""))
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION arcli_entry_balance()")
    op.drop_table("customer_balance")
    op.drop_index("entry_date", table_name="entry")
    op.create_index("entry_date", "entry", ["date"])
    op.drop_index("settled_credit_settled", table_name="settled_credit")
    op.drop_table("settled_credit")
    op.drop_index("settled_item_settled", table_name="settled_item")
    op.drop_index("settled_item_customer", table_name="settled_item")
    with op.batch_alter_table("settled_item") as batch_op:
        batch_op.drop_column("delivery_date")
    op.create_index("settled_item_customer", "settled_item", ["customer_id", "due_date"])
