"""Write a large, deterministic ledger as arcli's canonical import files (and as a plain-text journal).

    python benchmarks/make_ledger.py DIR --deliveries 1000000 [--customers 20000] [--seed 7] [--today 2026-11-23]

Customers buy weekly-ish over three years on net 30 / eom 30 / cod / net 60; most pay each delivery in one
payment, some late, some a part and the rest later or never; recent deliveries are open. A fifth of the
customers made a promise in the last month. The same seed gives the same files, byte for byte.

DIR receives:
- ``customers.csv``, ``deliveries.csv``, ``payments.csv``, ``promises.csv``: the canonical import format
  (``ar import customers|deliveries|payments|promises FILE``), the rows in date order;
- ``journal.ledger``: the same deliveries and payments as a ledger-cli/hledger journal, one transaction each on
  ``assets:receivable:<code>``, for comparing ``ledger balance`` / ``hledger balance`` with ``ar balance``;
- ``expected.json``: what the ledger must show once imported (counts, totals, the open balance and one
  customer's balance), computed here independently of arcli; ``benchmarks/bench.py`` checks it.
"""

from __future__ import annotations

import argparse
import calendar
import csv
import datetime as dt
import heapq
import json
import random
import sys
from pathlib import Path

TERMS = ["net 30", "eom 30", "cod", "net 60"]


def due_date(terms: str, day: dt.date) -> dt.date:
    """The due date of a one-instalment delivery (the generator's own rule, not arcli's)."""
    if terms == "cod":
        return day
    if terms == "eom 30":
        month_end = day.replace(day=calendar.monthrange(day.year, day.month)[1])
        return month_end + dt.timedelta(days=30)
    return day + dt.timedelta(days=int(terms.split()[1]))


def fen(n: int) -> str:
    return f"{n // 100}.{n % 100:02d}"


def generate(out: Path, deliveries: int, customers: int, seed: int, today: dt.date) -> dict:
    rng = random.Random(seed)
    start = today - dt.timedelta(days=3 * 365)
    span = (today - start).days
    people = []
    for c in range(1, customers + 1):
        people.append((c, f"C{c:05d}", rng.choice(TERMS), rng.random()))  # quality < 0.1 poor, < 0.3 late
    sales: list[tuple[dt.date, str, str, int]] = []  # date, ref, code, fen
    pays: list[tuple[dt.date, str, str, int]] = []
    per = deliveries / customers
    # spread the requested number exactly: each customer a share around the mean, the remainder to the last
    shares = [max(1, int(rng.gauss(per, per / 4))) for _ in people]
    shares[-1] = max(1, shares[-1] + deliveries - sum(shares))
    n_del = n_pay = 0
    for (_c, code, terms, quality), n in zip(people, shares, strict=True):
        for _ in range(n):
            d = start + dt.timedelta(days=rng.randrange(span))
            amount = rng.randrange(50_00, 5_000_000)
            n_del += 1
            sales.append((d, f"D{n_del:08d}", code, amount))
            late = int(rng.expovariate(1 / (40 if quality < 0.1 else 15 if quality < 0.3 else 3)))
            paid_on = max(d, due_date(terms, d) + dt.timedelta(days=late - 5))
            if paid_on >= today:
                continue
            if quality < 0.1 and rng.random() < 0.4:  # poor payers pay half, and the rest later or never
                first = amount // 2
                n_pay += 1
                pays.append((paid_on, f"P{n_pay:08d}", code, first))
                rest = paid_on + dt.timedelta(days=int(rng.expovariate(1 / 60)))
                if rest < today and rng.random() < 0.5:
                    n_pay += 1
                    pays.append((rest, f"P{n_pay:08d}", code, amount - first))
            else:
                n_pay += 1
                pays.append((paid_on, f"P{n_pay:08d}", code, amount))
    sales.sort()
    pays.sort()
    out.mkdir(parents=True, exist_ok=True)
    with open(out / "customers.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["name", "code", "terms", "rep"])
        w.writerows((f"Customer {c:05d}", code, terms, f"rep{c % 12}") for c, code, terms, _ in people)
    terms_of = {code: terms for _, code, terms, _ in people}
    with open(out / "deliveries.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["ref", "customer", "date", "amount"])
        w.writerows((ref, code, d.isoformat(), fen(a)) for d, ref, code, a in sales)
    with open(out / "payments.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["ref", "customer", "date", "amount", "method"])
        w.writerows((ref, code, d.isoformat(), fen(a), "bank") for d, ref, code, a in pays)
    promises = []
    for _, code, _, _ in people:
        if rng.random() < 0.2:
            made = today - dt.timedelta(days=rng.randrange(1, 30))
            by = made + dt.timedelta(days=rng.randrange(1, 14))
            promises.append((code, rng.randrange(1000_00, 50_000_00), by, made))
    with open(out / "promises.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["customer", "amount", "by", "made"])
        w.writerows((code, fen(a), by.isoformat(), made.isoformat()) for code, a, by, made in promises)
    with open(out / "journal.ledger", "w", encoding="utf-8") as f:
        merged = heapq.merge(
            ((d, 0, ref, code, a) for d, ref, code, a in sales), ((d, 1, ref, code, a) for d, ref, code, a in pays)
        )
        for d, kind, ref, code, a in merged:
            sign = "" if kind == 0 else "-"
            other = "income:sales" if kind == 0 else "assets:bank"
            f.write(
                f"{d.isoformat()} {ref} {'delivery' if kind == 0 else 'payment'}\n"
                f"    assets:receivable:{code}  {sign}{fen(a)} CNY\n    {other}\n\n"
            )
    by_customer: dict[str, int] = {}
    for _, _, code, a in sales:
        by_customer[code] = by_customer.get(code, 0) + a
    for _, _, code, a in pays:
        by_customer[code] -= a
    probe = "C00042" if "C00042" in by_customer else people[0][1]
    expected = {
        "seed": seed,
        "today": today.isoformat(),
        "customers": customers,
        "deliveries": len(sales),
        "payments": len(pays),
        "promises": len(promises),
        "delivered": fen(sum(a for *_, a in sales)),
        "paid": fen(sum(a for *_, a in pays)),
        "open": fen(sum(by_customer.values())),
        "probe": probe,
        "probe_balance": fen(by_customer[probe]),
        "terms": terms_of[probe],
    }
    (out / "expected.json").write_text(json.dumps(expected, indent=2) + "\n", encoding="utf-8")
    return expected


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("out", type=Path, help="a directory for the files")
    ap.add_argument("--deliveries", type=int, default=100_000)
    ap.add_argument("--customers", type=int, default=None, help="default: one per 50 deliveries, 2,000 to 20,000")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--today", default="2026-11-23")
    a = ap.parse_args()
    customers = a.customers or min(20_000, max(2_000, a.deliveries // 50))
    if a.deliveries < customers:
        sys.exit("fewer deliveries than customers")
    e = generate(a.out, a.deliveries, customers, a.seed, dt.date.fromisoformat(a.today))
    print(
        f"{a.out}: {e['customers']} customers, {e['deliveries']} deliveries, {e['payments']} payments, "
        f"{e['promises']} promises; open {e['open']}"
    )


if __name__ == "__main__":
    main()
