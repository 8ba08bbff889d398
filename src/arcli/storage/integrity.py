"""The ledger's invariants, checked in SQL (`ar check`): each check yields faults, one line each.

Every check reads the posted rows themselves, never the figures kept current from them, so a fault in the
derived tables (``open_item``, ``settled_item``, ``open_credit``, ``settled_credit``, ``customer_balance``,
``promise_paid``) shows as a difference from the history. Only ``promise_paid`` is checked in Python: the money
counted towards promises is a sequential match (oldest promise first), not a sum.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any, NamedTuple

from sqlalchemy import Date, String, bindparam, func, select, text
from sqlalchemy.engine import Connection

from arcli.domain.money import format_amount
from arcli.i18n import N_, _
from arcli.storage.models import allocation, entry, item
from arcli.storage.seal import APPEND_ONLY, SEALED, seal, seal_of_stored

#: How many faults of one kind are listed before the rest are counted.
LIMIT = 20


@dataclass(frozen=True)
class Fault:
    check: str
    message: str


def _m(fen: Any) -> str:
    return format_amount(int(fen or 0))


# -- SQL shared by the checks (standard SQL: SQLite and PostgreSQL) ---------------------------------------------
_REVERSED = "SELECT reverses_id FROM entry WHERE reverses_id IS NOT NULL"
_PAID = (
    "SELECT item_id, SUM(amount) AS s, MAX(CASE WHEN amount > 0 THEN date END) AS last FROM allocation GROUP BY item_id"
)
_APPLIED = "SELECT payment_id, SUM(amount) AS s FROM allocation GROUP BY payment_id"
_OPEN_ITEMS = f"""
    SELECT i.id AS item_id, i.customer_id, i.due_date, i.delivery_date, i.amount - COALESCE(p.s, 0) AS open
    FROM item i LEFT JOIN ({_PAID}) p ON p.item_id = i.id
    WHERE i.entry_id NOT IN ({_REVERSED}) AND i.amount - COALESCE(p.s, 0) > 0"""
_SETTLED_ITEMS = f"""
    SELECT i.id AS item_id, i.customer_id, i.due_date, p.last AS settled_on, i.amount, i.delivery_date,
           {{days_late}} AS days_late
    FROM item i JOIN ({_PAID}) p ON p.item_id = i.id
    WHERE i.entry_id NOT IN ({_REVERSED}) AND i.amount - p.s <= 0"""
#: Days from the due date to the settling day, 0 if not late (the one expression that differs by engine).
_DAYS_LATE = {
    "sqlite": "MAX(0, CAST(julianday(p.last) - julianday(i.due_date) AS INTEGER))",
    "postgresql": "GREATEST(p.last - i.due_date, 0)",
}
_OPEN_CREDITS = f"""
    SELECT e.id AS payment_id, e.customer_id, e.date, -e.delta - COALESCE(a.s, 0) AS credit
    FROM entry e LEFT JOIN ({_APPLIED}) a ON a.payment_id = e.id
    WHERE e.kind = 'payment' AND e.id NOT IN ({_REVERSED}) AND -e.delta - COALESCE(a.s, 0) > 0"""
_SETTLED_CREDITS = f"""
    SELECT e.id AS payment_id, e.customer_id, e.date, a.last AS settled_on
    FROM entry e JOIN (SELECT payment_id, SUM(amount) AS s, MAX(date) AS last FROM allocation GROUP BY payment_id) a
         ON a.payment_id = e.id
    WHERE e.kind = 'payment' AND e.id NOT IN ({_REVERSED}) AND -e.delta - a.s <= 0 AND a.last > e.date"""


#: How far a check is (rows done, rows in all), for a progress bar: each check takes one, most say nothing.
Progress = Callable[[int, int], None]
#: How far `ar check` is, ``(done, total, what)``: a check starting (``what``: its name, translated; total 0) or the
#: rows a long one has read.
Steps = Callable[[int, int, str], None]


def quiet(done: int, total: int) -> None:
    """Progress nobody watches."""


#: Rows between two reports of a long check's progress.
EVERY = 50_000


def _rows(conn: Connection, sql: str, **params: Any) -> Iterator[Any]:
    yield from conn.execute(text(sql), params)


def _listed(check: str, rows: Iterator[Any], say: Callable[[Any], str]) -> Iterator[Fault]:
    n = 0
    for r in rows:
        n += 1
        if n <= LIMIT:
            yield Fault(check, say(r))
    if n > LIMIT:
        yield Fault(check, _("… and {value:,} more of the same kind").format(value=n - LIMIT))


def database(conn: Connection, progress: Progress = quiet) -> Iterator[Fault]:
    """The database's own checks: page structure and foreign keys (SQLite; PostgreSQL enforces both itself)."""
    if conn.dialect.name != "sqlite":
        return
    for (line,) in conn.exec_driver_sql("PRAGMA integrity_check").all():
        if line != "ok":
            yield Fault("integrity", _("SQLite integrity_check: {line}").format(line=line))
    yield from _listed(
        "foreign-key",
        iter(conn.exec_driver_sql("PRAGMA foreign_key_check").all()),
        lambda r: _("{value} row {value2} points to a missing {value3} row").format(
            value=r[0], value2=r[1], value3=r[2]
        ),
    )


