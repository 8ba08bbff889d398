"""Monthly collection plans per customer, and the gap between the plan and what is realistically coming."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from arcli.domain import collections as rules
from arcli.services.collections import load_policy
from arcli.services.context import Context, unit_of_work
from arcli.services.kpis import month_range
from arcli.services.lookup import resolve
from arcli.storage import promise_of


def set_plan(ctx: Context, customer_key: str, amount: int, month: str) -> tuple[str, str]:
    month_range(month)  # validates YYYY-MM
    with unit_of_work(ctx, write=True) as tx:
        customer = resolve(tx, customer_key)
        tx.set_plan(customer.id, month, amount, ctx.now, ctx.actor)
        return customer.name, month


@dataclass
class PlanReport:
    month: str
    as_of: dt.date
    rows: list[dict[str, Any]]  # customer, rep, plan, collected, promised, falling_due, coming, gap
    reps: list[dict[str, Any]]  # the same sums per rep
    totals: dict[str, Any]


KEYS = ("plan", "collected", "promised", "falling_due", "coming", "gap")


def plan_report(ctx: Context, month: str, *, rep: str | None = None) -> PlanReport:
    """Per customer: the plan, collected so far this month, what is realistically still coming this month —
    the larger of what open promises still owe by month end and what falls due by then (they usually cover the
    same items, so they are not added) — and the gap = plan − collected − coming, the part to work on."""
    first, last = month_range(month)
    as_of = min(ctx.today, last)
    window = max(ctx.today, first)
    with unit_of_work(ctx, write=False) as tx:
        customers = {c.id: c for c in tx.list_customers(rep=rep)}
        plans = tx.plans(month)
        collected = tx.entry_sums("payment", first, as_of) if as_of >= first else {}
        falling = tx.open_due_between(as_of, window, last) if window <= last else {}
        promised_rows = tx.open_promised(window, last, as_of) if window <= last else []
        ids = {r.customer_id for r in promised_rows}
        rows_by: dict[int, list[Any]] = {}
        for r in tx.promises(as_of=as_of):  # as they stood that day
            if r.customer_id in ids:
                rows_by.setdefault(r.customer_id, []).append(r)
        paid_by: dict[int, list[tuple[dt.date, int]]] = {}
        if ids:
            for cid, d, amount in tx.payments_for(dt.date.min, as_of, sorted(ids)):
                paid_by.setdefault(cid, []).append((d, amount))
        policy = load_policy(tx)
    promised: dict[int, int] = {}
    in_window = {r.id for r in promised_rows}
    for cid, rows in rows_by.items():
        outcomes = rules.evaluate_promises([promise_of(r) for r in rows], paid_by.get(cid, []), as_of, policy.threshold)
        promised[cid] = sum(
            o.promise.amount - o.paid for o in outcomes if o.promise.id in in_window and o.status == "open"
        )
    out = []
    for cid in sorted(set(plans) | set(collected) | set(promised) | set(falling)):
        c = customers.get(cid)
        if c is None:
            continue  # another rep's customer
        row = {
            "customer": c.name,
            "rep": c.rep or "(no rep)",
            "plan": plans.get(cid, 0),
            "collected": collected.get(cid, 0),
            "promised": promised.get(cid, 0),
            "falling_due": falling.get(cid, 0),
        }
        row["coming"] = max(row["promised"], row["falling_due"])
        row["gap"] = row["plan"] - row["collected"] - row["coming"]
        out.append(row)
    out.sort(key=lambda r: (-r["gap"], r["customer"]))
    reps: dict[str, dict[str, Any]] = {}
    for r in out:
        g = reps.setdefault(r["rep"], {"rep": r["rep"], **dict.fromkeys(KEYS, 0)})
        for k in KEYS:
            g[k] += r[k]
    totals = {k: sum(r[k] for r in out) for k in KEYS}
    return PlanReport(month, as_of, out, sorted(reps.values(), key=lambda g: g["rep"]), totals)
