"""The ledger's one seam to the database: open it, run one transaction, and the queries a use case needs.

``Ledger.open(url)`` checks the schema; ``ledger.transaction(write=...)`` yields a :class:`Tx` whose methods
are the only SQL in arcli. Aggregation stays in SQL: nothing here loads a customer's whole history to sum
it in Python.

"As of" a date means exact history: entries and allocations dated after it are ignored, and an entry reversed
after it still counts. Without ``as_of`` a query sees everything recorded (the current state, which writes
use).
"""

from __future__ import annotations

import datetime as dt
import json
from array import array
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, ClassVar, NamedTuple

from sqlalchemy import (
    ARRAY,
    BigInteger,
    Date,
    DateTime,
    String,
    and_,
    bindparam,
    case,
    cast,
    delete,
    exists,
    func,
    insert,
    literal,
    literal_column,
    null,
    or_,
    select,
    text,
    union,
    update,
)
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.types import Integer

from arcli.domain.allocation import OpenItem
from arcli.domain.collections import Promise, paid_towards
from arcli.domain.errors import ArError, Conflict, Retry
from arcli.domain.records import Customer as CustomerRecord
from arcli.i18n import _
from arcli.storage import models
from arcli.storage.engine import connection_error, ensure_schema, open_engine
from arcli.storage.models import UTCDateTime
from arcli.storage.seal import Sealing, sealed

if TYPE_CHECKING:
    from arcli.storage.integrity import Steps

A = models.allocation
K = models.contact
C = models.customer
DS = models.dispute
E = models.entry
H = models.hold
I = models.item  # noqa: E741
OC = models.open_credit
O = models.open_item  # noqa: E741
PL = models.plan
P = models.promise
S = models.sale
ST = models.setting
SI = models.settled_item
SC = models.settled_credit
PP = models.promise_paid
CB = models.customer_balance
CHUNK = 5_000  # ids per IN (...) list
#: The tables under row-level security in team mode (migration 0005).
ROW_SECURED = (
    "customer", "sale", "entry", "item", "allocation", "promise", "contact", "dispute", "hold", "plan",
    "open_item", "settled_item", "open_credit", "settled_credit", "customer_balance", "promise_paid",
)  # fmt: skip


class NewDelivery(NamedTuple):
    """A delivery for :meth:`Tx.append_deliveries`: its fields and its items as (ref, due date, amount)."""

    ref: str
    customer_id: int
    date: dt.date
    amount: int
    terms: str | None
    due: dt.date | None
    note: str | None
    items: tuple[tuple[str, dt.date, int], ...]


class NewPayment(NamedTuple):
    """A payment for :meth:`Tx.append_payments` (its amount positive, as the customer paid it)."""

    ref: str
    customer_id: int
    date: dt.date
    amount: int
    method: str | None
    note: str | None


def _chunks(ids: Sequence[int]) -> Iterator[list[int]]:
    ids = list(ids)
    for n in range(0, len(ids), CHUNK):
        yield ids[n : n + CHUNK]


class Ledger:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    @classmethod
    def open(cls, url: str, *, create: bool, notice: Callable[[str], None] | None = None) -> Ledger:
        """``notice``: told in a line before an older ledger's schema is upgraded (once; it may take a while)."""
        engine = open_engine(url, create=create)
        try:
            ensure_schema(engine, create=create, notice=notice)
        except BaseException:
            engine.dispose()
            raise
        return cls(engine)

    def close(self) -> None:
        self.engine.dispose()

    @contextmanager
    def transaction(self, *, write: bool, references_at_end: bool = False) -> Iterator[Tx]:
        """One transaction: committed when the block ends, rolled back if it raises.

        ``references_at_end`` (a bulk import's write on SQLite): the references of the rows the transaction adds
        are checked once, before it commits (:meth:`Tx.check_references`), instead of row by row as they are
        inserted. SQLite looks each one up with a statement's own cursor per row: for a million payments and
        their allocations that was 5.5 s of the writer's 30 s (1M deliveries: 3.8 s of 20 s), the checks of
        what the import added 1 s in one pass. The transaction may only insert rows (or update columns that
        are not references) of tables whose references are checked that way: the bulk imports do."""
        options: dict[str, Any] = {"ar_write": write}
        if self.engine.dialect.name == "postgresql":
            # writers: each statement sees what the previous lock holder committed; readers: one snapshot
            options["isolation_level"] = "READ COMMITTED" if write else "REPEATABLE READ"
        try:
            with self.engine.connect().execution_options(**options) as conn:
                raw = None
                if references_at_end and write and conn.dialect.name == "sqlite":
                    # the pragma takes effect only outside a transaction: before BEGIN, and back after it ends
                    raw = conn.connection.driver_connection
                    raw.execute("PRAGMA foreign_keys = OFF")
                try:
                    with conn.begin():
                        tx = Tx(conn)
                        if raw is not None:
                            tx.defer_references()
                        yield tx
                        tx.before_commit()
                finally:
                    if raw is not None:
                        raw.execute("PRAGMA foreign_keys = ON")
        except IntegrityError as exc:
            raise Conflict(_("the ledger refused the change: {orig}").format(orig=_first_line(exc.orig))) from None
        except OperationalError as exc:
            if getattr(exc.orig, "sqlstate", None) in ("40001", "40P01"):  # serialization failure, deadlock
                raise Retry(
                    _("the ledger was busy with another writer ({orig})").format(orig=_first_line(exc.orig))
                ) from None
            if self.engine.dialect.name != "sqlite" and exc.connection_invalidated:
                raise connection_error(self.engine.url.render_as_string(hide_password=False), exc.orig) from None
            msg = _first_line(exc.orig)
            if "locked" in msg or "busy" in msg:
                raise ArError(_("the ledger is busy: another arcli kept it locked too long; try again")) from None
            raise ArError(_("database error: {msg}").format(msg=msg)) from None
        except DBAPIError as exc:
            raise ArError(_("database error: {orig}").format(orig=_first_line(exc.orig))) from None


def _remembering(col_type: Any, dialect: Any) -> Any:
    """A column type's bind processor; for dates and timestamps one that converts each distinct value once (an
    import's rows share one timestamp and a few thousand days, and the conversion costs more than the insert)."""
    process = col_type._cached_bind_processor(dialect)
    if process is None or not isinstance(col_type, Date | DateTime | UTCDateTime):
        return process
    seen: dict[Any, Any] = {}

    def convert(value: Any) -> Any:
        out = seen.get(value)
        if out is None:
            out = seen[value] = process(value)
        return out

    return convert


def _first_line(exc: BaseException | None) -> str:
    return (str(exc) or type(exc).__name__).splitlines()[0] if exc else "unknown error"


#: The columns of a customer's record (not when it was created: reading 20,000 timestamps cost 0.2 s)
_CUSTOMER = (C.c.id, C.c.name, C.c.code, C.c.terms, C.c.credit_limit, C.c.rep, C.c.phone, C.c.note)


def _customer(row: Any) -> CustomerRecord:
    return CustomerRecord(
        id=row.id,
        name=row.name,
        code=row.code,
        terms=row.terms,
        credit_limit=row.credit_limit,
        rep=row.rep,
        phone=row.phone,
        note=row.note,
    )


def _open_item(r: Any) -> OpenItem:
    return OpenItem(
        id=r.id, ref=r.ref, delivery_ref=r.delivery_ref, delivered=r.delivery_date, due=r.due_date, open=int(r.open)
    )


class days_between(FunctionElement):
    """The whole number of days from one date to a later one (negative if it is earlier), on either engine."""

    type = Integer()
    inherit_cache = True


@compiles(days_between)
def _days_between(element: Any, compiler: Any, **kw: Any) -> str:  # PostgreSQL: date - date is days
    later, earlier = list(element.clauses)
    return f"({compiler.process(later, **kw)} - {compiler.process(earlier, **kw)})"


@compiles(days_between, "sqlite")
def _days_between_sqlite(element: Any, compiler: Any, **kw: Any) -> str:
    later, earlier = list(element.clauses)
    return f"CAST(julianday({compiler.process(later, **kw)}) - julianday({compiler.process(earlier, **kw)}) AS INTEGER)"


def _days_late(settled_on: Any, due_date: Any) -> Any:
    late = days_between(settled_on, due_date)
    return case((late > 0, late), else_=0)


_STATEMENTS: dict[str, Any] = {}


def _refresh_statements() -> dict[str, Any]:
    """The statements that recompute the derived tables, built once (their compiled form is then cached)."""
    if _STATEMENTS:
        return _STATEMENTS
    ids = bindparam("ids", expanding=True)
    open_amt = (I.c.amount - _paid_on_item(None)).label("open")
    sub = (
        select(I.c.id, I.c.customer_id, I.c.due_date, I.c.delivery_date, open_amt)
        .where(I.c.id.in_(ids), ~_reversed_by(I.c.entry_id, None))
        .subquery()
    )
    last = select(func.max(A.c.date)).where(A.c.item_id == sub.c.id, A.c.amount > 0).scalar_subquery()
    paid_in_full = (
        select(
            sub.c.id, sub.c.customer_id, sub.c.due_date, last, I.c.amount, sub.c.delivery_date,
            _days_late(last, sub.c.due_date),
        )
        .join(I, I.c.id == sub.c.id)
        .where(sub.c.open <= 0)
    )  # fmt: skip
    credit = (-E.c.delta - _applied_from_payment(E.c.id, None)).label("credit")
    pay = (
        select(E.c.id, E.c.customer_id, E.c.date, credit)
        .where(E.c.id.in_(ids), E.c.kind == "payment", ~_reversed_by(E.c.id, None))
        .subquery()
    )
    last_applied = select(func.max(A.c.date)).where(A.c.payment_id == pay.c.id).scalar_subquery()
    applied_late = (
        select(pay.c.id, pay.c.customer_id, pay.c.date, last_applied.label("settled_on"))
        .where(pay.c.credit <= 0)
        .subquery()
    )
    _STATEMENTS.update(
        del_open=O.delete().where(O.c.item_id.in_(ids)),
        ins_open=insert(O).from_select(
            ["item_id", "customer_id", "due_date", "delivery_date", "open"], select(sub).where(sub.c.open > 0)
        ),
        del_settled=SI.delete().where(SI.c.item_id.in_(ids)),
        ins_settled=insert(SI).from_select(
            ["item_id", "customer_id", "due_date", "settled_on", "amount", "delivery_date", "days_late"], paid_in_full
        ),
        del_credit=OC.delete().where(OC.c.payment_id.in_(ids)),
        ins_credit=insert(OC).from_select(
            ["payment_id", "customer_id", "date", "credit"], select(pay).where(pay.c.credit > 0)
        ),
        del_settled_credit=SC.delete().where(SC.c.payment_id.in_(ids)),
        ins_settled_credit=insert(SC).from_select(
            ["payment_id", "customer_id", "date", "settled_on"],
            select(applied_late).where(applied_late.c.settled_on > applied_late.c.date),
        ),
    )
    return _STATEMENTS


def _maybe_open_on(day: dt.date) -> Any:
    """The ids of every item that can have had money open at the end of ``day``, from the kept-current tables:
    items open now, items paid in full after that day (``settled_item.settled_on``: the last day money was
    applied), and items of deliveries voided after it. An item settled now, on or before ``day``, was settled
    then too (all money applied to it took effect by then, and a later void of a payment would have reopened
    it or moved its settled day), so the exact history is summed for the few items that can be open, not for
    every item ever delivered."""
    r = E.alias("r")
    return union(
        select(O.c.item_id).where(O.c.delivery_date <= day),
        select(SI.c.item_id).where(SI.c.settled_on > day, SI.c.delivery_date <= day),
        # reversals by their kind (few), not by date (every entry after the day)
        select(I.c.id).join(r, r.c.reverses_id == I.c.entry_id).where(r.c.kind == "reversal", r.c.date > day),
    )


def _superseded(p: Any, as_of: dt.date | None = None) -> Any:
    """Whether a later promise (made by ``as_of``) replaced promise ``p`` (the unique index on supersedes_id)."""
    nxt = P.alias("nxt")
    cond = nxt.c.supersedes_id == p.c.id
    return exists().where(cond if as_of is None else and_(cond, nxt.c.made_on <= as_of))


#: What the rules need of a promise (the timestamp and actor cost more to read than the rest).
_PROMISE_COLS = (P.c.id, P.c.customer_id, P.c.made_on, P.c.by_date, P.c.amount, P.c.grace_days)
_PROMISE_NAMES = tuple(c.name for c in _PROMISE_COLS)