def guards(conn: Connection, progress: Progress = quiet) -> Iterator[Fault]:
    """The triggers that make posted tables append-only are all in place."""
    if conn.dialect.name == "sqlite":
        have = {r[0] for r in _rows(conn, "SELECT name FROM sqlite_master WHERE type = 'trigger'")}
        want = {f"{t}_no_{w}" for t in APPEND_ONLY for w in ("update", "delete")}
    elif conn.dialect.name == "postgresql":
        have = {r[0] for r in _rows(conn, "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal")}
        want = {f"{t}_{w}" for t in APPEND_ONLY for w in ("append_only", "no_truncate")}
    else:
        return
    for name in sorted(want - have):
        yield Fault("audit", _("the guard trigger {name} is missing: posted rows could be changed").format(name=name))
    if "entry_balance" not in have:
        yield Fault(
            "derived",
            _("the trigger entry_balance is missing: customer_balance no longer follows new entries"),
        )


class _Stored(NamedTuple):
    id: int
    seal: int | None
    label: str


def _counted(rows: Iterable[Any], at: Callable[[int], None]) -> Iterator[Any]:
    """The rows, saying how many have gone by every :data:`EVERY`."""
    for n, r in enumerate(rows, start=1):
        yield r
        if n % EVERY == 0:
            at(n)


def _stored_seals(conn: Connection, what: str, at: Callable[[int], None]) -> Iterator[_Stored]:
    """SQLite: the rows whose seal does not match their columns as stored (the canonical text :func:`seal`
    digests: no conversion to dates and timestamps and back, 4 million rows of a million-delivery ledger)."""
    cols = SEALED[what]
    label = (cols.index("payment_id"), cols.index("item_id")) if what == "allocation" else (cols.index("ref"),)
    rows = conn.connection.driver_connection.execute(  # this transaction's own connection
        f"SELECT id, seal, {', '.join(cols)} FROM {what} ORDER BY id"
    )
    for r in _counted(rows, at):
        if r[1] is None or r[1] != seal_of_stored(r[2:]):
            yield _Stored(r[0], r[1], "→".join(str(r[2 + n]) for n in label))


