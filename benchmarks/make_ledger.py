"""Build a large, deterministic sample ledger for benchmarks.

    python benchmarks/make_ledger.py OUT.db --deliveries 100000 --customers 2000 [--seed 7] [--today 2026-11-23]

Customers buy weekly-ish over three years on net 30 / eom 30 / cod; most pay each delivery in one payment,
some late, some in parts; recent deliveries are open. Recent promises and contacts are added for a fifth of the
customers. Rows are written in bulk with SQLite directly (posting a million deliveries one command at a time is
what `ar import`, issue 5, is for) into a schema at revision 0002; `ar init` then upgrades it, so the derived
tables (open items, settled items, open credit) are built by arcli's own migration.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import sqlite3
import subprocess
import sys
from pathlib import Path

from arcli.domain.terms import parse_terms
from arcli.storage.engine import migrate, open_engine

TERMS = ["net 30", "eom 30", "cod", "net 60"]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("out", type=Path)
    ap.add_argument("--deliveries", type=int, default=100_000)
    ap.add_argument("--customers", type=int, default=2_000)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--today", default="2026-11-23")
    a = ap.parse_args()
    if a.out.exists():
        sys.exit(f"{a.out} exists")
    ar = Path(sys.executable).with_name("ar")
    engine = open_engine(f"sqlite:///{a.out.absolute()}", create=True)
    migrate(engine, "0002")
    engine.dispose()
    rng = random.Random(a.seed)
    today = dt.date.fromisoformat(a.today)
    start = today - dt.timedelta(days=3 * 365)
    now = dt.datetime(2026, 11, 23, 8, 0, tzinfo=dt.UTC).isoformat()
    con = sqlite3.connect(a.out)
    con.execute("PRAGMA synchronous = OFF")
    customers = []
    for c in range(1, a.customers + 1):
        terms = rng.choice(TERMS)
        quality = rng.random()  # < 0.1: poor payer, < 0.3: late payer
        customers.append((c, terms, quality))
    con.executemany(
        "insert into customer (id, name, code, terms, rep, created_at) values (?, ?, ?, ?, ?, ?)",
        [(c, f"Customer {c:05d}", f"C{c:05d}", t, f"rep{c % 12}", now) for c, t, _ in customers],
    )
    entries, items, allocs = [], [], []
    eid = iid = 0
    per = a.deliveries / a.customers
    for c, terms, quality in customers:
        n = max(1, int(rng.gauss(per, per / 4)))
        rule = parse_terms(terms)
        for _ in range(n):
            d = start + dt.timedelta(days=rng.randrange(0, (today - start).days))
            amount = rng.randrange(50_00, 5_000_000)
            eid += 1
            iid += 1
            ref = f"D{eid:08d}"
            due = rule.schedule(d, amount)[0][0]
            entries.append((eid, "delivery", ref, c, d.isoformat(), amount, terms, None, None, None, now, "bench"))
            items.append((iid, eid, c, 1, ref, d.isoformat(), due.isoformat(), amount))
            late = int(rng.expovariate(1 / (40 if quality < 0.1 else 15 if quality < 0.3 else 3)))
            paid_on = max(d, due + dt.timedelta(days=late - 5))
            if paid_on >= today:
                continue
            pay = amount if quality >= 0.1 or rng.random() < 0.6 else amount // 2
            eid += 1
            entries.append(
                (eid, "payment", f"P{eid:08d}", c, paid_on.isoformat(), -pay, None, "bank", None, None, now, "bench")
            )
            allocs.append((eid, iid, pay, paid_on.isoformat(), now))
    con.executemany(
        "insert into entry (id, kind, ref, customer_id, date, delta, terms, method, reverses_id, reason, created_at,"
        " command) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        entries,
    )
    con.executemany(
        "insert into item (id, entry_id, customer_id, seq, ref, delivery_date, due_date, amount)"
        " values (?, ?, ?, ?, ?, ?, ?, ?)",
        items,
    )
    con.executemany(
        "insert into allocation (payment_id, item_id, amount, date, created_at) values (?, ?, ?, ?, ?)", allocs
    )
    promises, contacts = [], []
    for c, _, _quality in customers:
        if rng.random() < 0.2:
            made = today - dt.timedelta(days=rng.randrange(1, 30))
            by = made + dt.timedelta(days=rng.randrange(1, 14))
            promises.append((c, rng.randrange(1000_00, 50_000_00), by.isoformat(), made.isoformat(), now))
            contacts.append((c, made.isoformat(), "call", now))
    con.executemany(
        "insert into promise (customer_id, amount, by_date, grace_days, made_on, created_at) values (?, ?, ?, 0, ?, ?)",
        promises,
    )
    con.executemany("insert into contact (customer_id, date, channel, created_at) values (?, ?, ?, ?)", contacts)
    con.commit()
    con.close()
    subprocess.run([str(ar), "--db", str(a.out), "init"], check=True, capture_output=True)
    con = sqlite3.connect(a.out)
    con.execute("ANALYZE")
    con.close()
    print(
        f"{a.out}: {a.customers} customers, {len(items)} deliveries, {len(allocs)} payments, {len(promises)} promises"
    )


if __name__ == "__main__":
    main()