def promise_of(r: Any) -> Promise:
    """A promise row (with its ``superseded`` flag) as the rules take it."""
    return Promise(r.id, r.made_on, r.by_date, int(r.amount), r.grace_days, bool(r.superseded))


def _kind_is(kind: str) -> Any:
    """``entry.kind = kind`` for queries that select by date: written so the planner does not walk the (kind, ref)
    index, which visits every entry of the kind, instead of the date index."""
    return E.c.kind.concat("") == kind


def _maybe_credit_on(day: dt.date) -> Any:
    """The ids of every payment that can have had money unapplied at the end of ``day``: those with credit now,
    those with money applied after that day (to a later delivery, or moved by a void), and those voided after
    it. A payment applied in full now, all of it by that day, had nothing left then; one applied in full, some
    of it after its own date, is in ``settled_credit`` with the last day money was applied."""
    r = E.alias("r")
    return union(
        select(OC.c.payment_id).where(OC.c.date <= day),
        select(SC.c.payment_id).where(SC.c.settled_on > day, SC.c.date <= day),
        select(r.c.reverses_id).where(r.c.kind == "reversal", r.c.date > day),
    )


def _reversed_by(entry_id_col: Any, as_of: dt.date | None) -> Any:
    r = E.alias("r")
    cond = r.c.reverses_id == entry_id_col
    if as_of is not None:
        cond = and_(cond, r.c.date <= as_of)
    return exists().where(cond)


def _paid_on_item(as_of: dt.date | None) -> Any:
    """Correlated: what has been applied to the item in the outer query (net of reversals)."""
    cond = A.c.item_id == I.c.id
    if as_of is not None:
        cond = and_(cond, A.c.date <= as_of)
    return select(func.coalesce(func.sum(A.c.amount), 0)).where(cond).scalar_subquery()


def _applied_from_payment(payment_id_col: Any, as_of: dt.date | None) -> Any:
    cond = A.c.payment_id == payment_id_col
    if as_of is not None:
        cond = and_(cond, A.c.date <= as_of)
    return select(func.coalesce(func.sum(A.c.amount), 0)).where(cond).scalar_subquery()