def seals(conn: Connection, progress: Progress = quiet) -> Iterator[Fault]:
    """Every posted row still has the content it was sealed with (progress: rows of the three tables read)."""
    tables = ((entry, "entry"), (item, "item"), (allocation, "allocation"))
    sizes = [int(conn.execute(select(func.count()).select_from(t)).scalar_one()) for t, _what in tables]
    total = sum(sizes)
    progress(0, total)
    for n, (t, what) in enumerate(tables):
        before = sum(sizes[:n])

        def at(done: int, before: int = before) -> None:
            progress(before + done, total)

        bad: Iterator[Any]
        if conn.dialect.name == "sqlite":
            bad = _stored_seals(conn, what, at)
        else:
            label = t.c.ref if what != "allocation" else (t.c.payment_id.cast(String) + "→" + t.c.item_id.cast(String))
            cols = [t.c[c] for c in SEALED[what]]
            q = select(t.c.id, t.c.seal, label.label("label"), *cols).order_by(t.c.id)
            rows = _counted(conn.execution_options(yield_per=20_000).execute(q), at)
            bad = (r for r in rows if r.seal is None or r.seal != seal(what, r._mapping))
        yield from _listed(
            "audit",
            bad,
            lambda r, what=what: (
                _("{what} {id} ({label}) has no seal: it was not written by arcli").format(
                    what=what, id=r.id, label=r.label
                )
                if r.seal is None
                else _("{what} {id} ({label}) was changed after it was posted (its seal does not match)").format(
                    what=what, id=r.id, label=r.label
                )
            ),
        )
    progress(total, total)


def allocations(conn: Connection, progress: Progress = quiet) -> Iterator[Fault]:
    """Allocations point at a payment or write-off and an item of the same customer, within both amounts."""
    yield from _listed(
        "allocation",
        _rows(
            conn,
            """SELECT a.id, a.payment_id, a.item_id, p.kind, p.id AS pid, i.id AS iid FROM allocation a
               LEFT JOIN entry p ON p.id = a.payment_id LEFT JOIN item i ON i.id = a.item_id
               WHERE p.id IS NULL OR i.id IS NULL OR p.kind NOT IN ('payment', 'writeoff')
                  OR p.customer_id <> i.customer_id
               ORDER BY a.id""",
        ),
        lambda r: (
            _("allocation {id} is orphaned: ").format(id=r.id)
            + (
                _("its payment {payment_id} does not exist").format(payment_id=r.payment_id)
                if r.pid is None
                else _("its item {item_id} does not exist").format(item_id=r.item_id)
                if r.iid is None
                else _("entry {payment_id} is a {kind}, not a payment").format(payment_id=r.payment_id, kind=r.kind)
                if r.kind not in ("payment", "writeoff")
                else _("payment {payment_id} and item {item_id} belong to different customers").format(
                    payment_id=r.payment_id, item_id=r.item_id
                )
            )
        ),
    )
    yield from _listed(
        "allocation",
        _rows(
            conn,
            f"""SELECT i.id, i.ref, i.amount, p.s FROM item i JOIN ({_PAID}) p ON p.item_id = i.id
                WHERE p.s > i.amount OR p.s < 0 ORDER BY i.id""",
        ),
        lambda r: _("item {ref} is over-allocated: {s} applied to an item of {amount}").format(
            ref=r.ref, s=_m(r.s), amount=_m(r.amount)
        ),
    )
    yield from _listed(
        "allocation",
        _rows(
            conn,
            f"""SELECT e.id, e.kind, e.ref, -e.delta AS amount, a.s FROM entry e
                JOIN ({_APPLIED}) a ON a.payment_id = e.id
                WHERE e.kind IN ('payment', 'writeoff') AND (a.s > -e.delta OR a.s < 0) ORDER BY e.id""",
        ),
        lambda r: _("{kind} {ref} is over-allocated: {s} applied from {amount}").format(
            kind=r.kind, ref=r.ref, s=_m(r.s), amount=_m(r.amount)
        ),
    )
    # history as of any day: the money standing applied by each day never exceeds the item or the payment
    for side, key, amount, what in (
        ("item", "item_id", "i.amount", "item {ref}"),
        ("payment", "payment_id", "-i.delta", "{kind} {ref}"),
    ):
        table = "item" if side == "item" else "entry"
        kind = "'item'" if side == "item" else "i.kind"
        yield from _listed(
            "allocation",
            _rows(
                conn,
                f"""SELECT i.ref, {kind} AS kind, {amount} AS amount, MIN(h.date) AS day, MAX(h.s) AS s
                    FROM {table} i JOIN (
                        SELECT {key} AS owner, date,
                               SUM(SUM(amount)) OVER (PARTITION BY {key} ORDER BY date) AS s
                        FROM allocation GROUP BY {key}, date
                    ) h ON h.owner = i.id
                    WHERE h.s > {amount} GROUP BY i.id ORDER BY i.id""",
            ),
            lambda r, what=what: _(
                "{value} has {s} applied as of {day}, more than its {amount}: that day's history counts a payment twice"
            ).format(value=what.format(ref=r.ref, kind=r.kind), s=_m(r.s), day=r.day, amount=_m(r.amount)),
        )
    yield from _listed(
        "allocation",
        _rows(
            conn,
            f"""SELECT e.ref, -e.delta AS amount, COALESCE(a.s, 0) AS s FROM entry e
                LEFT JOIN ({_APPLIED}) a ON a.payment_id = e.id
                WHERE e.kind = 'writeoff' AND e.id NOT IN ({_REVERSED}) AND COALESCE(a.s, 0) <> -e.delta
                ORDER BY e.id""",
        ),
        lambda r: _("write-off {ref} of {amount} is applied to {s} of items (it must apply all of it)").format(
            ref=r.ref, amount=_m(r.amount), s=_m(r.s)
        ),
    )


