"""Team mode on PostgreSQL: row-level security policies that keep each rep to their own customers.

The policies are created here but stay inactive until `ar config set team.own_customers_only on` enables row
level security on the tables. A customer row is visible to the database login named in its ``rep``; every
other customer-scoped row follows its customer (allocations follow their item). The tables' owner (the
administrator who runs ``ar init``) and roles with BYPASSRLS see everything. Nothing changes on SQLite.

Revision ID: 0005
Revises: 0004
"""

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

#: Tables whose rows belong to a customer (by customer_id), and how allocation follows its item.
SCOPED = (
    "sale",
    "entry",
    "item",
    "promise",
    "contact",
    "dispute",
    "hold",
    "plan",
    "open_item",
    "settled_item",
    "open_credit",
)


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("CREATE POLICY own_customers ON customer USING (rep = current_user) WITH CHECK (rep = current_user)")
    for table in SCOPED:
        rule = "customer_id IN (SELECT id FROM customer)"  # customer's own policy applies inside
        op.execute(f"CREATE POLICY own_customers ON {table} USING ({rule}) WITH CHECK ({rule})")
    rule = "item_id IN (SELECT id FROM item)"
    op.execute(f"CREATE POLICY own_customers ON allocation USING ({rule}) WITH CHECK ({rule})")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in ("customer", *SCOPED, "allocation"):
        op.execute(f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY")
        op.execute(f"DROP POLICY own_customers ON {table}")
