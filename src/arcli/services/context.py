"""What every use case is told by the edge: which ledger, what day it is, and who is asking."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from arcli.storage import Ledger, Tx, resolve_url


@dataclass(frozen=True)
class Context:
    url: str  # a SQLAlchemy URL (SQLite file by default)
    today: dt.date  # "today" for every rule and default: --as-of > AR_TODAY > the clock, resolved once
    now: dt.datetime  # wall-clock time, only for audit timestamps (when an entry was written)
    command: str = ""  # the command that writes, recorded on each entry ("delivery add")
    actor: str | None = None  # who: AR_REP or the login name
    notice: Callable[[str], None] | None = field(default=None, compare=False)  # a line for people (stderr)

    @classmethod
    def create(cls, db_path: str | None, database_url: str | None, **kw) -> Context:
        """``--db``/``AR_DB`` (a SQLite file) wins over ``AR_DATABASE_URL``; else the default file."""
        return cls(url=resolve_url(db_path, database_url), **kw)


@contextmanager
def unit_of_work(ctx: Context, *, write: bool, create: bool = False, references_at_end: bool = False) -> Iterator[Tx]:
    """One transaction on the ledger: all of a command's writes land together or not at all.

    A missing ledger is an error, except for a write that can start one (``create``: `ar init`, `ar customer
    add`, `ar config set`, an import that brings customers): a delivery or a promise cannot be the first thing
    in a ledger, and the command that fails on it should not leave an empty ledger behind.
    ``references_at_end``: see :meth:`Ledger.transaction` (large imports of deliveries and payments).
    """
    ledger = Ledger.open(ctx.url, create=create and write, notice=ctx.notice)
    try:
        with ledger.transaction(write=write, references_at_end=references_at_end) as tx:
            yield tx
    finally:
        ledger.close()