def entries(conn: Connection, progress: Progress = quiet) -> Iterator[Fault]:
    """Deliveries equal the sum of their items; reversals undo exactly one entry and all it allocated."""
    yield from _listed(
        "entry",
        _rows(
            conn,
            """SELECT e.id, e.ref, e.delta, COALESCE(SUM(i.amount), 0) AS items FROM entry e
               LEFT JOIN item i ON i.entry_id = e.id WHERE e.kind = 'delivery'
               GROUP BY e.id, e.ref, e.delta HAVING COALESCE(SUM(i.amount), 0) <> e.delta ORDER BY e.id""",
        ),
        lambda r: _("delivery {ref} is {delta} but its items add up to {items}").format(
            ref=r.ref, delta=_m(r.delta), items=_m(r.items)
        ),
    )
    yield from _listed(
        "entry",
        _rows(
            conn,
            """SELECT i.id, i.ref, e.kind FROM item i JOIN entry e ON e.id = i.entry_id
               WHERE e.kind <> 'delivery' OR e.customer_id <> i.customer_id ORDER BY i.id""",
        ),
        lambda r: _("item {ref} hangs on a {kind} or on another customer's delivery").format(ref=r.ref, kind=r.kind),
    )
    yield from _listed(
        "reversal",
        _rows(
            conn,
            """SELECT r.id, r.ref, r.delta, o.id AS oid, o.kind, o.delta AS odelta FROM entry r
               LEFT JOIN entry o ON o.id = r.reverses_id
               WHERE r.kind = 'reversal' AND (o.id IS NULL OR o.kind = 'reversal' OR r.delta + o.delta <> 0
                                              OR r.customer_id <> o.customer_id)
               ORDER BY r.id""",
        ),
        lambda r: (
            _("reversal {ref!r} reverses nothing").format(ref=r.ref)
            if r.oid is None
            else _("reversal {ref!r} of {delta} does not net the {kind} it reverses ({odelta}) to zero").format(
                ref=r.ref, delta=_m(r.delta), kind=r.kind, odelta=_m(r.odelta)
            )
        ),
    )
    yield from _listed(
        "reversal",
        _rows(
            conn,
            f"""SELECT o.kind, o.ref, SUM(a.amount) AS s FROM entry o
                JOIN item i ON i.entry_id = o.id JOIN allocation a ON a.item_id = i.id
                WHERE o.id IN ({_REVERSED}) GROUP BY o.id, o.kind, o.ref HAVING SUM(a.amount) <> 0
                UNION ALL
                SELECT o.kind, o.ref, SUM(a.amount) AS s FROM entry o JOIN allocation a ON a.payment_id = o.id
                WHERE o.id IN ({_REVERSED}) GROUP BY o.id, o.kind, o.ref HAVING SUM(a.amount) <> 0""",
        ),
        lambda r: _("{kind} {ref} is voided but {s} of its allocations still stand").format(
            kind=r.kind, ref=r.ref, s=_m(r.s)
        ),
    )


