"""`ar report aging`: how old is what we are owed, exactly as of a date, and does it reconcile."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from operator import itemgetter
from typing import Any

from arcli.domain import aging
from arcli.domain.errors import InputError
from arcli.i18n import _
from arcli.services.context import Context, unit_of_work
from arcli.services.lookup import resolve

BASES = ("due", "delivery")
GROUPINGS = ("customer", "rep", "item")


@dataclass
class AgingReport:
    as_of: dt.date
    basis: str
    by: str
    columns: list[str]
    rows: list[dict[str, Any]]  # key fields, one amount per column label, total, credit, disputed
    totals: dict[str, Any]
    ledger_balance: int  # Σ deliveries − payments ± voids up to as_of, for the customers reported
    cutoffs: tuple[int, ...] = field(default_factory=tuple)

    @property
    def reconciled(self) -> bool:
        t = self.totals
        return sum(t[c] for c in self.columns) == t["total"] and t["total"] - t["credit"] == self.ledger_balance


def aging_report(
    ctx: Context,
    *,
    basis: str = "due",
    cutoffs: str | None = None,
    by: str = "customer",
    rep: str | None = None,
    customer: str | None = None,
) -> AgingReport:
    if basis not in BASES:
        raise InputError(_("--basis must be one of {value}").format(value=", ".join(BASES)))
    if by not in GROUPINGS:
        raise InputError(_("--by must be one of {value}").format(value=", ".join(GROUPINGS)))
    with unit_of_work(ctx, write=False) as tx:
        saved = tx.settings().get("aging.buckets")
        cuts = aging.parse_cutoffs(cutoffs or saved or ",".join(map(str, aging.DEFAULT_CUTOFFS)))
        cols = aging.labels(cuts, basis)
        cid = resolve(tx, customer).id if customer else None
        all_credits, all_disputed = tx.credits_by_customer(ctx.today), _disputed(tx, ctx.today)
        names = tx.customer_labels([*all_credits, *all_disputed])  # only these rows need a name looked up

        def included(customer_id: int) -> bool:
            return (cid is None or customer_id == cid) and (rep is None or names[customer_id].rep == rep)

        credits = {k: v for k, v in all_credits.items() if included(k)}
        disputed = {k: v for k, v in all_disputed.items() if included(k)}
        raw = tx.aging(ctx.today, cuts, basis=basis, by=by, customer_id=cid, rep=rep, pivot=by != "item")
        ledger_balance = tx.ledger_total(ctx.today, customer_id=cid, rep=rep)
    rows: dict[Any, dict[str, Any]] = {}
    no_rep = _("(no rep)")

    def row_for(key: Any, **fields: Any) -> dict[str, Any]:
        if key not in rows:
            rows[key] = {**fields, **{c: 0 for c in cols}, "total": 0, "credit": 0, "disputed": 0}
        return rows[key]

    if by == "item":
        for r in raw:
            row = row_for(r.ref, customer=r.name, item=r.ref, delivered=r.delivery_date, due=r.due_date, age=int(r.age))
            row[cols[r.bucket]] += int(r.open)
            row["total"] += int(r.open)
    else:
        # the pivoted rows, as plain tuples (a row's attributes cost more than its dict): (id, name, rep) or
        # (rep), then one whole number per column, then the total
        if by == "rep":
            names_of = ("rep", *cols, "total")
            for t in map(tuple, raw):
                key = t[0] or no_rep
                row = rows.get(key)
                if row is None:
                    row = rows[key] = dict(zip(names_of, (key, *t[1:]), strict=True))
                    row["credit"] = row["disputed"] = 0
                    continue
                for c, a in zip(names_of[1:], t[1:], strict=True):  # a NULL rep and an empty one are both "(no rep)"
                    row[c] += a
        else:
            names_of = ("customer", "rep", *cols, "total")
            for t in raw:
                row = rows[t[0]] = dict(zip(names_of, t[1:], strict=True))
                row["credit"] = row["disputed"] = 0
        for customer_id, credit in credits.items():
            c = names[customer_id]
            key = (c.rep or no_rep) if by == "rep" else customer_id
            fields = {"rep": key} if by == "rep" else {"customer": c.name, "rep": c.rep}
            row_for(key, **fields)["credit"] += credit
        for customer_id, amount in disputed.items():
            key = (names[customer_id].rep or no_rep) if by == "rep" else customer_id
            if key in rows:
                rows[key]["disputed"] += amount
    if by == "item":
        ordered = list(rows.values())  # customer, then due date (SQL order)
    else:  # oldest money first: compare the columns from the oldest bucket down, then by name (two stable sorts)
        ordered = sorted(rows.values(), key=itemgetter("customer")) if by == "customer" else list(rows.values())
        ordered.sort(key=itemgetter(*reversed(cols)) if len(cols) > 1 else itemgetter(cols[0]), reverse=True)
    totals = {c: sum(map(itemgetter(c), ordered)) for c in [*cols, "total", "disputed"]}
    totals["credit"] = sum(credits.values())
    if by == "item":
        totals["disputed"] = sum(disputed.values())
    return AgingReport(ctx.today, basis, by, cols, ordered, totals, ledger_balance, cuts)


def _disputed(tx: Any, day: dt.date) -> dict[int, int]:
    """Per customer, the amount in dispute on a day: a dispute's items' open amounts, else its stated amount."""
    out: dict[int, int] = {}
    for d in tx.disputes_open_on(day):
        refs = d.items.split(";") if d.items else []
        amount = sum(tx.open_by_ref(refs, day).values()) if refs else int(d.amount or 0)
        if refs and d.amount is not None:
            amount = min(amount, int(d.amount))
        out[d.customer_id] = out.get(d.customer_id, 0) + amount
    return out


def allowance(ctx: Context, *, cutoffs: str, rates: str, rep: str | None = None) -> dict[str, Any]:
    """Σ per aging column of its open amount × a loss rate. The allowance is rounded to the fen per column."""
    from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

    try:
        pcts = [Decimal(x) for x in rates.replace(" ", "").split(",") if x]
    except InvalidOperation:
        raise InputError(
            _("--rates must be percentages separated by commas, like 1,5,10,25,50: not {rates!r}").format(rates=rates)
        ) from None
    if any(not 0 <= p <= 100 for p in pcts):
        raise InputError(_("--rates must each be between 0 and 100"))
    report = aging_report(ctx, cutoffs=cutoffs, rep=rep)
    if len(pcts) != len(report.columns):
        raise InputError(
            _("--rates gives {pcts} rates for {columns} aging columns ({value})").format(
                pcts=len(pcts), columns=len(report.columns), value=", ".join(report.columns)
            )
        )
    rows = []
    for label, pct in zip(report.columns, pcts, strict=True):
        amount = report.totals[label]
        share = (Decimal(amount) * pct / 100).quantize(Decimal(1), rounding=ROUND_HALF_UP)
        rows.append({"bucket": label, "amount": amount, "rate": pct, "allowance": int(share)})
    return {
        "as_of": report.as_of,
        "rows": rows,
        "total": report.totals["total"],
        "allowance": sum(r["allowance"] for r in rows),
    }
