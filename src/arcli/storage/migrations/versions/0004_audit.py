"""Audit trail: posted rows are sealed and guarded against UPDATE and DELETE.

Adds ``seal`` to entry, item and allocation (backfilled here), and triggers that make ``sale``, ``entry``,
``item``, ``allocation``, ``promise`` and ``contact`` append-only.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

from arcli.storage.seal import APPEND_ONLY, SEALED, seal

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

MESSAGE = "posted rows are never changed or deleted: void and re-enter instead"
BATCH = 20_000


def _backfill(table: str) -> None:
    conn = op.get_bind()
    t = sa.Table(table, sa.MetaData(), autoload_with=conn)  # typed columns: dates read as the ledger reads them
    cols = [t.c[c] for c in SEALED[table]]
    last = 0
    while True:
        rows = conn.execute(sa.select(t.c.id, *cols).where(t.c.id > last).order_by(t.c.id).limit(BATCH)).all()
        if not rows:
            return
        conn.execute(
            sa.update(t).where(t.c.id == sa.bindparam("_id")).values(seal=sa.bindparam("_seal")),
            [{"_id": r.id, "_seal": seal(table, r._mapping)} for r in rows],
        )
        last = rows[-1].id


def upgrade() -> None:
    for table in SEALED:
        op.add_column(table, sa.Column("seal", sa.BigInteger(), nullable=True))
        _backfill(table)
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION arcli_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            f"RAISE EXCEPTION 'arcli: % rows: {MESSAGE}', TG_TABLE_NAME; END $$"
        )
        for table in APPEND_ONLY:
            op.execute(
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION arcli_append_only()"
            )
            op.execute(
                f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
                "FOR EACH STATEMENT EXECUTE FUNCTION arcli_append_only()"
            )
    else:
        for table in APPEND_ONLY:
            for what in ("update", "delete"):
                op.execute(
                    f"CREATE TRIGGER {table}_no_{what} BEFORE {what.upper()} ON {table} "
                    f"BEGIN SELECT RAISE(ABORT, 'arcli: {table} rows: {MESSAGE}'); END"
                )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in APPEND_ONLY:
            op.execute(f"DROP TRIGGER {table}_append_only ON {table}")
            op.execute(f"DROP TRIGGER {table}_no_truncate ON {table}")
        op.execute("DROP FUNCTION arcli_append_only()")
    else:
        for table in APPEND_ONLY:
            for what in ("update", "delete"):
                op.execute(f"DROP TRIGGER {table}_no_{what}")
    for table in SEALED:
        with op.batch_alter_table(table) as batch_op:
            batch_op.drop_column("seal")