def balances(conn: Connection, progress: Progress = quiet) -> Iterator[Fault]:
    """Per customer: Σ entries (deliveries − payments − write-offs ± reversals) = what items owe − unapplied money."""
    yield from _listed(
        "balance",
        _rows(
            conn,
            f"""SELECT c.name, COALESCE(b.v, 0) AS bal, COALESCE(o.v, 0) AS owed, COALESCE(k.v, 0) AS credit
                FROM customer c
                LEFT JOIN (SELECT customer_id, SUM(delta) AS v FROM entry GROUP BY customer_id) b
                       ON b.customer_id = c.id
                LEFT JOIN (SELECT i.customer_id, SUM(i.amount - COALESCE(p.s, 0)) AS v
                           FROM item i LEFT JOIN ({_PAID}) p ON p.item_id = i.id
                           WHERE i.entry_id NOT IN ({_REVERSED}) GROUP BY i.customer_id) o ON o.customer_id = c.id
                LEFT JOIN (SELECT e.customer_id, SUM(-e.delta - COALESCE(a.s, 0)) AS v
                           FROM entry e LEFT JOIN ({_APPLIED}) a ON a.payment_id = e.id
                           WHERE e.kind IN ('payment', 'writeoff') AND e.id NOT IN ({_REVERSED})
                           GROUP BY e.customer_id) k ON k.customer_id = c.id
                WHERE COALESCE(b.v, 0) <> COALESCE(o.v, 0) - COALESCE(k.v, 0)
                ORDER BY c.name""",
        ),
        lambda r: _(
            "{name}: the entries give a balance of {bal}, the items and payments {owed} − {credit} = {value}"
        ).format(
            name=r.name, bal=_m(r.bal), owed=_m(r.owed), credit=_m(r.credit), value=_m(int(r.owed) - int(r.credit))
        ),
    )


def derived(conn: Connection, progress: Progress = quiet) -> Iterator[Fault]:
    """The tables kept current equal what the full history gives, row for row."""
    for table, key, expected in (
        ("open_item", "item_id", _OPEN_ITEMS),
        ("settled_item", "item_id", _SETTLED_ITEMS.format(days_late=_DAYS_LATE[conn.dialect.name])),
        ("open_credit", "payment_id", _OPEN_CREDITS),
        ("settled_credit", "payment_id", _SETTLED_CREDITS),
        (
            "customer_balance",
            "customer_id",
            "SELECT customer_id, SUM(delta) AS balance FROM entry GROUP BY customer_id",
        ),
    ):
        cols = {
            "open_item": "item_id, customer_id, due_date, delivery_date, open",
            "settled_item": "item_id, customer_id, due_date, settled_on, amount, delivery_date, days_late",
            "open_credit": "payment_id, customer_id, date, credit",
            "settled_credit": "payment_id, customer_id, date, settled_on",
            "customer_balance": "customer_id, balance",
        }[table]
        diff = f"""SELECT {key} FROM (SELECT {cols} FROM {table} EXCEPT SELECT {cols} FROM ({expected}) x) d
                   UNION SELECT {key} FROM (SELECT {cols} FROM ({expected}) y EXCEPT SELECT {cols} FROM {table}) e
                   ORDER BY 1"""
        yield from _listed(
            "derived",
            _rows(conn, diff),
            lambda r, table=table, key=key: _("{table} for {key} {value} differs from what the history gives").format(
                table=table, key=key, value=r[0]
            ),
        )


