"""Alembic environment for arcli. The ledger opens its own connection and hands it over in
``config.attributes["connection"]``; the schema is the SQLAlchemy Core metadata in ``arcli.storage.models``."""

from alembic import context

from arcli.storage.models import metadata

config = context.config
connection = config.attributes.get("connection")
if connection is None:  # pragma: no cover - arcli always passes its connection
    raise RuntimeError("arcli migrations run through arcli (ar init), not the alembic command")

context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
