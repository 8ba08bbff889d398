"""The money counted towards each promise, kept current.

``promise_paid`` (new, derived): for every promise, the payments counted towards it, matched over all of its
customer's promises and payments not voided (oldest promise first; a payment counts towards the oldest promise
whose window, made_on .. by + grace, holds its date and that still lacks money; a superseded promise takes
none). A promise's status on a day follows from that figure, so the morning list reads no payments.

The backfill carries its own copy of the matching rule as it stood at this revision (a migration must give the
same rows whatever later code says); ``ar check`` compares the table with the rule of the running arcli.

Revision ID: 0009
Revises: 0008
"""

import datetime as dt
from collections import defaultdict

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

_POLICY = "customer_id IN (SELECT id FROM customer)"


def _paid(promises: list[tuple], payments: list[tuple]) -> dict[int, int]:
    """promises: (id, made_on, by_date, amount, grace_days, superseded); payments: (date, amount)."""
    live = sorted((p for p in promises if not p[5]), key=lambda p: (p[1], p[0]))
    paid = {p[0]: 0 for p in promises}
    ends = {p[0]: p[2] + dt.timedelta(days=p[4]) for p in live}
    for day, amount in sorted(payments):
        left = amount
        for pid, made_on, _by, promised, _grace, _sup in live:
            if left <= 0:
                break
            if made_on <= day <= ends[pid] and paid[pid] < promised:
                take = min(left, promised - paid[pid])
                paid[pid] += take
                left -= take
    return paid


def _day(v) -> dt.date:
    return v if isinstance(v, dt.date) else dt.date.fromisoformat(str(v)[:10])


def upgrade() -> None:
    conn = op.get_bind()
    table = op.create_table(
        "promise_paid",
        sa.Column("promise_id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("paid", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["customer_id"], ["customer.id"]),
        sa.ForeignKeyConstraint(["promise_id"], ["promise.id"]),
        sa.PrimaryKeyConstraint("promise_id"),
    )
    op.create_index("promise_paid_customer", "promise_paid", ["customer_id"])

    promises: dict[int, list[tuple]] = defaultdict(list)
    for r in conn.exec_driver_sql(
        "SELECT p.id, p.customer_id, p.made_on, p.by_date, p.amount, p.grace_days,"
        " EXISTS (SELECT 1 FROM promise n WHERE n.supersedes_id = p.id) FROM promise p"
    ):
        promises[r[1]].append((r[0], _day(r[2]), _day(r[3]), int(r[4]), int(r[5]), bool(r[6])))
    payments: dict[int, list[tuple]] = defaultdict(list)
    if promises:
        for cid, day, amount in conn.exec_driver_sql(
            "SELECT e.customer_id, e.date, -e.delta FROM entry e"
            " WHERE e.kind = 'payment' AND e.customer_id IN (SELECT customer_id FROM promise)"
            " AND NOT EXISTS (SELECT 1 FROM entry r WHERE r.reverses_id = e.id)"
        ):
            payments[cid].append((_day(day), int(amount)))
    rows = [
        {"promise_id": pid, "customer_id": cid, "paid": paid}
        for cid, ps in promises.items()
        for pid, paid in _paid(ps, payments[cid]).items()
    ]
    if rows:
        op.bulk_insert(table, rows)
    if conn.dialect.name == "postgresql":  # team mode: the new table follows its customer (migration 0005)
        op.execute(f"CREATE POLICY own_customers ON promise_paid USING ({_POLICY}) WITH CHECK ({_POLICY})")
        if conn.exec_driver_sql("SELECT relrowsecurity FROM pg_class WHERE relname = 'customer'").scalar():
            op.execute("ALTER TABLE promise_paid ENABLE ROW LEVEL SECURITY")


def downgrade() -> None:
    op.drop_index("promise_paid_customer", table_name="promise_paid")
    op.drop_table("promise_paid")
