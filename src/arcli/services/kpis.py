"""`ar report collections`: how much of what fell due was collected, DSO, CEI, promises kept, excuses."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from dateutil.relativedelta import relativedelta

from arcli.domain import collections as rules
from arcli.domain import kpi
from arcli.domain.errors import InputError
from arcli.domain.money import format_amount
from arcli.i18n import _, money
from arcli.services.collections import load_policy
from arcli.services.context import Context, unit_of_work
from arcli.storage import promise_of


@dataclass(frozen=True)
class Figure:
    key: str
    label: str
    value: Any  # fen (int) for money, Decimal for rates and days, None when undefined
    unit: str  # money | pct | days | count
    formula: str = ""


@dataclass
class CollectionsReport:
    start: dt.date
    end: dt.date
    figures: list[Figure]
    rows: list[dict[str, Any]] = field(default_factory=list)  # per rep or customer with --by
    trend: list[dict[str, Any]] = field(default_factory=list)  # month, due, collected
    excuses: list[dict[str, Any]] = field(default_factory=list)  # reason, count, amount


def month_range(month: str) -> tuple[dt.date, dt.date]:
    try:
        start = dt.datetime.strptime(month, "%Y-%m").date()
    except ValueError:
        raise InputError(_("--month must be YYYY-MM, not {month!r}").format(month=month)) from None
    return start, start + relativedelta(day=31)


def show(value: Any, unit: str) -> str:
    if value is None:
        return _("n/a")
    if unit == "money":
        return money(value)
    if unit == "pct":
        return f"{value}%"
    if unit == "days":
        return _("{value} days").format(value=value)
    if unit == "count":
        return f"{value:,}"
    return str(value)


def collections_report(
    ctx: Context, start: dt.date, end: dt.date, *, by: str | None = None, rep: str | None = None
) -> CollectionsReport:
    """The period's figures for every customer, or only ``rep``'s."""
    if start > end:
        raise InputError(_("the period starts {start}, after it ends {end}").format(start=start, end=end))
    days = (end - start).days + 1
    before = start - dt.timedelta(days=1)
    with unit_of_work(ctx, write=False) as tx:
        # id → (id, name, rep) of the customers reported on (whole records cost 0.5 s for 20,000 customers)
        customers = {cid: c for cid, c in tx.customer_labels().items() if rep is None or c.rep == rep}

        def own(sums: dict[int, int]) -> dict[int, int]:  # the per-customer sums of the customers reported on
            return sums if rep is None else {k: v for k, v in sums.items() if k in customers}

        fell = own(tx.fell_due(start, end))
        overdue_start = own(tx.open_at(before, due_before=start))
        collected = own(tx.entry_sums("payment", start, end))
        written = own(tx.entry_sums("writeoff", start, end))
        sales = own(tx.entry_sums("delivery", start, end))
        opening, closing = map(own, tx.balances_at(before, end))
        current = own(tx.open_at(end, due_from=end))
        trend_start = (end + relativedelta(day=1)) - relativedelta(months=11)
        due_by_month = tx.monthly_due(trend_start, end, rep=rep)
        by_month = tx.monthly_entries(trend_start, end, rep=rep)
        paid_by_month, sales_by_month = by_month["payment"], by_month["delivery"]
        policy = load_policy(tx)
        # promises whose window ended in the period by the report's day, as they stood then
        judged = min(end, ctx.today)
        promise_rows = [
            r
            for r in tx.promises(rep=rep, as_of=judged)
            if start <= r.by_date + dt.timedelta(days=r.grace_days) <= judged
        ]
        payments: dict[int, list[tuple[dt.date, int]]] = {}
        if promise_rows:
            for cid, d, amount in tx.payments_for(min(r.by_date for r in promise_rows), judged):
                payments.setdefault(cid, []).append((d, amount))
        disputes = [d for d in tx.disputes_opened(start, end) if d.customer_id in customers]

    def total(m: dict[int, int]) -> int:
        return sum(m.values())

    outcomes = []
    by_customer: dict[int, list[Any]] = {}
    for r in promise_rows:
        by_customer.setdefault(r.customer_id, []).append(r)
    for cid, rows in by_customer.items():
        outcomes += rules.evaluate_promises(
            [promise_of(r) for r in rows], payments.get(cid, []), judged, policy.threshold
        )
    keep_count, keep_amount = rules.keep_rate(outcomes)

    fd, od, col = total(fell), total(overdue_start), total(collected)
    s, ar_open, ar_close, cur = total(sales), total(opening), total(closing), total(current)
    monthly: list[tuple[int, int]] = []
    month = end + relativedelta(day=1)
    while month >= trend_start:
        last = min(month + relativedelta(day=31), end)
        monthly.append((sales_by_month.get(month.strftime("%Y-%m"), 0), (last - month).days + 1))
        month -= relativedelta(months=1)
    dso = kpi.dso(ar_close, s, days)
    best = kpi.dso(cur, s, days)
    figures = [
        Figure("fell_due", _("Fell due in the period"), fd, "money", _("Σ items whose due date is in the period")),
        Figure(
            "overdue_at_start",
            _("Overdue at the start"),
            od,
            "money",
            _("open on {before} of items due before {start}").format(before=before, start=start),
        ),
        Figure("collected", _("Collected"), col, "money", _("Σ payments dated in the period (voided ones excluded)")),
        Figure(
            "collection_rate",
            _("Collection rate (回款率)"),
            kpi.collection_rate(col, fd, od),
            "pct",
            _("collected ÷ (fell due + overdue at start) = {col} ÷ ({fd} + {od})").format(
                col=format_amount(col), fd=format_amount(fd), od=format_amount(od)
            ),
        ),
        Figure("written_off", _("Written off"), total(written), "money", _("Σ write-offs dated in the period")),
        Figure("credit_sales", _("Credit sales (deliveries)"), s, "money", _("Σ deliveries dated in the period")),
        Figure("opening_ar", _("Opening AR"), ar_open, "money", _("balance on {before}").format(before=before)),
        Figure(
            "closing_ar",
            _("Closing AR"),
            ar_close,
            "money",
            _("balance on {end} (open items − on-account credit)").format(end=end),
        ),
        Figure(
            "closing_current_ar",
            _("Closing AR not yet due"),
            cur,
            "money",
            _("open on {end}, due {end} or later").format(end=end),
        ),
        Figure(
            "dso",
            _("DSO"),
            dso,
            "days",
            _("closing AR ÷ credit sales × days = {ar_close} ÷ {s} × {days}").format(
                ar_close=format_amount(ar_close), s=format_amount(s), days=days
            ),
        ),
        Figure(
            "countback_dso",
            _("Countback DSO"),
            kpi.countback_dso(ar_close, monthly),
            "days",
            _(
                "walk back month by month subtracting each month's sales from the closing AR while AR ≥ sales, adding "
                "that month's days, then the fraction of the last month (12 months at most)"
            ),
        ),
        Figure(
            "best_dso",
            _("Best possible DSO"),
            best,
            "days",
            _("AR not yet due ÷ credit sales × days = {cur} ÷ {s} × {days}").format(
                cur=format_amount(cur), s=format_amount(s), days=days
            ),
        ),
        Figure(
            "add",
            _("Average days delinquent"),
            (dso - best) if dso is not None and best is not None else None,
            "days",
            _("DSO − best possible DSO"),
        ),
        Figure(
            "cei",
            _("CEI"),
            kpi.cei(ar_open, s, ar_close, cur),
            "pct",
            _(
                "(opening AR + sales − closing AR) ÷ (opening AR + sales − closing AR not yet due) = ({ar_open} + {s} "
                "− {ar_close}) ÷ ({ar_open} + {s} − {cur})"
            ).format(
                ar_open=format_amount(ar_open),
                s=format_amount(s),
                ar_close=format_amount(ar_close),
                cur=format_amount(cur),
            ),
        ),
        Figure(
            "promises_ended",
            _("Promises whose window ended"),
            len([o for o in outcomes if o.status != "superseded"]),
            "count",
        ),
        Figure(
            "keep_rate_count",
            _("Promise keep rate (count)"),
            keep_count.quantize(kpi.TWO) if keep_count is not None else None,
            "pct",
            _("kept ÷ promises whose window ended in the period"),
        ),
        Figure(
            "keep_rate_amount",
            _("Promise keep rate (amount)"),
            keep_amount.quantize(kpi.TWO) if keep_amount is not None else None,
            "pct",
            _("amount of kept promises ÷ amount of all that ended"),
        ),
    ]
    reasons: dict[str, dict[str, Any]] = {}
    for d in disputes:
        e = reasons.setdefault(d.reason, {"reason": d.reason, "count": 0, "amount": 0})
        e["count"] += 1
        e["amount"] += int(d.amount or 0)
    excuses = sorted(reasons.values(), key=lambda e: (-e["count"], -e["amount"], e["reason"]))
    trend = []
    month = trend_start
    while month <= end:
        key = month.strftime("%Y-%m")
        trend.append({"month": key, "due": due_by_month.get(key, 0), "collected": paid_by_month.get(key, 0)})
        month += relativedelta(months=1)
    rows = []
    if by is not None:
        groups: dict[str, list[int]] = {}
        for cid, c in customers.items():
            key = (c.rep or _("(no rep)")) if by == "rep" else c.name
            groups.setdefault(key, []).append(cid)
        for key, ids in sorted(groups.items()):
            g = {
                k: sum(m.get(i, 0) for i in ids)
                for k, m in (
                    ("fell_due", fell),
                    ("overdue_at_start", overdue_start),
                    ("collected", collected),
                    ("written_off", written),
                    ("credit_sales", sales),
                    ("closing_ar", closing),
                )
            }
            if not any(g.values()):
                continue
            g["collection_rate"] = kpi.collection_rate(g["collected"], g["fell_due"], g["overdue_at_start"])
            g["dso"] = kpi.dso(g["closing_ar"], g["credit_sales"], days)
            rows.append({by: key, **g})
    return CollectionsReport(start, end, figures, rows, trend, excuses)


def explain(f: Figure) -> str:
    return f"{f.label}: {show(f.value, f.unit)}" + (f"  [{f.formula}]" if f.formula else "")