def promises(conn: Connection, progress: Progress = quiet) -> Iterator[Fault]:
    """``promise_paid`` equals the money the matching rule counts towards each promise from the posted payments
    (the rule is a sequential match, not a sum, so it runs here in Python over the customers with promises)."""
    import datetime as dt

    from arcli.domain.collections import Promise, paid_towards

    def day(v: Any) -> dt.date:
        return v if isinstance(v, dt.date) else dt.date.fromisoformat(str(v)[:10])

    by_customer: dict[int, list[Promise]] = {}
    for r in _rows(
        conn,
        """SELECT p.id, p.customer_id, p.made_on, p.by_date, p.amount, p.grace_days,
                  EXISTS (SELECT 1 FROM promise n WHERE n.supersedes_id = p.id) AS superseded
           FROM promise p ORDER BY p.id""",
    ):
        by_customer.setdefault(r.customer_id, []).append(
            Promise(r.id, day(r.made_on), day(r.by_date), int(r.amount), int(r.grace_days), bool(r.superseded))
        )
    payments: dict[int, list[tuple[dt.date, int]]] = {cid: [] for cid in by_customer}
    for r in _rows(
        conn,
        f"""SELECT customer_id, date, -delta AS amount FROM entry
            WHERE kind = 'payment' AND id NOT IN ({_REVERSED})
              AND customer_id IN (SELECT customer_id FROM promise)""",
    ):
        payments[r.customer_id].append((day(r.date), int(r.amount)))
    expected = {
        (pid, cid, paid) for cid, ps in by_customer.items() for pid, paid in paid_towards(ps, payments[cid]).items()
    }
    kept = {(r[0], r[1], int(r[2])) for r in _rows(conn, "SELECT promise_id, customer_id, paid FROM promise_paid")}
    yield from _listed(
        "derived",
        iter(sorted({r[0] for r in expected ^ kept})),
        lambda pid: _("{table} for {key} {value} differs from what the history gives").format(
            table="promise_paid", key="promise_id", value=pid
        ),
    )


def open_total(conn: Connection, as_of: Any) -> int:
    """Σ open on items as of a day, from the history (allocations and voids dated up to that day)."""
    sql = """SELECT COALESCE(SUM(open), 0) FROM (
                 SELECT i.amount - COALESCE((SELECT SUM(a.amount) FROM allocation a
                                             WHERE a.item_id = i.id AND a.date <= :d), 0) AS open
                 FROM item i
                 WHERE i.delivery_date <= :d
                   AND NOT EXISTS (SELECT 1 FROM entry r WHERE r.reverses_id = i.entry_id AND r.date <= :d)) t
             WHERE open > 0"""
    return int(conn.execute(text(sql).bindparams(bindparam("d", type_=Date)), {"d": as_of}).scalar_one())


#: Every check, with what a progress bar says while it runs.
CHECKS: tuple[tuple[str, Callable[[Connection, Progress], Iterator[Fault]]], ...] = (
    (N_("the database's pages and foreign keys"), database),
    (N_("the guard triggers"), guards),
    (N_("the seals of posted rows"), seals),
    (N_("allocations"), allocations),
    (N_("deliveries, items and voids"), entries),
    (N_("balances"), balances),
    (N_("figures kept current"), derived),
    (N_("promises kept current"), promises),
)


def every_check(conn: Connection, progress: Steps | None = None) -> Iterator[Fault]:
    """The faults of every check in turn; ``progress(done, total, what)`` hears of each check as it starts (what:
    its name, translated) and of the rows a long one has read (total 0: not known)."""
    for what, check in CHECKS:
        if progress is None:
            yield from check(conn, quiet)
            continue
        label = _(what)
        progress(0, 0, label)
        yield from check(conn, lambda done, total, label=label: progress(done, total, label))


def counts(conn: Connection) -> dict[str, int]:
    return {
        t: int(conn.execute(text(f"SELECT COUNT(*) FROM {t}")).scalar_one())
        for t in ("customer", "entry", "item", "allocation")
    }
