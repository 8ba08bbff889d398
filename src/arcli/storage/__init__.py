"""Storage: the only package that imports SQLAlchemy or Alembic.

``Ledger.open(url, create=...)`` gives a ledger; ``ledger.transaction(write=...)`` one transaction (a ``Tx``).
"""

from arcli.storage.engine import NewLedger, default_db_path, describe, resolve_url
from arcli.storage.ledger import Ledger, NewDelivery, NewPayment, Tx, promise_of

__all__ = [
    "Ledger",
    "NewDelivery",
    "NewLedger",
    "NewPayment",
    "Tx",
    "default_db_path",
    "describe",
    "promise_of",
    "resolve_url",
]
