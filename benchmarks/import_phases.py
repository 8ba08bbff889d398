"""Where `ar import` of deliveries and of payments spends its time, part by part (issue 6's import target).

    python benchmarks/import_phases.py --deliveries 1000000 [--work /tmp/arbench]

Uses (or writes, as ``bench.py`` does) the generator's files in ``--work``, makes a ledger with its customers
through ``ar init`` and ``ar import customers``, then imports the deliveries and the payments in this process,
as the command does, with every call into the storage layer timed. Printed for each import: each storage call's
count and seconds, and how many of those seconds SQLite took (the driver's calls, commit included); SQLite's
seconds by statement; and what is left, the importer's own Python (reading and validating each row, checking
it against the ledger's answers, allocating payments, building the driver's rows). The parts of one import add
up to its total; compare parts within a run, not seconds across runs (the machine is shared and noisy). A call
that reads through the driver's own connection (``open_item_queues``) shows its reading as its own seconds.

The ledger is checked with ``ar check`` at the end: timings of an import that wrote the wrong thing are worth
nothing.
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import os
import subprocess
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
AS_OF = dt.date(2026, 11, 23)


class Clock:
    """Seconds per storage call (its own, the calls it makes excluded) and SQLite's seconds under each."""

    def __init__(self) -> None:
        self.own: defaultdict[str, float] = defaultdict(float)
        self.sql: defaultdict[str, float] = defaultdict(float)
        self.calls: Counter[str] = Counter()
        self.statements: defaultdict[str, float] = defaultdict(float)
        self.stack: list[str] = []

    def call(self, name: str, f: Any) -> Any:
        @functools.wraps(f)
        def timed(*args: Any, **kw: Any) -> Any:
            outer = self.stack[-1] if self.stack else None
            self.stack.append(name)
            start = time.perf_counter()
            try:
                return f(*args, **kw)
            finally:
                took = time.perf_counter() - start
                self.stack.pop()
                self.calls[name] += 1
                self.own[name] += took
                if outer is not None:
                    self.own[outer] -= took  # a call's own time leaves out the calls it makes

        return timed

    def driver(self, f: Any, label: Any) -> Any:
        @functools.wraps(f)
        def timed(*args: Any, **kw: Any) -> Any:
            start = time.perf_counter()
            try:
                return f(*args, **kw)
            finally:
                took = time.perf_counter() - start
                self.sql[self.stack[-1] if self.stack else "(outside the storage calls)"] += took
                self.statements[label(*args, **kw)] += took

        return timed


def _words(statement: Any, n: int = 4) -> str:
    return " ".join(str(statement).split()[:n])


BATCH_HELPERS = ("_add_to_balances", "_set_aside", "_insert_many")


def instrument(clock: Clock) -> None:
    """Wrap the storage layer's transaction methods and the database calls under them."""
    from sqlalchemy.engine import Connection

    from arcli.storage.ledger import Tx

    for name, f in list(vars(Tx).items()):
        # the public calls and the batch-sized private ones (a wrapper on a per-row helper would cost more than it)
        if (not name.startswith("_") or name in BATCH_HELPERS) and callable(f) and not isinstance(f, type):
            setattr(Tx, name, clock.call(name, f))
    Connection.execute = clock.driver(Connection.execute, lambda _c, stmt, *a, **k: _words(stmt))
    Connection.exec_driver_sql = clock.driver(Connection.exec_driver_sql, lambda _c, stmt, *a, **k: _words(stmt))
    Connection._commit_impl = clock.driver(Connection._commit_impl, lambda *a, **k: "COMMIT")


def run_import(db: Path, kind: str, path: Path) -> None:
    from arcli.services.context import Context
    from arcli.services.importer import import_file

    clock = Clock()
    instrument(clock)
    ctx = Context.create(
        str(db), None, today=AS_OF, now=dt.datetime.now(dt.UTC), command=f"import {kind}", actor="benchmark"
    )
    start = time.perf_counter()
    result = import_file(ctx, kind, str(path))
    total = time.perf_counter() - start
    if result.errors or not result.added:
        sys.exit(f"the import of {kind} failed: {len(result.errors)} bad rows, {result.added} added")
    storage = sum(clock.own.values())
    sql = sum(clock.sql.values())
    print(f"\n## ar import {kind}: {result.read:,} rows in {total:.2f} s\n")
    print(f"{'storage call':<34}{'calls':>8}{'own s':>9}{'SQLite s':>10}")
    for name, own in sorted(clock.own.items(), key=lambda kv: -kv[1]):
        if own >= 0.005:
            print(f"{name:<34}{clock.calls[name]:>8}{own:>9.2f}{clock.sql.get(name, 0.0):>10.2f}")
    outside = clock.sql.get("(outside the storage calls)", 0.0)
    print(f"{'commit and what runs outside them':<34}{'':>8}{outside:>9.2f}{outside:>10.2f}")
    python = total - storage - outside
    print(f"{'the importer (Python)':<34}{'':>8}{python:>9.2f}{0:>10.2f}")
    print(f"{'total':<34}{'':>8}{total:>9.2f}{sql:>10.2f}")
    print(f"\nSQLite {sql:.2f} s, Python {total - sql:.2f} s; SQLite by statement:")
    for label, took in sorted(clock.statements.items(), key=lambda kv: -kv[1])[:12]:
        if took >= 0.005:
            print(f"  {took:7.2f}  {label}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--deliveries", type=int, default=100_000)
    ap.add_argument("--work", type=Path, default=Path("/tmp/arbench"))
    ap.add_argument("--in-process", nargs=2, metavar=("LEDGER", "KIND"), help=argparse.SUPPRESS)
    a = ap.parse_args()
    data = a.work / f"data-{a.deliveries}"
    if a.in_process:  # one import in a process of its own: each starts as the command would
        run_import(Path(a.in_process[0]), a.in_process[1], data / f"{a.in_process[1]}.csv")
        return
    py = sys.executable
    ar = str(Path(py).with_name("ar"))
    if not (data / "expected.json").exists():
        subprocess.run([py, str(HERE / "make_ledger.py"), str(data), "--deliveries", str(a.deliveries)], check=True)
    db = a.work / f"phases-{a.deliveries}.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    env = {**os.environ, "AR_DB": str(db), "AR_TODAY": AS_OF.isoformat(), "NO_COLOR": "1"}
    env.pop("AR_DATABASE_URL", None)
    for step in (["init"], ["import", "customers", str(data / "customers.csv")]):
        subprocess.run([ar, *step], env=env, check=True, capture_output=True)
    for kind in ("deliveries", "payments"):
        me = [py, str(Path(__file__).resolve()), "--deliveries", str(a.deliveries), "--work", str(a.work)]
        subprocess.run([*me, "--in-process", str(db), kind], env=env, check=True)
    r = subprocess.run([ar, "check"], env=env, capture_output=True, text=True)
    print(f"\nar check: {'ok' if r.returncode == 0 else 'FAILED'}")
    if r.returncode:
        sys.exit(r.stdout + r.stderr)


if __name__ == "__main__":
    main()
