"""Cheaper checks on every entry written; deliveries found by their sale.

- ``entry_kind`` reads ``kind = 'delivery' OR kind = 'payment' OR …`` instead of ``kind IN (…)``: the same
  rule, but SQLite evaluates an IN list of more than two values through a small temporary table that it builds
  again for every row an INSERT is executed with, about 3 µs a row (6 s of an import of a million deliveries
  and a million payments).
- The uniqueness of ``reverses_id`` (an entry is reversed at most once) is a partial unique index over the
  reversals only, instead of a UNIQUE constraint whose index held a NULL for every other entry (about 1 µs an
  entry written).
- ``entry_sale``: the deliveries against a sale, by sale (a partial index: most deliveries have none). Before,
  the quantity delivered on a sale read every delivery ever recorded (1.4 s on a million-delivery ledger, for
  each delivery added against a sale).

SQLite changes a table's constraints only by building the table again: the new ``entry`` is created, the rows
copied with their ids and seals (the sealed columns do not change), the old table dropped and the new one
renamed; its indexes and triggers are made again from their own text. The foreign keys that point at
``entry`` keep pointing at it by name; ``ar``'s migration runner turns their enforcement off around the
migration on SQLite and runs ``PRAGMA foreign_key_check`` before it commits (sqlite.org/lang_altertable.html,
"Making Other Kinds Of Table Schema Changes"). PostgreSQL alters the table in place (its row-level security
policy stays).

Revision ID: 0010
Revises: 0009
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

KIND_IN = "kind IN ('delivery', 'payment', 'writeoff', 'reversal')"
KIND_OR = "kind = 'delivery' OR kind = 'payment' OR kind = 'writeoff' OR kind = 'reversal'"

#: ``entry`` as the models had it at 0009, its kind check (``{kind}``) and the constraint making reverses_id
#: unique (``{unique}``: 0009's, or none) filled in; the column order is the old table's (``seal`` was added last
#: by 0004).
_ENTRY = """CREATE TABLE entry_new (
    id INTEGER NOT NULL,
    kind VARCHAR NOT NULL,
    ref VARCHAR NOT NULL,
    customer_id INTEGER NOT NULL,
    date DATE NOT NULL,
    delta BIGINT NOT NULL,
    terms VARCHAR,
    due DATE,
    sale_id INTEGER,
    method VARCHAR,
    apply_spec VARCHAR,
    reverses_id INTEGER,
    reason VARCHAR,
    note VARCHAR,
    created_at DATETIME NOT NULL,
    command VARCHAR NOT NULL,
    actor VARCHAR,
    seal BIGINT,
    PRIMARY KEY (id),
    CONSTRAINT entry_delta_sign CHECK ((kind = 'delivery' AND delta > 0) OR (kind IN ('payment', 'writeoff') AND
        delta < 0) OR (kind = 'reversal' AND delta <> 0)),
    CONSTRAINT entry_kind CHECK ({kind}),
    FOREIGN KEY(customer_id) REFERENCES customer (id),
    FOREIGN KEY(reverses_id) REFERENCES entry (id),
    FOREIGN KEY(sale_id) REFERENCES sale (id),
    CONSTRAINT entry_kind_ref UNIQUE (kind, ref){unique}
)"""

_COLUMNS = (
    "id, kind, ref, customer_id, date, delta, terms, due, sale_id, method, apply_spec, reverses_id, reason, note,"
    " created_at, command, actor, seal"
)

_PARTIAL = "CREATE UNIQUE INDEX entry_reverses ON entry (reverses_id) WHERE reverses_id IS NOT NULL"
_SALE = "CREATE INDEX entry_sale ON entry (sale_id) WHERE sale_id IS NOT NULL"


def _rebuild_sqlite(kind: str, unique: str) -> None:
    conn = op.get_bind()
    if conn.exec_driver_sql("PRAGMA foreign_keys").scalar():  # pragma: no cover - the runner turns them off
        raise RuntimeError("schema 0010 builds the entry table again: run it with foreign keys off")
    # the indexes and triggers the table has now (not those of its constraints: they come with the new table)
    kept = (
        conn.exec_driver_sql(
            "SELECT sql FROM sqlite_master WHERE tbl_name = 'entry' AND type IN ('index', 'trigger')"
            " AND sql IS NOT NULL ORDER BY type, name"
        )
        .scalars()
        .all()
    )
    op.execute(_ENTRY.format(kind=kind, unique=unique))
    op.execute(f"INSERT INTO entry_new ({_COLUMNS}) SELECT {_COLUMNS} FROM entry")
    op.execute("DROP TABLE entry")
    op.execute("ALTER TABLE entry_new RENAME TO entry")
    for sql in kept:  # the partial indexes are made by upgrade() after this, dropped by downgrade() before it
        op.execute(sql)


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.drop_constraint("entry_kind", "entry", type_="check")
        op.create_check_constraint("entry_kind", "entry", sa.text(KIND_OR))
        op.drop_constraint("entry_reverses_id_key", "entry", type_="unique")
    else:
        _rebuild_sqlite(KIND_OR, "")
    op.execute(_PARTIAL)
    op.execute(_SALE)


def downgrade() -> None:
    op.execute("DROP INDEX entry_reverses")
    op.execute("DROP INDEX entry_sale")
    if op.get_bind().dialect.name == "postgresql":
        op.drop_constraint("entry_kind", "entry", type_="check")
        op.create_check_constraint("entry_kind", "entry", sa.text(KIND_IN))
        op.create_unique_constraint("entry_reverses_id_key", "entry", ["reverses_id"])
    else:
        _rebuild_sqlite(KIND_IN, ",\n    UNIQUE (reverses_id)")