class Tx:
    """The queries of one transaction. Amounts are fen; dates are ``datetime.date``."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        #: customers whose promises or payments this transaction changed: their ``promise_paid`` rows are
        #: recomputed once, before it commits (a command or an import may touch a customer many times)
        self.promises_stale: set[int] = set()
        self._after: dict[dt.date, bool] = {}  # entries_after, until an entry is written
        self._days: Any = None  # dates as text, for bulk writes: see _day_text
        self._aside: list[str] = []  # CREATE INDEX statements of the indexes a bulk write set aside
        self._balances_by_hand = False  # inside bulk(): the balance trigger is off, the writes add to balances
        self._writer: Any = None  # a bulk writer this transaction plans for: see plan_for
        self._ids: dict[str, int] = {}  # ... and the last ids it has numbered, by table
        self._paid = 0  # SQLite: how many items settle_paid settled that are still in open_item (see there)
        self._since: dict[str, int] | None = None  # references checked before commit: see defer_references

    def plan_for(self, writer: Any, last_ids: dict[str, int]) -> None:
        """Make this (read) transaction the planner of a bulk import whose rows another transaction writes: the
        statements of :meth:`append_deliveries`, :meth:`append_payments`, :meth:`append_allocations` and the
        balances go to ``writer.run(sql, params, sealing)`` (the writer seals rows sent with a sealing), and
        :meth:`settle_paid`, :meth:`settle_items` and :meth:`refresh_credit` to ``writer.call(name, *args)``,
        instead of this connection; ids are numbered on from ``last_ids`` (the writer's, which holds the write
        lock: nobody else adds rows meanwhile). Reads stay here, on the snapshot the writer started from: they
        must not depend on what the import itself wrote."""
        self._writer, self._ids = writer, dict(last_ids)
        self._balances_by_hand = True  # the writer's balance trigger is set aside (see bulk)

    def skip_ids(self, n: int) -> None:
        """Planning for a writer (see :meth:`plan_for`): leave the next ``n`` entry and item ids to a row the
        writer posts on its own (it numbers on from the highest id), and number on after them."""
        for table in self._ids:
            self._ids[table] += n

    def last_ids(self) -> dict[str, int]:
        """The highest entry and item ids (what a planner numbers on from: see :meth:`plan_for`)."""
        return {"entry": self._last_id(E), "item": self._last_id(I)}

    def _run(self, sql: str, params: Any, sealing: Sealing | None = None) -> None:
        """A bulk write's statement: here, or to the writer this transaction plans for. With ``sealing``, the
        rows (tuples) are sealed where they are written. Which rows a planner seals itself and which it leaves
        to the writer keeps the two processes about equally busy (measured: a delivery's items go to the writer,
        a payment's entry and allocations do not, as the writer settles the items they paid off)."""
        if self._writer is not None:
            self._writer.run(sql, params, sealing)
            return
        if sealing is not None:
            params = sealing.apply(params)
        self.conn.exec_driver_sql(sql, params)

    def run_planned(self, sql: str, params: Any, sealing: Sealing | None = None) -> None:
        """A bulk write's statement its planner sent (see :meth:`plan_for`), run on this connection."""
        self._run(sql, params, sealing)

    def before_commit(self) -> None:
        """Bring up to date what the transaction's writes made stale (the transaction is about to commit), and
        check the references left to the end (see :meth:`defer_references`)."""
        if self.promises_stale:
            self.refresh_promise_paid(sorted(self.promises_stale))
            self.promises_stale.clear()
        if self._since is not None:
            self.check_references()

    def defer_references(self) -> None:
        """The transaction's references are checked by :meth:`check_references` before it commits, not row by
        row (SQLite, enforcement off for its connection: :meth:`Ledger.transaction`). Remembers where each
        table's ids stood, so that only the rows the transaction adds are looked at."""
        self._since = {
            t.name: self._last_id(t) for t in models.metadata.sorted_tables if t.foreign_keys and "id" in t.c
        }

    def check_references(self) -> None:
        """What the database checks row by row with foreign keys enforced, for the rows added since
        :meth:`defer_references` (tables numbered by ``id``: those above the id it remembered; the others,
        derived or small, whole): a row that points at a missing row is an error, and nothing is written.

        Every reference is to a table's ``id``. When a table's ids are exactly 1…n (n rows, the least 1, the
        greatest n: no row of ``entry`` or ``item`` is ever deleted, so it is so but for a ledger edited by
        other tools), a reference to it is checked by its range, with no lookup; otherwise each is looked up.
        A million payments' references: 0.6–1.2 s by range, 3.2–3.8 s looked up."""
        since = self._since or {}
        ranges: dict[str, int | None] = {}

        def ids_up_to(parent: str) -> int | None:  # n if the parent's ids are exactly 1..n, else None
            if parent not in ranges:
                n, low, high = self.conn.exec_driver_sql(f'SELECT COUNT(*), MIN(id), MAX(id) FROM "{parent}"').one()
                ranges[parent] = 0 if n == 0 else high if (low, high) == (1, n) else None
            return ranges[parent]

        for t in models.metadata.sorted_tables:
            if not t.foreign_keys:
                continue
            cases, params = [], []
            for fk in sorted(t.foreign_keys, key=lambda fk: fk.parent.name):
                col, parent = fk.parent.name, fk.column.table.name
                assert fk.column.name == "id", fk
                n = ids_up_to(parent)
                if n is not None:
                    cases.append(f't."{col}" NOT BETWEEN 1 AND ?')
                    params.append(n)
                else:
                    cases.append(
                        f't."{col}" IS NOT NULL AND NOT EXISTS (SELECT 1 FROM "{parent}" AS p WHERE p.id = t."{col}")'
                    )
                params.append(parent)
            which = " ".join(f"WHEN {c} THEN ?" for c in cases)
            rows = "t.id > ?" if t.name in since else "1"
            broken = self.conn.exec_driver_sql(
                f'SELECT CASE {which} END AS parent FROM "{t.name}" AS t WHERE {rows} AND parent IS NOT NULL LIMIT 1',
                (*params, *((since[t.name],) if t.name in since else ())),
            ).scalar()
            if broken is not None:
                raise ArError(
                    _("the ledger refused the change: a row of {table} points at a missing row of {parent}").format(
                        table=t.name, parent=broken
                    )
                )

    def _insert_many(self, table: Any, rows: Sequence[dict[str, Any]]) -> None:
        """Bulk insert. On SQLite the rows go to the driver's executemany as tuples, each value through the
        column type's own bind processor (what SQLAlchemy does per row, at a fraction of its cost per row)."""
        if not rows:
            return
        if self.conn.dialect.name != "sqlite":
            self.conn.execute(insert(table), list(rows))
            return
        names = list(dict.fromkeys(k for r in rows[:1] for k in r))
        if any(r.keys() != rows[0].keys() for r in rows):
            names = list(dict.fromkeys(k for r in rows for k in r))
        dialect = self.conn.dialect
        procs = [_remembering(table.c[n].type, dialect) for n in names]
        quote = dialect.identifier_preparer.quote
        sql = (
            f"INSERT INTO {quote(table.name)} ({', '.join(quote(n) for n in names)}) "
            f"VALUES ({', '.join('?' * len(names))})"
        )
        plain = [n for n, p in enumerate(procs) if p is None]
        if len(plain) == len(names):
            params = [tuple(r.get(n) for n in names) for r in rows]
        else:
            pairs = list(zip(names, procs, strict=True))
            params = [tuple(v if (v := r.get(n)) is None or p is None else p(v) for n, p in pairs) for r in rows]
        self.conn.exec_driver_sql(sql, params)

    # -- customers ---------------------------------------------------------------------------------------
    def customer_by_key(self, key: str) -> CustomerRecord | None:
        row = self.conn.execute(select(*_CUSTOMER).where(C.c.name == key)).first()
        if row is None:
            row = self.conn.execute(select(*_CUSTOMER).where(C.c.code == key)).first()
        return _customer(row) if row else None

    def customers_by_key_folded(self, key: str) -> list[CustomerRecord]:
        k = key.casefold()
        rows = self.conn.execute(
            select(*_CUSTOMER).where(or_(func.lower(C.c.name) == k, func.lower(C.c.code) == k))
        ).all()
        return [_customer(r) for r in rows]

    def customer_keys(self) -> list[str]:
        rows = self.conn.execute(select(C.c.name, C.c.code)).all()
        return [k for r in rows for k in (r.name, r.code) if k]

    def customer_by_id(self, customer_id: int) -> CustomerRecord:
        return _customer(self.conn.execute(select(*_CUSTOMER).where(C.c.id == customer_id)).one())

    def insert_customer(self, **fields: Any) -> int:
        return self.conn.execute(insert(C).values(**fields)).inserted_primary_key[0]

    def insert_customers(self, rows: Sequence[dict[str, Any]]) -> None:
        if rows:
            self._insert_many(C, rows)

    def update_customer(self, customer_id: int, **fields: Any) -> None:
        self.conn.execute(update(C).where(C.c.id == customer_id).values(**fields))

    def customer_labels(self, customer_ids: Sequence[int] | None = None) -> dict[int, Any]:
        """Customers' id → (id, name, rep), without building whole records: every customer's, or these."""
        q = select(C.c.id, C.c.name, C.c.rep)
        if customer_ids is not None:
            q = q.where(self._among(C.c.id, customer_ids))
        return {r.id: r for r in self.conn.execute(q).all()}

    def list_customers(self, rep: str | None = None) -> list[CustomerRecord]:
        q = select(*_CUSTOMER).order_by(C.c.name)
        if rep is not None:
            q = q.where(C.c.rep == rep)
        return [_customer(r) for r in self.conn.execute(q)]

    # -- sales -------------------------------------------------------------------------------------------
    def sale_by_ref(self, ref: str) -> Any:
        return self.conn.execute(select(S).where(S.c.ref == ref)).first()

    def insert_sale(self, **fields: Any) -> int:
        return self.conn.execute(insert(S).values(**fields)).inserted_primary_key[0]

    def delivered_on_sale(self, sale_id: int) -> int:
        q = select(func.coalesce(func.sum(E.c.delta), 0)).where(
            E.c.sale_id == sale_id, E.c.kind == "delivery", ~_reversed_by(E.c.id, None)
        )
        return int(self.conn.execute(q).scalar_one())

    # -- entries -----------------------------------------------------------------------------------------
    def entry_by_ref(self, kind: str, ref: str) -> Any:
        return self.conn.execute(select(E).where(E.c.kind == kind, E.c.ref == ref)).first()

    def reversal_of(self, entry_id: int) -> Any:
        return self.conn.execute(select(E).where(E.c.reverses_id == entry_id)).first()

    def ref_taken(self, table: str, ref: str) -> bool:
        if table == "sale":
            q = select(literal(1)).where(S.c.ref == ref)
        elif table == "item":
            q = select(literal(1)).where(I.c.ref == ref)
        else:
            q = select(literal(1)).where(E.c.kind == table, E.c.ref == ref)
        return self.conn.execute(q).first() is not None

    def next_number(self, table: str) -> int:
        return self._last_id(S if table == "sale" else E) + 1

    def _last_id(self, table: Any) -> int:
        """The highest id in a table (0 if empty): a bulk writer holding the write lock numbers on from it."""
        if self._writer is not None:
            return self._ids[table.name]
        return int(self.conn.execute(select(func.coalesce(func.max(table.c.id), 0))).scalar_one())

    def insert_entry(self, **fields: Any) -> int:
        new_id = self.conn.execute(insert(E).values(**sealed("entry", fields))).inserted_primary_key[0]
        self._after.clear()
        if self._balances_by_hand:
            self._add_to_balances(new_id, new_id)
        if fields.get("kind") == "payment" or fields.get("reverses_id") is not None:
            self.promises_stale.add(fields["customer_id"])
        if fields.get("kind") == "payment":
            self.refresh_credit([new_id])
        if fields.get("reverses_id") is not None:
            self.refresh_open([r.id for r in self.items_of(fields["reverses_id"])])
            self.refresh_credit([fields["reverses_id"]])
        return new_id

    #: SQLite's page cache for a bulk import's connection (its default is 2 MB): a million rows go into half a
    #: dozen indexes, and with the pages they touch kept in memory an import of 1M deliveries or payments ran
    #: about a fifth faster (peak memory +100 MB; the issue's limit is 500 MB)
    BULK_CACHE_KIB = 96 * 1024

    #: The indexes a large import of deliveries or payments sets aside while it writes and builds again before
    #: it commits: none is read on the import's direct way (lookups by ref, by id, of a customer's open items,
    #: of the allocations of an item or a payment keep theirs), and building one over a million sorted rows
    #: costs a fraction of keeping it current row by row (1M deliveries: 54 s -> 45 s; 1M payments: 74 s ->
    #: 61 s, rebuilding included).
    SET_ASIDE: ClassVar[dict[str, tuple[str, ...]]] = {
        "deliveries": (
            "entry_customer_date", "entry_date", "item_customer_due", "ix_item_entry_id", "open_item_due",
            "open_item_customer",
        ),
        "payments": (
            "entry_customer_date", "entry_date", "settled_item_settled", "settled_item_customer", "open_item_due",
        ),
    }  # fmt: skip
    #: ... when the import brings at least this many rows, and at least half as many as the ledger has entries
    #: (building an index costs in proportion to the whole table)
    SET_ASIDE_ROWS = 100_000

    def _set_aside(self, kind: str | None, rows: int) -> None:
        names = self.SET_ASIDE.get(kind or "", ())
        if not names or rows < self.SET_ASIDE_ROWS:
            return
        entries = self._last_id(E)
        if rows * 2 < entries:
            return
        found = dict(
            self.conn.exec_driver_sql(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND name IN (SELECT value FROM json_each(?))",
                (json.dumps(list(names)),),
            ).all()
        )
        for name in names:
            if found.get(name):
                self.conn.exec_driver_sql(f'DROP INDEX "{name}"')
                self._aside.append(found[name])

    def restore_indexes(self) -> None:
        """Build again the indexes a bulk write set aside (before anything that may read through them)."""
        while self._aside:
            self.conn.exec_driver_sql(self._aside.pop(0))

    @contextmanager
    def bulk(self, kind: str | None = None, rows: int = 0) -> Iterator[None]:
        """A bulk write on this connection (SQLite; PostgreSQL's own defaults serve it): a larger page cache,
        each customer's balance kept by grouped statements instead of the trigger, and for an import of ``rows``
        ``kind`` (deliveries, payments) large enough, the indexes of :attr:`SET_ASIDE` dropped until it ends.

        The trigger on ``entry`` that adds each entry to its customer's balance costs about 19 µs a row on a
        million-entry ledger, more than the row's own insert and indexes: while the bulk write runs it is
        dropped, each batch of entries is added to the balances with one grouped upsert, and the trigger is put
        back from its own text before the transaction commits, as are the indexes. DDL is transactional in
        SQLite: if the write fails, the rollback restores the trigger and the indexes; readers keep their
        snapshot meanwhile (no committed state lacks either), and other writers wait for the write lock as
        always."""
        if self.conn.dialect.name != "sqlite":
            yield
            return
        before = self.conn.exec_driver_sql("PRAGMA cache_size").scalar_one()
        self.conn.exec_driver_sql(f"PRAGMA cache_size = -{self.BULK_CACHE_KIB}")
        trigger = self.conn.exec_driver_sql(
            "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = 'entry_balance'"
        ).scalar()
        if trigger is not None:
            self.conn.exec_driver_sql("DROP TRIGGER entry_balance")
            self._balances_by_hand = True
        self._set_aside(kind, rows)
        try:
            yield
            self.restore_indexes()
            if trigger is not None:
                self.conn.exec_driver_sql(trigger)
        finally:
            self._balances_by_hand = False
            self._aside.clear()  # after a failure the rollback brings them back
            self.conn.exec_driver_sql(f"PRAGMA cache_size = {int(before)}")

    def _add_to_balances(self, first_id: int, last_id: int) -> None:
        """What the balance trigger does, for the entries with ids in [first_id, last_id] (a bulk write)."""
        self._run(
            "INSERT INTO customer_balance (customer_id, balance)"
            " SELECT customer_id, SUM(delta) FROM entry WHERE id BETWEEN ? AND ? GROUP BY customer_id"
            " ON CONFLICT (customer_id) DO UPDATE SET balance = customer_balance.balance + excluded.balance",
            (first_id, last_id),
        )

    def entries_after(self, day: dt.date) -> bool:
        """Whether anything is dated after a day (if not, "as of that day" is the current state). Remembered
        for the transaction until it writes an entry (a report asks it of each query it makes)."""
        known = self._after.get(day)
        if known is None:
            known = self._after[day] = (
                self.conn.execute(select(literal(1)).where(E.c.date > day).limit(1)).first() is not None
            )
        return known

    def promised_after(self, day: dt.date) -> bool:
        """Whether entries or promises are dated after a day (if not, ``promise_paid`` holds that day's figures)."""
        if self.entries_after(day):
            return True
        return self.conn.execute(select(literal(1)).where(P.c.made_on > day).limit(1)).first() is not None

    # -- items and allocations ---------------------------------------------------------------------------
    def insert_items(self, rows: Sequence[dict[str, Any]]) -> list[int]:
        ids = [self.conn.execute(insert(I).values(**sealed("item", r))).inserted_primary_key[0] for r in rows]
        self._open_new(ids, rows)
        return ids

    def _open_new(self, item_ids: Sequence[int], rows: Sequence[dict[str, Any]]) -> None:
        """New items are open for their whole amount: nothing can be allocated to them yet."""
        self._insert_many(
            O,
            [
                dict(
                    item_id=i,
                    customer_id=r["customer_id"],
                    due_date=r["due_date"],
                    delivery_date=r["delivery_date"],
                    open=r["amount"],
                )
                for i, r in zip(item_ids, rows, strict=True)
            ],
        )

    def refresh_open(self, item_ids: Sequence[int]) -> None:
        """Recompute ``open_item`` and ``settled_item`` for these items from the ledger itself."""
        st = _refresh_statements()
        for chunk in _chunks(sorted(set(item_ids))):
            for stmt in (st["del_open"], st["ins_open"], st["del_settled"], st["ins_settled"]):
                self.conn.execute(stmt, {"ids": chunk})

    def refresh_credit(self, payment_ids: Sequence[int]) -> None:
        """Recompute ``open_credit`` and ``settled_credit`` for these payments from the ledger itself."""
        if self._writer is not None:
            if payment_ids:
                self._writer.call("refresh_credit", list(payment_ids))
            return
        st = _refresh_statements()
        for chunk in _chunks(sorted(set(payment_ids))):
            for stmt in (st["del_credit"], st["ins_credit"], st["del_settled_credit"], st["ins_settled_credit"]):
                self.conn.execute(stmt, {"ids": chunk})

    def open_items(
        self, customer_id: int, *, as_of: dt.date | None = None, entry_id: int | None = None
    ) -> list[OpenItem]:
        """The customer's items with money still open, oldest due first (now, or as of a date)."""
        d = E.alias("d")
        if as_of is None:
            q = (
                select(I.c.id, I.c.ref, d.c.ref.label("delivery_ref"), I.c.delivery_date, I.c.due_date, O.c.open)
                .join(I, I.c.id == O.c.item_id)
                .join(d, d.c.id == I.c.entry_id)
                .where(O.c.customer_id == customer_id)
                .order_by(O.c.due_date, I.c.delivery_date, I.c.id)
            )
            if entry_id is not None:
                q = q.where(I.c.entry_id == entry_id)
            return [_open_item(r) for r in self.conn.execute(q)]
        open_amt = (I.c.amount - _paid_on_item(as_of)).label("open")
        q = (
            select(I.c.id, I.c.ref, d.c.ref.label("delivery_ref"), I.c.delivery_date, I.c.due_date, open_amt)
            .join(d, d.c.id == I.c.entry_id)
            .where(I.c.customer_id == customer_id, ~_reversed_by(I.c.entry_id, as_of))
            .order_by(I.c.due_date, I.c.delivery_date, I.c.id)
        )
        if as_of is not None:
            q = q.where(I.c.delivery_date <= as_of)
        if entry_id is not None:
            q = q.where(I.c.entry_id == entry_id)
        sub = q.subquery()
        rows = self.conn.execute(select(sub).where(sub.c.open > 0)).all()
        return [_open_item(r) for r in rows]

    def item_lookup(self, ref: str) -> Any:
        """An item by its own ref, or the first item of a delivery by the delivery's ref."""
        d = E.alias("d")
        q = select(I.c.customer_id, I.c.ref, d.c.ref.label("delivery_ref")).join(d, d.c.id == I.c.entry_id)
        row = self.conn.execute(q.where(I.c.ref == ref)).first()
        if row is None:
            row = self.conn.execute(q.where(d.c.ref == ref).order_by(I.c.seq)).first()
        return row

    def payment_credits(self, customer_id: int, *, as_of: dt.date | None = None) -> list[tuple[int, str, dt.date, int]]:
        """Payments with money not yet applied (on-account credit), oldest first: (id, ref, date, credit)."""
        if as_of is None:
            q = (
                select(OC.c.payment_id, E.c.ref, OC.c.date, OC.c.credit)
                .join(E, E.c.id == OC.c.payment_id)
                .where(OC.c.customer_id == customer_id)
                .order_by(OC.c.date, OC.c.payment_id)
            )
            return [(r[0], r[1], r[2], int(r[3])) for r in self.conn.execute(q)]
        credit = (-E.c.delta - _applied_from_payment(E.c.id, as_of)).label("credit")
        q = select(E.c.id, E.c.ref, E.c.date, credit).where(
            E.c.kind == "payment", E.c.customer_id == customer_id, ~_reversed_by(E.c.id, as_of)
        )
        if as_of is not None:
            q = q.where(E.c.date <= as_of)
        sub = q.subquery()
        rows = self.conn.execute(select(sub).where(sub.c.credit > 0).order_by(sub.c.date, sub.c.id)).all()
        return [(r.id, r.ref, r.date, int(r.credit)) for r in rows]

    def payment_allocations(self, payment_ids: Sequence[int]) -> dict[int, tuple[int, list[tuple[dt.date, int]]]]:
        """Per payment: its amount and every allocation of it so far (date, amount; negative ones gave money
        back)."""
        return self._allocation_histories(select(E.c.id, -E.c.delta), E.c.id, A.c.payment_id, payment_ids)

    def customers_with_reopened_items(self, customer_ids: Sequence[int]) -> set[int]:
        """Those of these customers with an open item that a void took money off (its history has a negative
        allocation): paying such an item needs the dating of :func:`split_by_room`."""
        out: set[int] = set()
        for chunk in _chunks(sorted(set(customer_ids))):
            q = (
                select(O.c.customer_id)
                .join(A, A.c.item_id == O.c.item_id)
                .where(O.c.customer_id.in_(chunk), A.c.amount < 0)
                .distinct()
            )
            out |= set(self.conn.execute(q).scalars())
        return out

    def item_allocations(self, item_ids: Sequence[int]) -> dict[int, tuple[int, list[tuple[dt.date, int]]]]:
        """Per item: its amount and every allocation to it so far (date, amount; negative ones took money off)."""
        return self._allocation_histories(select(I.c.id, I.c.amount), I.c.id, A.c.item_id, item_ids)

    def _allocation_histories(
        self, amounts: Any, key: Any, link: Any, ids: Sequence[int]
    ) -> dict[int, tuple[int, list[tuple[dt.date, int]]]]:
        out: dict[int, tuple[int, list[tuple[dt.date, int]]]] = {}
        for chunk in _chunks(sorted(set(ids))):
            for k, amount in self.conn.execute(amounts.where(key.in_(chunk))):
                out[k] = (int(amount), [])
            for k, day, amount in self.conn.execute(select(link, A.c.date, A.c.amount).where(link.in_(chunk))):
                out[k][1].append((day, int(amount)))
        return out

    def insert_allocations(self, rows: Sequence[dict[str, Any]], *, credit: bool = True) -> None:
        """Insert allocations and recompute the open items they touch, and (``credit``) their payments' credit."""
        if rows:
            self._insert_many(A, [sealed("allocation", r) for r in rows])
            self.refresh_open([r["item_id"] for r in rows])
            if credit:
                self.refresh_credit([r["payment_id"] for r in rows])

    def net_allocations(self, *, payment_id: int | None = None, delivery_id: int | None = None) -> list[Any]:
        """Allocations still standing (net of earlier reversals), per payment and item."""
        q = select(A.c.payment_id, A.c.item_id, func.sum(A.c.amount).label("amount")).group_by(
            A.c.payment_id, A.c.item_id
        )
        if payment_id is not None:
            q = q.where(A.c.payment_id == payment_id)
        if delivery_id is not None:
            q = q.where(A.c.item_id.in_(select(I.c.id).where(I.c.entry_id == delivery_id)))
        sub = q.subquery()
        return self.conn.execute(select(sub).where(sub.c.amount != 0)).all()

    def writeoffs_against(self, delivery_id: int) -> list[str]:
        """Refs of write-offs still standing against a delivery's items."""
        q = (
            select(E.c.ref)
            .join(A, A.c.payment_id == E.c.id)
            .join(I, I.c.id == A.c.item_id)
            .where(I.c.entry_id == delivery_id, E.c.kind == "writeoff")
            .group_by(E.c.id, E.c.ref)
            .having(func.sum(A.c.amount) != 0)
            .order_by(E.c.id)
        )
        return list(self.conn.execute(q).scalars())

    def items_of(self, entry_id: int) -> list[Any]:
        return self.conn.execute(select(I).where(I.c.entry_id == entry_id).order_by(I.c.seq)).all()

    def applied_by_payment(self, customer_id: int, as_of: dt.date) -> list[Any]:
        """Per payment of the customer, what it stands applied to as of a date: (payment_id, item_ref, amount)."""
        q = (
            select(A.c.payment_id, I.c.ref.label("item_ref"), func.sum(A.c.amount).label("amount"))
            .join(I, I.c.id == A.c.item_id)
            .where(I.c.customer_id == customer_id, A.c.date <= as_of)
            .group_by(A.c.payment_id, I.c.id, I.c.ref)
            .order_by(A.c.payment_id, func.min(A.c.id))
        )
        sub = q.subquery()
        return self.conn.execute(select(sub).where(sub.c.amount != 0)).all()

    # -- reports -----------------------------------------------------------------------------------------
    def balances(self, as_of: dt.date, *, customer_id: int | None = None) -> list[Any]:
        """Per customer: balance, open, overdue, not_due, credit, oldest overdue due date, as of a date.

        For all customers on a day after which nothing is dated, this reads the tables kept current and the
        balance is open − credit; otherwise (one customer, or a past day) it is computed from the history.
        """
        if customer_id is None and not self.entries_after(as_of):
            return self._balances_now(as_of)
        d = E.alias("d")
        open_amt = (I.c.amount - _paid_on_item(as_of)).label("open")
        items = (
            select(I.c.customer_id, I.c.due_date, open_amt)
            .join(d, d.c.id == I.c.entry_id)
            .where(I.c.delivery_date <= as_of, ~_reversed_by(I.c.entry_id, as_of))
        )
        credits = select(E.c.customer_id, (-E.c.delta - _applied_from_payment(E.c.id, as_of)).label("credit")).where(
            E.c.kind == "payment", E.c.date <= as_of, ~_reversed_by(E.c.id, as_of)
        )
        bal = select(E.c.customer_id, E.c.delta).where(E.c.date <= as_of)
        if customer_id is not None:
            items = items.where(I.c.customer_id == customer_id)
            credits = credits.where(E.c.customer_id == customer_id)
            bal = bal.where(E.c.customer_id == customer_id)
        it = items.subquery()
        overdue = it.c.due_date < as_of
        item_sums = (
            select(
                it.c.customer_id,
                func.sum(it.c.open).label("open"),
                func.sum(case((overdue, it.c.open), else_=0)).label("overdue"),
                func.min(case((overdue, it.c.due_date), else_=None)).label("oldest_due"),
            )
            .where(it.c.open > 0)
            .group_by(it.c.customer_id)
            .subquery()
        )
        cr = credits.subquery()
        credit_sums = select(cr.c.customer_id, func.sum(cr.c.credit).label("credit")).group_by(cr.c.customer_id)
        credit_sums = credit_sums.subquery()
        b = bal.subquery()
        bal_sums = select(b.c.customer_id, func.sum(b.c.delta).label("balance")).group_by(b.c.customer_id)
        bal_sums = bal_sums.subquery()
        q = (
            select(
                C.c.id,
                C.c.name,
                C.c.code,
                C.c.rep,
                C.c.credit_limit,
                func.coalesce(item_sums.c.open, 0).label("open"),
                func.coalesce(item_sums.c.overdue, 0).label("overdue"),
                item_sums.c.oldest_due,
                func.coalesce(credit_sums.c.credit, 0).label("credit"),
                func.coalesce(bal_sums.c.balance, 0).label("balance"),
            )
            .select_from(C)
            .outerjoin(item_sums, item_sums.c.customer_id == C.c.id)
            .outerjoin(credit_sums, credit_sums.c.customer_id == C.c.id)
            .outerjoin(bal_sums, bal_sums.c.customer_id == C.c.id)
            .order_by(C.c.name)
        )
        if customer_id is not None:
            q = q.where(C.c.id == customer_id)
        return self.conn.execute(q).all()

    def _balances_now(self, as_of: dt.date) -> list[Any]:
        overdue = O.c.due_date < as_of
        item_sums = (
            select(
                O.c.customer_id,
                func.sum(O.c.open).label("open"),
                func.sum(case((overdue, O.c.open), else_=0)).label("overdue"),
                func.min(case((overdue, O.c.due_date), else_=None)).label("oldest_due"),
            ).group_by(O.c.customer_id)
        ).subquery()
        credit_sums = (
            select(OC.c.customer_id, func.sum(OC.c.credit).label("credit")).group_by(OC.c.customer_id)
        ).subquery()
        open_ = func.coalesce(item_sums.c.open, 0)
        credit = func.coalesce(credit_sums.c.credit, 0)
        q = (
            select(
                C.c.id,
                C.c.name,
                C.c.code,
                C.c.rep,
                C.c.credit_limit,
                open_.label("open"),
                func.coalesce(item_sums.c.overdue, 0).label("overdue"),
                item_sums.c.oldest_due,
                credit.label("credit"),
                (open_ - credit).label("balance"),
            )
            .select_from(C)
            .outerjoin(item_sums, item_sums.c.customer_id == C.c.id)
            .outerjoin(credit_sums, credit_sums.c.customer_id == C.c.id)
            .order_by(C.c.name)
        )
        return self.conn.execute(q).all()

    def ledger_total(self, as_of: dt.date, *, customer_id: int | None = None, rep: str | None = None) -> int:
        """Σ of every entry's effect up to a date: deliveries − payments ± voids (all customers, or some).

        Σ ``customer_balance`` (kept by a trigger on ``entry``, and checked by `ar check` against the entries)
        less the entries dated after the day: a past day costs the entries since it, not every entry before it.
        One customer's entries up to the day are summed through its own index."""
        later = self.entries_after(as_of)
        if customer_id is None or not later:
            q = select(func.coalesce(func.sum(CB.c.balance), 0))
            if customer_id is not None:
                q = q.where(CB.c.customer_id == customer_id)
            if rep is not None:
                q = q.where(CB.c.customer_id.in_(select(C.c.id).where(C.c.rep == rep)))
            now = int(self.conn.execute(q).scalar_one())
            if not later:
                return now
            q = select(func.coalesce(func.sum(E.c.delta), 0)).where(E.c.date > as_of)
            if rep is not None:
                q = q.where(E.c.customer_id.in_(select(C.c.id).where(C.c.rep == rep)))
            return now - int(self.conn.execute(q).scalar_one())
        q = select(func.coalesce(func.sum(E.c.delta), 0)).where(E.c.date <= as_of)
        if customer_id is not None:
            q = q.where(E.c.customer_id == customer_id)
        if rep is not None:
            q = q.where(E.c.customer_id.in_(select(C.c.id).where(C.c.rep == rep)))
        return int(self.conn.execute(q).scalar_one())

    def _open_as_of(self, as_of: dt.date) -> Any:
        """Open items as of a date: (item_id, customer_id, due_date, delivery_date, open) — from the table kept
        current when nothing is dated later, else recomputed from the history."""
        if not self.entries_after(as_of):
            return select(O.c.item_id, O.c.customer_id, O.c.due_date, O.c.delivery_date, O.c.open).subquery()
        open_amt = (I.c.amount - _paid_on_item(as_of)).label("open")
        q = select(I.c.id.label("item_id"), I.c.customer_id, I.c.due_date, I.c.delivery_date, open_amt).where(
            I.c.delivery_date <= as_of, ~_reversed_by(I.c.entry_id, as_of), I.c.id.in_(_maybe_open_on(as_of))
        )
        sub = q.subquery()
        return select(sub).where(sub.c.open > 0).subquery()

    def aging(
        self,
        as_of: dt.date,
        cutoffs: Sequence[int],
        *,
        basis: str = "due",
        by: str = "customer",
        customer_id: int | None = None,
        rep: str | None = None,
        pivot: bool = False,
    ) -> list[Any]:
        """Open amounts by bucket as of a date, grouped in SQL: rows of (key…, bucket, amount), or with ``pivot``
        (customer or rep) one row per key of (key…, b0, b1, …, total).

        ``by`` customer: (customer_id, name, rep); rep: (rep); item: (customer name, item ref, delivery date, due
        date, age). Bucket 0 is "not due" on the due basis; see ``arcli.domain.aging``.
        """
        it = self._open_as_of(as_of)
        day_col = it.c.due_date if basis == "due" else it.c.delivery_date
        age = days_between(literal(as_of, Date), day_col)

        def since(days: int) -> Any:  # age <= days  ⇔  the day is on or after as_of − days (no date arithmetic)
            try:
                return literal(as_of - dt.timedelta(days=days), Date)
            except OverflowError:
                return literal(dt.date.min, Date)

        whens = [(day_col >= since(0), 0)] if basis == "due" else []
        offset = 1 if basis == "due" else 0
        whens += [(day_col >= since(c), n + offset) for n, c in enumerate(cutoffs)]
        bucket = case(*whens, else_=len(cutoffs) + offset).label("bucket")
        buckets = len(cutoffs) + offset + 1
        if by == "item":
            q = (
                select(C.c.name, I.c.ref, it.c.delivery_date, it.c.due_date, age.label("age"), bucket, it.c.open)
                .select_from(it)
                .join(C, C.c.id == it.c.customer_id)
                .join(I, I.c.id == it.c.item_id)
                .order_by(C.c.name, it.c.due_date, I.c.ref)
            )
        elif pivot:  # one row per key: its amount in each bucket (b0, b1, …) and its total
            keys = [C.c.rep] if by == "rep" else [C.c.id, C.c.name, C.c.rep]
            # grouped by (customer, bucket) first: the bucket is computed once per item, not once per column
            per = (
                select(it.c.customer_id, bucket, func.sum(it.c.open).label("open"))
                .group_by(it.c.customer_id, bucket)
                .subquery()
            )
            # whole numbers on every engine (PostgreSQL's SUM of BIGINT is NUMERIC)
            sums = [
                cast(func.sum(case((per.c.bucket == k, per.c.open), else_=0)), BigInteger).label(f"b{k}")
                for k in range(buckets)
            ]
            q = (
                select(*keys, *sums, cast(func.sum(per.c.open), BigInteger).label("total"))
                .select_from(per)
                .join(C, C.c.id == per.c.customer_id)
                .group_by(*keys)
            )
            it = per
        else:
            keys = [C.c.rep] if by == "rep" else [C.c.id, C.c.name, C.c.rep]
            q = (
                select(*keys, bucket, func.sum(it.c.open).label("amount"))
                .select_from(it)
                .join(C, C.c.id == it.c.customer_id)
                .group_by(*keys, bucket)
            )
        if customer_id is not None:
            q = q.where(it.c.customer_id == customer_id)
        if rep is not None:
            q = q.where(C.c.rep == rep)
        return self.conn.execute(q).all()

    def credits_by_customer(self, as_of: dt.date) -> dict[int, int]:
        """On-account credit per customer as of a date."""
        if not self.entries_after(as_of):
            q = select(OC.c.customer_id, func.sum(OC.c.credit)).group_by(OC.c.customer_id)
        else:
            credit = (-E.c.delta - _applied_from_payment(E.c.id, as_of)).label("credit")
            sub = (
                select(E.c.customer_id, credit)
                # by id from the few candidates (not every payment through the kind index)
                .where(_kind_is("payment"), E.c.date <= as_of, ~_reversed_by(E.c.id, as_of))
                .where(E.c.id.in_(_maybe_credit_on(as_of)))
                .subquery()
            )
            q = select(sub.c.customer_id, func.sum(sub.c.credit)).where(sub.c.credit > 0).group_by(sub.c.customer_id)
        return {r[0]: int(r[1]) for r in self.conn.execute(q)}

    def disputes_open_on(self, day: dt.date) -> list[Any]:
        """Disputes open on a day (raised by then, not resolved by then), with their items' open amounts due."""
        q = select(DS).where(DS.c.opened_on <= day, or_(DS.c.resolved_on.is_(None), DS.c.resolved_on > day))
        return self.conn.execute(q).all()

    def open_by_ref(self, refs: Sequence[str], as_of: dt.date) -> dict[str, int]:
        """Open amount as of a date of items named by their own ref or their delivery's ref."""
        if not refs:
            return {}
        it = self._open_as_of(as_of)
        d = E.alias("d")
        q = (
            select(I.c.ref, d.c.ref.label("delivery_ref"), it.c.open)
            .select_from(it)
            .join(I, I.c.id == it.c.item_id)
            .join(d, d.c.id == I.c.entry_id)
            .where(or_(I.c.ref.in_(list(refs)), d.c.ref.in_(list(refs))))
        )
        out: dict[str, int] = {}
        for r in self.conn.execute(q):
            key = r.ref if r.ref in refs else r.delivery_ref
            out[key] = out.get(key, 0) + int(r.open)
        return out

    def balance_before(self, customer_id: int, day: dt.date) -> int:
        q = select(func.coalesce(func.sum(E.c.delta), 0)).where(E.c.customer_id == customer_id, E.c.date < day)
        return int(self.conn.execute(q).scalar_one())

    def statement_entries(self, customer_id: int, start: dt.date | None, end: dt.date) -> list[Any]:
        """The customer's entries in a date range, in date order."""
        cols = (E.c.id, E.c.kind, E.c.ref, E.c.date, E.c.delta, E.c.terms, E.c.due, E.c.method, E.c.reason, E.c.note)
        q = select(*cols).where(E.c.customer_id == customer_id, E.c.date <= end).order_by(E.c.date, E.c.id)
        if start is not None:
            q = q.where(E.c.date >= start)
        return self.conn.execute(q).all()

    # -- collections -------------------------------------------------------------------------------------
    def settings(self) -> dict[str, str]:
        return {r.key: r.value for r in self.conn.execute(select(ST))}

    def set_setting(self, key: str, value: str | None) -> None:
        self.conn.execute(ST.delete().where(ST.c.key == key))
        if value is not None:
            self.conn.execute(insert(ST).values(key=key, value=value))

    def insert_promise(self, **fields: Any) -> int:
        self.promises_stale.add(fields["customer_id"])
        return self.conn.execute(insert(P).values(**fields)).inserted_primary_key[0]

    def insert_promises(self, rows: Sequence[dict[str, Any]]) -> None:
        if rows:
            self.promises_stale.update(r["customer_id"] for r in rows)
            self._insert_many(P, rows)

    def refresh_promise_paid(self, customer_ids: Sequence[int]) -> None:
        """Recompute ``promise_paid`` for these customers from all their promises and payments not voided."""
        for chunk in _chunks(customer_ids):
            promises: dict[int, list[Promise]] = {}
            for r in self.conn.execute(
                select(*_PROMISE_COLS, _superseded(P).label("superseded")).where(P.c.customer_id.in_(chunk))
            ):
                promises.setdefault(r.customer_id, []).append(promise_of(r))
            self.conn.execute(delete(PP).where(PP.c.customer_id.in_(chunk)))
            if not promises:
                continue
            payments: dict[int, list[tuple[dt.date, int]]] = {cid: [] for cid in promises}
            q = select(E.c.customer_id, E.c.date, -E.c.delta).where(
                E.c.customer_id.in_(sorted(promises)),
                _kind_is("payment"),
                E.c.date >= min(p.made_on for ps in promises.values() for p in ps),
                ~_reversed_by(E.c.id, None),
            )
            for cid, day, amount in self.conn.execute(q):
                payments[cid].append((day, int(amount)))
            rows = [
                {"promise_id": pid, "customer_id": cid, "paid": paid}
                for cid, ps in promises.items()
                for pid, paid in paid_towards(ps, payments[cid]).items()
            ]
            self.conn.execute(insert(PP), rows)

    def promise_keys(self) -> set[tuple[int, dt.date, int]]:
        """(customer id, by date, amount) of every promise: what identifies an imported promise."""
        return {(r[0], r[1], int(r[2])) for r in self.conn.execute(select(P.c.customer_id, P.c.by_date, P.c.amount))}

    def promises(
        self,
        customer_id: int | None = None,
        promise_id: int | None = None,
        *,
        rep: str | None = None,
        as_of: dt.date | None = None,
    ) -> list[Any]:
        """Promises with their customer's name and whether a later promise superseded them (as they stood on a
        day, if given: made by then, superseded by a promise made by then)."""
        superseded = _superseded(P, as_of)
        q = select(P, C.c.name.label("customer"), superseded.label("superseded")).join(C, C.c.id == P.c.customer_id)
        if as_of is not None:
            q = q.where(P.c.made_on <= as_of)
        if customer_id is not None:
            q = q.where(P.c.customer_id == customer_id)
        if promise_id is not None:
            q = q.where(P.c.id == promise_id)
        if rep is not None:
            q = q.where(C.c.rep == rep)
        return self.conn.execute(q.order_by(P.c.made_on, P.c.id)).all()

    def payments(self, customer_id: int, as_of: dt.date) -> list[tuple[dt.date, int]]:
        """(date, amount) of the customer's payments dated up to a date and not voided by then."""
        q = select(E.c.date, -E.c.delta).where(
            E.c.kind == "payment", E.c.customer_id == customer_id, E.c.date <= as_of, ~_reversed_by(E.c.id, as_of)
        )
        return [(r[0], int(r[1])) for r in self.conn.execute(q)]

    def insert_contact(self, **fields: Any) -> int:
        return self.conn.execute(insert(K).values(**fields)).inserted_primary_key[0]

    def contacts(
        self, customer_id: int | None = None, limit: int | None = None, *, rep: str | None = None
    ) -> list[Any]:
        q = select(K, C.c.name.label("customer")).join(C, C.c.id == K.c.customer_id)
        if rep is not None:
            q = q.where(C.c.rep == rep)
        if customer_id is not None:
            q = q.where(K.c.customer_id == customer_id)
        q = q.order_by(K.c.date.desc(), K.c.id.desc())
        if limit:
            q = q.limit(limit)
        return self.conn.execute(q).all()

    def last_contacts(
        self, as_of: dt.date, customer_ids: Sequence[int] | None = None
    ) -> dict[int, tuple[dt.date, dt.date | None]]:
        """Per customer (these, or all): the latest contact up to a date, and the follow-up date it set."""
        latest = select(K.c.customer_id, func.max(K.c.id).label("id")).where(K.c.date <= as_of)
        if customer_ids is not None:
            latest = latest.where(K.c.customer_id.in_(list(customer_ids)))
        latest = latest.group_by(K.c.customer_id).subquery()
        q = select(K.c.customer_id, K.c.date, K.c.next_date).join(latest, latest.c.id == K.c.id)
        return {r.customer_id: (r.date, r.next_date) for r in self.conn.execute(q).all()}

    def insert_dispute(self, **fields: Any) -> int:
        return self.conn.execute(insert(DS).values(**fields)).inserted_primary_key[0]

    def disputes(
        self,
        *,
        open_only: bool = False,
        customer_id: int | None = None,
        dispute_id: int | None = None,
        rep: str | None = None,
    ):
        q = select(DS, C.c.name.label("customer")).join(C, C.c.id == DS.c.customer_id)
        if rep is not None:
            q = q.where(C.c.rep == rep)
        if open_only:
            q = q.where(DS.c.resolved_on.is_(None))
        if customer_id is not None:
            q = q.where(DS.c.customer_id == customer_id)
        if dispute_id is not None:
            q = q.where(DS.c.id == dispute_id)
        return self.conn.execute(q.order_by(DS.c.opened_on, DS.c.id)).all()

    def resolve_dispute(self, dispute_id: int, day: dt.date, resolution: str) -> None:
        self.conn.execute(update(DS).where(DS.c.id == dispute_id).values(resolved_on=day, resolution=resolution))

    def active_hold(self, customer_id: int, day: dt.date | None = None) -> Any:
        """The customer's credit hold in force (on a day: placed by then and not yet released)."""
        q = select(H).where(H.c.customer_id == customer_id)
        if day is None:
            q = q.where(H.c.released_on.is_(None))
        else:
            q = q.where(H.c.since <= day, or_(H.c.released_on.is_(None), H.c.released_on > day))
        return self.conn.execute(q.order_by(H.c.id.desc())).first()

    def insert_hold(self, **fields: Any) -> None:
        self.conn.execute(insert(H).values(**fields))

    def release_hold(self, hold_id: int, day: dt.date) -> None:
        self.conn.execute(update(H).where(H.c.id == hold_id).values(released_on=day))

    def _among(self, column: Any, ids: Sequence[int] | Sequence[str]) -> Any:
        """``column IN ids`` with the ids (or refs) bound as one value (a JSON array on SQLite, an array on
        PostgreSQL): any number of them, where thousands of bound values cost more to compile than the query
        takes to run."""
        if self.conn.dialect.name == "sqlite":
            return column.in_(select(literal_column("value")).select_from(func.json_each(json.dumps(list(ids)))))
        kind = String if ids and isinstance(ids[0], str) else BigInteger
        return column == func.any(literal(list(ids), ARRAY(kind)))

    def lateness(self, as_of: dt.date, since: dt.date, customer_ids: list[int]) -> dict[int, tuple[int, int]]:
        """Per customer, over items due in [since, as_of]: Σ amount × days late and Σ amount, as of a date.

        An item paid in full is late by the day its last payment took effect − its due date (0 if on time); an
        item still open is late by as_of − due date.
        """
        if not customer_ids:
            return {}
        if not self.entries_after(as_of):
            return self._lateness_now(as_of, since, customer_ids)
        paid = _paid_on_item(as_of)
        last = (
            select(func.max(A.c.date)).where(A.c.item_id == I.c.id, A.c.date <= as_of, A.c.amount > 0)
        ).scalar_subquery()
        settled = case((paid >= I.c.amount, last), else_=literal(as_of, Date))
        late = days_between(settled, I.c.due_date)
        late = case((late > 0, late), else_=0)
        q = (
            select(I.c.customer_id, func.sum(I.c.amount * late).label("weighted"), func.sum(I.c.amount).label("amount"))
            .where(
                self._among(I.c.customer_id, customer_ids),
                I.c.due_date >= since,
                I.c.due_date <= as_of,
                ~_reversed_by(I.c.entry_id, as_of),
            )
            .group_by(I.c.customer_id)
        )
        return {r.customer_id: (int(r.weighted or 0), int(r.amount or 0)) for r in self.conn.execute(q)}

    def _lateness_now(self, as_of: dt.date, since: dt.date, customer_ids: Sequence[int]) -> dict[int, tuple[int, int]]:
        """`lateness` from the tables kept current: settled items by their settle day, open ones until as_of."""
        # each customer's window is sought in the (customer, due date) index, where one pass over every customer
        # would read three years of settled items
        settled = (
            select(SI.c.customer_id, func.sum(SI.c.amount * SI.c.days_late), func.sum(SI.c.amount))
            .where(self._among(SI.c.customer_id, customer_ids), SI.c.due_date >= since, SI.c.due_date <= as_of)
            .group_by(SI.c.customer_id)
        )
        late_o = days_between(literal(as_of, Date), O.c.due_date)
        still_open = (
            select(O.c.customer_id, func.sum(I.c.amount * case((late_o > 0, late_o), else_=0)), func.sum(I.c.amount))
            .join(I, I.c.id == O.c.item_id)
            .where(self._among(O.c.customer_id, customer_ids), O.c.due_date >= since, O.c.due_date <= as_of)
            .group_by(O.c.customer_id)
        )
        # two queries, each grouped in the index's customer order (as one UNION ALL, its rows were sorted again)
        out: dict[int, tuple[int, int]] = {}
        for q in (settled, still_open):
            for cid, w, a in self.conn.execute(q).all():
                before = out.get(cid, (0, 0))
                out[cid] = (before[0] + int(w or 0), before[1] + int(a or 0))
        return out

    def exposure(self, as_of: dt.date, horizon: dt.date, *, rep: str | None = None) -> list[Any]:
        """Customers (ids) with money open as of a date: overdue, falling due by ``horizon``, oldest overdue due
        date. Names are the caller's to fetch for the few it shows.

        When nothing is dated after ``as_of`` this reads the open items kept current (``open_item``); otherwise it
        recomputes them from the history as of that date.
        """
        if not self.entries_after(as_of):
            it = select(O.c.customer_id, O.c.due_date, O.c.open).where(O.c.due_date <= horizon).subquery()
        else:
            d = E.alias("d")
            open_amt = (I.c.amount - _paid_on_item(as_of)).label("open")
            it = (
                select(I.c.customer_id, I.c.due_date, open_amt)
                .join(d, d.c.id == I.c.entry_id)
                .where(I.c.delivery_date <= as_of, I.c.due_date <= horizon, ~_reversed_by(I.c.entry_id, as_of))
            ).subquery()
        overdue = it.c.due_date < as_of
        q = (
            select(
                it.c.customer_id,
                func.sum(case((overdue, it.c.open), else_=0)).label("overdue"),
                func.sum(case((overdue, 0), else_=it.c.open)).label("due"),
                func.min(case((overdue, it.c.due_date), else_=None)).label("oldest_due"),
            )
            .where(it.c.open > 0)
            .group_by(it.c.customer_id)
        )
        if rep is not None:
            q = q.where(it.c.customer_id.in_(select(C.c.id).where(C.c.rep == rep)))
        return self.conn.execute(q).all()

    # -- batch loaders for many customers at once ----------------------------------------------------------
    def promises_for(
        self,
        customer_ids: Sequence[int] | None,
        since: dt.date | None,
        *,
        paid: bool = False,
        rep: str | None = None,
        lean: bool = False,
        as_of: dt.date | None = None,
    ) -> list[Any]:
        """Promises of these customers (or every customer's, or a rep's) whose date is on or after ``since`` (all
        if None), with the superseded flag and, if asked, the money counted towards each (``promise_paid``: the
        whole history's). ``lean``: only what the rules read (no items, note or chain). ``as_of``: as they stood
        on a day (made by then, superseded by a promise made by then).

        Each row starts (id, customer_id, made_on, by_date, amount, grace_days, superseded[, paid])."""
        q = select(*_PROMISE_COLS, _superseded(P, as_of).label("superseded"))
        if customer_ids is not None:
            q = q.where(self._among(P.c.customer_id, customer_ids))
        if rep is not None:
            q = q.where(P.c.customer_id.in_(select(C.c.id).where(C.c.rep == rep)))
        if paid:
            q = q.add_columns(func.coalesce(PP.c.paid, 0).label("paid")).outerjoin(PP, PP.c.promise_id == P.c.id)
        if not lean:  # the rest but the timestamp and actor (a timestamp costs more to read than the rest)
            q = q.add_columns(*(c for c in P.c if c.name not in (*_PROMISE_NAMES, "created_at", "actor")))
        if as_of is not None:
            q = q.where(P.c.made_on <= as_of)
        if since is not None:
            q = q.where(P.c.by_date >= since)
        return self.conn.execute(q.order_by(P.c.made_on, P.c.id)).all()

    def last_payments(self, customer_ids: Sequence[int], as_of: dt.date) -> dict[int, dt.date]:
        """Per customer (of these): the date of its latest payment up to a date and not voided by then."""
        if not customer_ids:
            return {}
        # per customer, the (customer, date) index walked back from the day: the first payment not voided ends it
        latest = (
            select(E.c.date)
            .where(E.c.customer_id == C.c.id, _kind_is("payment"), E.c.date <= as_of, ~_reversed_by(E.c.id, as_of))
            .order_by(E.c.date.desc())
            .limit(1)
            .scalar_subquery()
        )
        q = select(C.c.id, latest).where(self._among(C.c.id, customer_ids))
        return {cid: d for cid, d in self.conn.execute(q) if d is not None}

    def payments_for(
        self, promised_since: dt.date, as_of: dt.date, customer_ids: Sequence[int] | None = None
    ) -> list[tuple[int, dt.date, int]]:
        """(customer_id, date, amount) of payments not voided by ``as_of`` made by customers with promises dated
        ``promised_since`` or later (only these customers, if given), from the day their oldest such promise was
        made."""
        first = select(P.c.customer_id, func.min(P.c.made_on).label("made_on")).where(P.c.by_date >= promised_since)
        if customer_ids is not None:
            first = first.where(P.c.customer_id.in_(list(customer_ids)))
        first = first.group_by(P.c.customer_id).subquery()
        # the earliest day that matters, and (for a few customers) their ids, stated on the entries themselves:
        # so the planner walks the entries by customer or by date instead of every payment ever recorded
        earliest = select(func.min(first.c.made_on)).scalar_subquery()
        q = (
            select(E.c.customer_id, E.c.date, -E.c.delta)
            .join(first, and_(first.c.customer_id == E.c.customer_id, E.c.date >= first.c.made_on))
            .where(_kind_is("payment"), E.c.date >= earliest, E.c.date <= as_of)
            .where(~_reversed_by(E.c.id, as_of))
        )
        if customer_ids is not None:
            q = q.where(E.c.customer_id.in_(list(customer_ids)))
        return [(r[0], r[1], int(r[2])) for r in self.conn.execute(q).all()]

    def open_dispute_counts(
        self, customer_ids: Sequence[int] | None, as_of: dt.date, *, rep: str | None = None
    ) -> dict[int, int]:
        """Disputes open on a day (raised by then, not resolved by then) per customer: of these customers, or of
        every customer (a rep's) with one."""
        still_open = or_(DS.c.resolved_on.is_(None), DS.c.resolved_on > as_of)
        q = select(DS.c.customer_id, func.count()).where(DS.c.opened_on <= as_of, still_open).group_by(DS.c.customer_id)
        if customer_ids is not None:
            q = q.where(self._among(DS.c.customer_id, customer_ids))
        if rep is not None:
            q = q.where(DS.c.customer_id.in_(select(C.c.id).where(C.c.rep == rep)))
        return {r[0]: int(r[1]) for r in self.conn.execute(q).all()}

    # -- period measures (per customer) for the month-end reports ----------------------------------------
    def fell_due(self, start: dt.date, end: dt.date) -> dict[int, int]:
        """Σ item amounts due in [start, end] (items delivered by ``end`` and not voided by then)."""
        q = (
            select(I.c.customer_id, func.sum(I.c.amount))
            .where(
                I.c.due_date >= start,
                I.c.due_date <= end,
                I.c.delivery_date <= end,
                ~_reversed_by(I.c.entry_id, end),
            )
            .group_by(I.c.customer_id)
        )
        return {r[0]: int(r[1]) for r in self.conn.execute(q)}

    def open_at(
        self, day: dt.date, *, due_before: dt.date | None = None, due_from: dt.date | None = None
    ) -> dict[int, int]:
        """Σ open as of a day, optionally only items due before / from a date."""
        it = self._open_as_of(day)
        q = select(it.c.customer_id, func.sum(it.c.open)).group_by(it.c.customer_id)
        if due_before is not None:
            q = q.where(it.c.due_date < due_before)
        if due_from is not None:
            q = q.where(it.c.due_date >= due_from)
        return {r[0]: int(r[1]) for r in self.conn.execute(q)}

    def entry_sums(self, kind: str, start: dt.date, end: dt.date) -> dict[int, int]:
        """Σ amounts of deliveries, payments or write-offs dated in [start, end] and not voided by ``end``."""
        amount = func.sum(func.abs(E.c.delta))
        q = (
            select(E.c.customer_id, amount)
            .where(_kind_is(kind), E.c.date >= start, E.c.date <= end, ~_reversed_by(E.c.id, end))
            .group_by(E.c.customer_id)
        )
        return {r[0]: int(r[1]) for r in self.conn.execute(q)}

    def balances_at(self, *days: dt.date) -> list[dict[int, int]]:
        """Per customer, Σ deliveries − payments ± voids up to each day: one dict per day.

        For recent days (the usual month-end review), the balance kept current (``customer_balance``) less the
        entries dated after each day: the entries since the earliest day, not every entry ever posted. When
        those are more than a quarter of the ledger, one pass over all the entries instead (walking the date
        index over most of the table costs a lookup per row)."""
        first = min(days)
        later = self.conn.execute(select(func.count()).select_from(E).where(E.c.date > first)).scalar_one()
        everything = self._last_id(E)
        out: list[dict[int, int]] = [{} for _ in days]
        if later * 4 > everything:
            who = (E.c.customer_id + 0).label("customer_id")  # grouped in memory, not by walking an index
            sums = [func.sum(case((E.c.date <= day, E.c.delta), else_=0)) for day in days]
            for r in self.conn.execute(select(who, *sums).group_by(who)):
                for n in range(len(days)):
                    out[n][r[0]] = int(r[n + 1])
            return out
        now = {r[0]: int(r[1]) for r in self.conn.execute(select(CB.c.customer_id, CB.c.balance))}
        sums = [func.sum(case((E.c.date > day, E.c.delta), else_=0)) for day in days]
        who = (E.c.customer_id + 0).label("customer_id")  # the date index, not a walk of every customer's entries
        since = {r[0]: r[1:] for r in self.conn.execute(select(who, *sums).where(E.c.date > first).group_by(who))}
        for n in range(len(days)):
            out[n] = {cid: balance - int(since[cid][n]) if cid in since else balance for cid, balance in now.items()}
        return out

    def disputes_opened(self, start: dt.date, end: dt.date) -> list[Any]:
        q = select(DS).where(DS.c.opened_on >= start, DS.c.opened_on <= end)
        return self.conn.execute(q).all()

    def monthly_due(self, start: dt.date, end: dt.date, *, rep: str | None = None) -> dict[str, int]:
        """Σ item amounts by the month ("YYYY-MM") they fell due, for items due in [start, end]."""
        month = func.substr(cast(I.c.due_date, String), 1, 7)
        q = (
            select(month, func.sum(I.c.amount))
            .where(
                I.c.due_date >= start, I.c.due_date <= end, I.c.delivery_date <= end, ~_reversed_by(I.c.entry_id, end)
            )
            .group_by(month)
        )
        if rep is not None:
            q = q.where(I.c.customer_id.in_(select(C.c.id).where(C.c.rep == rep)))
        return {r[0]: int(r[1]) for r in self.conn.execute(q)}

    def monthly_entries(self, start: dt.date, end: dt.date, *, rep: str | None = None) -> dict[str, dict[str, int]]:
        """Σ amounts of deliveries, payments and write-offs dated in [start, end] and not voided by ``end``: kind →
        month ("YYYY-MM") → Σ. One pass over the period's entries in the date index's order, summed by day and
        added up by month here (grouped by a month string, SQLite sorts every entry first: 1 s a kind for a year
        of a million-delivery ledger, against 0.8 s for all three)."""
        kinds = ("delivery", "payment", "writeoff")
        q = (
            select(E.c.date, *(func.sum(case((E.c.kind == k, func.abs(E.c.delta)), else_=0)) for k in kinds))
            .where(E.c.date >= start, E.c.date <= end, ~_reversed_by(E.c.id, end))
            .group_by(E.c.date)
        )
        if rep is not None:
            q = q.where(E.c.customer_id.in_(select(C.c.id).where(C.c.rep == rep)))
        out: dict[str, dict[str, int]] = {k: {} for k in kinds}
        for r in self.conn.execute(q):
            month = f"{r[0].year:04d}-{r[0].month:02d}"
            for kind, amount in zip(kinds, r[1:], strict=True):
                if amount:
                    out[kind][month] = out[kind].get(month, 0) + int(amount)
        return out

    # -- collection plans ----------------------------------------------------------------------------------
    def set_plan(self, customer_id: int, month: str, amount: int, when: dt.datetime, actor: str | None) -> None:
        self.conn.execute(PL.delete().where(PL.c.customer_id == customer_id, PL.c.month == month))
        self.conn.execute(
            insert(PL).values(customer_id=customer_id, month=month, amount=amount, set_at=when, actor=actor)
        )

    def plans(self, month: str) -> dict[int, int]:
        q = select(PL.c.customer_id, PL.c.amount).where(PL.c.month == month)
        return {r[0]: int(r[1]) for r in self.conn.execute(q)}

    def open_promised(self, start: dt.date, end: dt.date, as_of: dt.date | None = None) -> list[Any]:
        """Promises not superseded whose date falls in [start, end] (the caller evaluates what is still owed); as
        they stood on a day, if given (made by then, not superseded by a promise made by then)."""
        q = select(P).where(P.c.by_date >= start, P.c.by_date <= end, ~_superseded(P, as_of))
        if as_of is not None:
            q = q.where(P.c.made_on <= as_of)
        return self.conn.execute(q).all()

    def open_due_between(self, as_of: dt.date, start: dt.date, end: dt.date) -> dict[int, int]:
        """Per customer, Σ open as of a day of items due in [start, end]."""
        it = self._open_as_of(as_of)
        q = (
            select(it.c.customer_id, func.sum(it.c.open))
            .where(it.c.due_date >= start, it.c.due_date <= end)
            .group_by(it.c.customer_id)
        )
        return {r[0]: int(r[1]) for r in self.conn.execute(q)}

    # -- export ----------------------------------------------------------------------------------------------
    #: Rows an export reads at a time: its memory stays the same whatever the ledger's size.
    EXPORT_PAGE = 5_000

    def export_sales(self) -> list[Any]:
        q = select(S, C.c.name.label("customer")).join(C, C.c.id == S.c.customer_id).order_by(S.c.date, S.c.id)
        return self.conn.execute(q).all()

    def export_entries(self, kind: str) -> Iterator[tuple[Any, list[tuple[str, int]]]]:
        """Entries of a kind that stand (not voided), oldest first, with the customer's name and the sale ref,
        each with what it stands applied to (a payment's or write-off's items: (item ref, net amount) in applied
        order). Streamed: a page of entries at a time, and the allocations of that page."""
        q = (
            select(
                E.c.id, E.c.ref, E.c.date, E.c.delta, E.c.terms, E.c.due, E.c.method, E.c.reason, E.c.note,
                C.c.name.label("customer"), S.c.ref.label("sale_ref"),
            )
            .join(C, C.c.id == E.c.customer_id)
            .outerjoin(S, S.c.id == E.c.sale_id)
            .where(E.c.kind == kind, ~_reversed_by(E.c.id, None))
            .order_by(E.c.date, E.c.id)
        )  # fmt: skip
        pages = self.conn.execution_options(yield_per=self.EXPORT_PAGE).execute(q).partitions()
        for page in pages:
            applied = self._applied_to([r.id for r in page]) if kind != "delivery" else {}
            for r in page:
                yield r, applied.get(r.id, [])

    def _applied_to(self, payment_ids: Sequence[int]) -> dict[int, list[tuple[str, int]]]:
        """Per payment or write-off: the items it stands applied to, with the net amount, in applied order."""
        q = (
            select(A.c.payment_id, I.c.ref, func.sum(A.c.amount).label("amount"), func.min(A.c.id).label("first"))
            .join(I, I.c.id == A.c.item_id)
            .where(self._among(A.c.payment_id, payment_ids))
            .group_by(A.c.payment_id, I.c.ref)
        )
        sub = q.subquery()
        out: dict[int, list[tuple[str, int]]] = {}
        for r in self.conn.execute(select(sub).where(sub.c.amount != 0).order_by(sub.c.payment_id, sub.c.first)):
            out.setdefault(r.payment_id, []).append((r.ref, int(r.amount)))
        return out

    # -- bulk posting (imports) ----------------------------------------------------------------------------
    def entries_by_refs(self, kind: str, refs: Sequence[str]) -> dict[str, Any]:
        if not refs:
            return {}
        q = select(E).where(E.c.kind == kind, self._among(E.c.ref, list(refs)))
        return {r.ref: r for r in self.conn.execute(q)}

    def item_refs_taken(self, refs: Sequence[str]) -> set[str]:
        if not refs:
            return set()
        return set(self.conn.execute(select(I.c.ref).where(self._among(I.c.ref, list(refs)))).scalars())

    def sales_by_refs(self, refs: Sequence[str]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for chunk in _chunks(list(refs)):
            out |= {r.ref: r for r in self.conn.execute(select(S).where(S.c.ref.in_(chunk)))}
        return out

    def customers_with_credit(self, customer_ids: Sequence[int]) -> set[int]:
        if not customer_ids:
            return set()
        q = select(OC.c.customer_id).where(self._among(OC.c.customer_id, list(customer_ids))).distinct()
        return set(self.conn.execute(q).scalars())

    # -- team mode -----------------------------------------------------------------------------------------
    def set_row_security(self, on: bool) -> None:
        """PostgreSQL: switch the policies of migration 0005 on or off (each rep sees only their customers)."""
        if self.conn.dialect.name != "postgresql":
            raise ArError(_("team.own_customers_only needs a PostgreSQL ledger (row-level security)"))
        verb = "ENABLE" if on else "DISABLE"
        for table in ROW_SECURED:
            self.conn.exec_driver_sql(f"ALTER TABLE {table} {verb} ROW LEVEL SECURITY")

    # -- audit trail (`ar history`) -----------------------------------------------------------------------
    def history(self, customer_id: int, limit: int | None = None) -> list[Any]:
        """Everything written about one customer, in the order it was written: (at, command, actor, what, ref,
        date, amount, note). Entries carry the command that wrote them; other records are named by theirs."""
        # constants go into the SQL typed, not as bound parameters: PostgreSQL deduces one type per column
        text_null, date_null, amount_null = cast(null(), String), cast(null(), Date), cast(null(), BigInteger)

        def lit(v: str) -> Any:
            return cast(literal_column("'" + v.replace("'", "''") + "'"), String)

        parts = [
            select(
                C.c.created_at.label("at"),
                lit("customer add").label("command"),
                text_null.label("actor"),
                lit("customer").label("what"),
                C.c.name.label("ref"),
                date_null.label("date"),
                amount_null.label("amount"),
                C.c.terms.label("note"),
            ).where(C.c.id == customer_id),
            select(S.c.created_at, S.c.command, S.c.actor, lit("sale"), S.c.ref, S.c.date, S.c.amount, S.c.note).where(
                S.c.customer_id == customer_id
            ),
            select(
                E.c.created_at,
                E.c.command,
                E.c.actor,
                E.c.kind,
                E.c.ref,
                E.c.date,
                E.c.delta,
                func.coalesce(E.c.reason, E.c.note),
            ).where(E.c.customer_id == customer_id),
            select(
                P.c.created_at,
                lit("promise add"),
                P.c.actor,
                lit("promise"),
                lit("#") + cast(P.c.id, String),
                P.c.by_date,
                P.c.amount,
                P.c.note,
            ).where(P.c.customer_id == customer_id),
            select(
                K.c.created_at, lit("log"), K.c.actor, lit("contact"), K.c.channel, K.c.date, amount_null, K.c.note
            ).where(K.c.customer_id == customer_id),
            select(
                DS.c.created_at,
                lit("dispute open"),
                DS.c.actor,
                lit("dispute"),
                DS.c.reason,
                DS.c.opened_on,
                DS.c.amount,
                func.coalesce(DS.c.resolution, DS.c.note),
            ).where(DS.c.customer_id == customer_id),
            select(
                H.c.created_at,
                lit("customer hold"),
                text_null,
                lit("hold"),
                text_null,
                H.c.since,
                amount_null,
                H.c.reason,
            ).where(H.c.customer_id == customer_id),
            select(
                PL.c.set_at, lit("plan set"), PL.c.actor, lit("plan"), PL.c.month, date_null, PL.c.amount, text_null
            ).where(PL.c.customer_id == customer_id),
        ]
        parts = [p.add_columns(literal_column(str(n)).label("part")) for n, p in enumerate(parts)]
        u = parts[0].union_all(*parts[1:]).subquery()
        keys = [u.c.at, u.c.date, u.c.part]
        q = select(u).order_by(*([k.desc() for k in keys] if limit else keys))
        if limit:
            q = q.limit(limit)
        rows = self.conn.execute(q).all()
        return rows[::-1] if limit else rows

    # -- integrity (`ar check`) ---------------------------------------------------------------------------
    def faults(self, progress: Steps | None = None) -> Iterator[Any]:
        """Every invariant's faults (``integrity.Fault``), checked on the posted rows (progress: see
        ``integrity.every_check``)."""
        from arcli.storage import integrity

        yield from integrity.every_check(self.conn, progress)

    def open_total_from_history(self, as_of: dt.date) -> int:
        from arcli.storage import integrity

        return integrity.open_total(self.conn, as_of)

    def row_counts(self) -> dict[str, int]:
        from arcli.storage import integrity

        return integrity.counts(self.conn)

    def insert_entries(self, rows: Sequence[dict[str, Any]]) -> list[int]:
        """Bulk: new entries (sealed here), their ids in order. Derived tables are the caller's to refresh.

        On SQLite the writer holds the database lock (BEGIN IMMEDIATE), so ids are assigned here and the rows go
        in with plain executemany; elsewhere the database returns them."""
        if not rows:
            return []
        self.promises_stale.update(
            e["customer_id"] for e in rows if e.get("kind") == "payment" or e.get("reverses_id") is not None
        )
        self._after.clear()
        if self.conn.dialect.name == "sqlite":
            first = self._last_id(E) + 1
            ids = list(range(first, first + len(rows)))
            self._insert_many(E, [dict(sealed("entry", e), id=i) for i, e in zip(ids, rows, strict=True)])
            if self._balances_by_hand:
                self._add_to_balances(ids[0], ids[-1])
            return ids
        return list(
            self.conn.execute(
                insert(E).returning(E.c.id, sort_by_parameter_order=True), [sealed("entry", e) for e in rows]
            )
            .scalars()
            .all()
        )

    def open_item_queues(self, customer_ids: Sequence[int]) -> dict[int, tuple[array, array, array]]:
        """For many customers, their open items now in :meth:`open_items`' order (oldest due first), compactly:
        customer id → (item ids, open fen, delivery dates as ordinals), for allocating a million payments."""
        out: dict[int, tuple[array, array, array]] = {}
        ids = sorted(set(customer_ids))
        days: dict[str, int] = {}
        rows: Any
        if self.conn.dialect.name == "sqlite":  # a million rows: the driver's tuples, each day's text read once
            rows = self.conn.connection.driver_connection.execute(  # this transaction's own connection
                "SELECT customer_id, item_id, open, delivery_date FROM open_item"
                " WHERE customer_id IN (SELECT value FROM json_each(?))"
                " ORDER BY customer_id, due_date, delivery_date, item_id",
                (json.dumps(ids),),
            )
        else:
            rows = self.conn.execute(
                select(O.c.customer_id, O.c.item_id, O.c.open, O.c.delivery_date)
                .where(self._among(O.c.customer_id, ids))
                .order_by(O.c.customer_id, O.c.due_date, O.c.delivery_date, O.c.item_id)
            )
        for cid, item_id, amount, delivered in rows:
            queue = out.get(cid)
            if queue is None:
                queue = out[cid] = (array("q"), array("q"), array("l"))
            queue[0].append(item_id)
            queue[1].append(int(amount))
            if isinstance(delivered, str):
                day = days.get(delivered)
                if day is None:
                    day = days[delivered] = dt.date.fromisoformat(delivered).toordinal()
                queue[2].append(day)
            else:
                queue[2].append(delivered.toordinal())
        return out

    def append_deliveries(
        self, rows: Sequence[NewDelivery], *, created_at: dt.datetime, command: str, actor: str | None
    ) -> None:
        """Bulk: new deliveries with their items and open items, all written at ``created_at`` by one command.
        For deliveries of customers without on-account credit (nothing to consume), refs checked by the caller.

        On SQLite the writer holds the database lock (BEGIN IMMEDIATE), so ids are assigned here, the seals made
        from one template per table, and the rows go to the driver as tuples (a million deliveries: the Python
        work per row is a few microseconds). Elsewhere the rows go through :meth:`insert_entries`."""
        if not rows:
            return
        stamp = dict(created_at=created_at, command=command, actor=actor)
        if self.conn.dialect.name != "sqlite":
            ids = self.insert_entries(
                [
                    dict(stamp, kind="delivery", ref=r.ref, customer_id=r.customer_id, date=r.date, delta=r.amount,
                         terms=r.terms, due=r.due, sale_id=None, note=r.note)
                    for r in rows
                ]
            )  # fmt: skip
            items = [
                sealed("item", dict(entry_id=entry_id, customer_id=r.customer_id, seq=n, ref=ref,
                                    delivery_date=r.date, due_date=due, amount=amount))
                for entry_id, r in zip(ids, rows, strict=True)
                for n, (ref, due, amount) in enumerate(r.items, start=1)
            ]  # fmt: skip
            item_ids = self.conn.execute(insert(I).returning(I.c.id, sort_by_parameter_order=True), items).scalars()
            self._open_new(list(item_ids), items)
            return
        self._after.clear()
        day = self._day_text
        when = _remembering(E.c.created_at.type, self.conn.dialect)(created_at)
        seal_entry = Sealing(
            "entry",
            tuple(dict(stamp, kind="delivery").items()),
            ("ref", "customer_id", "date", "delta", "terms", "due", "note"),
            (1, 2, 3, 4, 5, 6, 7),
        )
        seal_item = Sealing(
            "item", (), ("entry_id", "customer_id", "seq", "ref", "delivery_date", "due_date", "amount"),
            (1, 2, 3, 4, 5, 6, 7),
        )  # fmt: skip
        first = self._last_id(E) + 1
        item_id = first_item = self._last_id(I)
        entries, items = [], []
        for entry_id, (ref, cid, date, amount, terms, due, note, its) in enumerate(rows, start=first):
            on = day(date)
            due_text = day(due) if due is not None else None
            entries.append((entry_id, ref, cid, on, amount, terms, due_text, note, when, command, actor))
            for seq, (item_ref, item_due, item_amount) in enumerate(its, start=1):
                item_id += 1
                by = day(item_due)
                items.append((item_id, entry_id, cid, seq, item_ref, on, by, item_amount))
        if self._writer is not None:
            self._ids.update(entry=first + len(rows) - 1, item=item_id)
        run = self._run
        run(
            "INSERT INTO entry (id, kind, ref, customer_id, date, delta, terms, due, note, created_at, command, actor,"
            " seal) VALUES (?, 'delivery', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            seal_entry.apply(entries),  # sealed here even for a writer: it has the items' to do (balances the two)
        )
        run(
            "INSERT INTO item (id, entry_id, customer_id, seq, ref, delivery_date, due_date, amount, seal)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            items,
            seal_item,
        )
        # every new item is open in full: copied within SQLite (no tuple per row to build and bind)
        run(
            "INSERT INTO open_item (item_id, customer_id, due_date, delivery_date, open)"
            " SELECT id, customer_id, due_date, delivery_date, amount FROM item WHERE id > ? ORDER BY id",
            (first_item,),
        )
        if self._balances_by_hand:
            self._add_to_balances(first, first + len(rows) - 1)

    def append_payments(
        self, rows: Sequence[NewPayment], *, created_at: dt.datetime, command: str, actor: str | None
    ) -> Sequence[int]:
        """Bulk: new payments (entries only; the caller allocates them and refreshes what that changes); their
        ids in order. On SQLite written as tuples with templated seals, like :meth:`append_deliveries`."""
        if not rows:
            return []
        stamp = dict(created_at=created_at, command=command, actor=actor)
        if self.conn.dialect.name != "sqlite":
            return self.insert_entries(
                [
                    dict(stamp, kind="payment", ref=r.ref, customer_id=r.customer_id, date=r.date, delta=-r.amount,
                         method=r.method, apply_spec=None, note=r.note)
                    for r in rows
                ]
            )  # fmt: skip
        self._after.clear()
        self.promises_stale.update(r.customer_id for r in rows)
        day = self._day_text
        when = _remembering(E.c.created_at.type, self.conn.dialect)(created_at)
        seal_entry = Sealing(
            "entry",
            tuple(dict(stamp, kind="payment").items()),
            ("ref", "customer_id", "date", "delta", "method", "note"),
            (1, 2, 3, 4, 5, 6),
        )
        first = self._last_id(E) + 1
        entries = []
        for entry_id, (ref, cid, date, amount, method, note) in enumerate(rows, start=first):
            on = day(date)
            entries.append((entry_id, ref, cid, on, -amount, method, note, when, command, actor))
        if self._writer is not None:
            self._ids["entry"] = first + len(rows) - 1
        self._run(
            "INSERT INTO entry (id, kind, ref, customer_id, date, delta, method, note, created_at, command, actor,"
            " seal) VALUES (?, 'payment', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            seal_entry.apply(entries),  # sealed here even for a writer: it has the paid-off items to settle
        )
        if self._balances_by_hand:
            self._add_to_balances(first, first + len(rows) - 1)
        return range(first, first + len(rows))

    def append_allocations(self, rows: Sequence[tuple[int, int, int, dt.date]], *, created_at: dt.datetime) -> None:
        """Bulk: allocations (payment id, item id, amount, date) of new payments, nothing refreshed (see
        :meth:`settle_items`)."""
        if not rows:
            return
        if self.conn.dialect.name != "sqlite":
            self._insert_many(
                A,
                [
                    sealed("allocation", dict(payment_id=p, item_id=i, amount=a, date=d, created_at=created_at))
                    for p, i, a, d in rows
                ],
            )
            return
        day = self._day_text
        when = _remembering(A.c.created_at.type, self.conn.dialect)(created_at)
        seal = Sealing(
            "allocation", (("created_at", created_at),), ("payment_id", "item_id", "amount", "date"), (0, 1, 2, 3)
        )
        self._run(
            "INSERT INTO allocation (payment_id, item_id, amount, date, created_at, seal) VALUES (?, ?, ?, ?, ?, ?)",
            seal.apply([(p, i, a, day(d), when) for p, i, a, d in rows]),  # here, as the payments' entries
        )

    def settle_paid(self, paid_off: Sequence[int]) -> None:
        """After new payments' allocations (:meth:`append_allocations`): the items ``paid_off`` they paid in full
        (every allocation of theirs written) go to ``settled_item``, settled on the last day money was applied to
        them, from the allocations themselves, as :meth:`refresh_open` has it. On PostgreSQL they leave
        ``open_item`` at once; on SQLite at the next :meth:`settle_items`, all together (a million paid off by an
        import: see :meth:`_clear_open_items`), their ids kept in the temporary table ``temp.paid`` meanwhile.
        An import calls this every :data:`SETTLE_ROWS` items or so: planning for a writer (:meth:`plan_for`),
        the writer does it while the planner reads on."""
        if self._writer is not None:
            if paid_off:
                self._writer.call("settle_paid", paid_off)
            return
        if not paid_off:
            return
        ids = sorted(paid_off)  # B-trees written in key order: half the time of the allocations' order
        chunks: list[Any]
        if self.conn.dialect.name == "sqlite":
            run = self.conn.exec_driver_sql
            if not self._paid:
                run("CREATE TEMP TABLE IF NOT EXISTS ids (id INTEGER PRIMARY KEY)")
                run("CREATE TEMP TABLE IF NOT EXISTS paid (id INTEGER PRIMARY KEY)")
                run("DELETE FROM temp.paid")
            run("DELETE FROM temp.ids")
            self.conn.connection.driver_connection.executemany(  # this transaction's own connection
                "INSERT OR IGNORE INTO temp.ids (id) VALUES (?)", ((i,) for i in ids)
            )
            run("INSERT OR IGNORE INTO temp.paid (id) SELECT id FROM temp.ids")
            self._paid += len(ids)
            chunks = [select(literal_column("id")).select_from(text("temp.ids"))]
            among: Callable[[Any, Any], Any] = lambda column, ids: column.in_(ids)  # noqa: E731
        else:
            chunks, among = list(_chunks(ids)), self._among
        names = ["item_id", "customer_id", "due_date", "settled_on", "amount", "delivery_date", "days_late"]
        for chunk in chunks:
            last = (
                select(A.c.item_id, func.max(A.c.date).label("last"))
                .where(among(A.c.item_id, chunk), A.c.amount > 0)
                .group_by(A.c.item_id)
                .subquery()
            )
            q = select(
                I.c.id, I.c.customer_id, I.c.due_date, last.c.last, I.c.amount, I.c.delivery_date,
                _days_late(last.c.last, I.c.due_date),
            ).join(last, last.c.item_id == I.c.id)  # fmt: skip
            self.conn.execute(insert(SI).from_select(names, q))
            if self.conn.dialect.name != "sqlite":
                self.conn.execute(O.delete().where(among(O.c.item_id, chunk)))

    def settle_items(self, part_paid: dict[int, int]) -> None:
        """Bring ``open_item`` up to date with new payments' allocations: the items :meth:`settle_paid` settled
        leave it, and those paid in part (``part_paid``: item id → what it still owes) get what they still owe.
        The caller knows which are which from its own running figures; ``ar check`` compares both tables with
        the history."""
        if self._writer is not None:
            self._writer.call("settle_items", dict(part_paid))
            return
        if self._paid:
            cleared = self._clear_open_items(part_paid)
            if not cleared:
                self.conn.exec_driver_sql("DELETE FROM open_item WHERE item_id IN (SELECT id FROM temp.paid)")
            self.conn.exec_driver_sql("DELETE FROM temp.paid")
            self._paid = 0
            if cleared:
                return
        if part_paid:
            stmt = update(O).where(O.c.item_id == bindparam("i")).values(open=bindparam("v"))
            self.conn.execute(stmt, [dict(i=k, v=v) for k, v in sorted(part_paid.items())])

    def _clear_open_items(self, part_paid: dict[int, int]) -> bool:
        """On SQLite, when most open items were paid off (at least :attr:`SET_ASIDE_ROWS`: a large import of
        payments; their ids in ``temp.paid``): the open items left are read, the table dropped and made again
        from its own text (SQLite frees its pages instead of deleting row by row and index entry by index
        entry: 1M paid off, 2.1 s -> 0.7 s) and those left written back with what they still owe, then its
        indexes. True if done so."""
        paid_off = self._paid
        if self.conn.dialect.name != "sqlite" or paid_off < self.SET_ASIDE_ROWS:
            return False
        run = self.conn.exec_driver_sql
        if paid_off * 2 < run("SELECT count(*) FROM open_item").scalar_one():
            return False
        left = run(  # the ids paid off are in temp.paid (settle_paid)
            "SELECT item_id, customer_id, due_date, delivery_date, open FROM open_item"
            " WHERE item_id NOT IN (SELECT id FROM temp.paid)"
        ).all()
        schema = (
            run(
                "SELECT sql FROM sqlite_master WHERE tbl_name = 'open_item' AND sql IS NOT NULL"
                " ORDER BY type <> 'table', type, name"
            )
            .scalars()
            .all()
        )  # the table first, then its indexes (and triggers, should it ever have any)
        # DROP TABLE frees its pages; DELETE would visit every row (foreign keys on: no truncate)
        run("DROP TABLE open_item")
        run(schema[0])
        run(
            "INSERT INTO open_item (item_id, customer_id, due_date, delivery_date, open) VALUES (?, ?, ?, ?, ?)",
            [(i, c, due, on, part_paid.get(i, v)) for i, c, due, on, v in left],
        )
        for sql in schema[1:]:
            run(sql)
        return True

    def _day_text(self, day: dt.date) -> str:
        """A date as the date columns' bind processor writes it, converted once per distinct day for the whole
        transaction (see :func:`_remembering`)."""
        if self._days is None:
            self._days = _remembering(E.c.date.type, self.conn.dialect)
        return self._days(day)
