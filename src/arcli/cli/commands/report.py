"""`ar report aging`: month-end reports."""

from __future__ import annotations

import enum
from decimal import Decimal
from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text

from arcli.cli.common import TABLE_ROWS, AsOfOpt, ForceOpt, FormatOpt, RepFilterOpt, RowsOpt, XlsxOpt, context, day
from arcli.cli.main import app
from arcli.cli.render import (
    Col,
    Format,
    Sheet,
    console,
    emit_csv,
    emit_json,
    first_rows,
    plain_rows,
    print_table,
    say,
    table,
    write_xlsx,
)
from arcli.domain.money import format_amount as fa
from arcli.i18n import _, code, money

report_app = typer.Typer(help="Month-end reports, exact as of any date.", no_args_is_help=True)
app.add_typer(report_app, name="report")


class Basis(enum.StrEnum):
    due = "due"
    delivery = "delivery"


class By(enum.StrEnum):
    customer = "customer"
    rep = "rep"
    item = "item"


KEY_COLS = {
    "customer": [Col("customer", "Customer"), Col("rep", "Rep")],
    "rep": [Col("rep", "Rep")],
    "item": [
        Col("customer", "Customer"),
        Col("item", "Item"),
        Col("delivered", "Delivered", "date"),
        Col("due", "Due", "date"),
        Col("age", "Age", "int"),
    ],
}


def _bars(report) -> Table:
    """A bar per bucket, scaled to the largest (for people only)."""
    t = Table.grid(padding=(0, 2))
    t.add_column(justify="right")
    t.add_column(justify="right")
    t.add_column()
    peak = max((report.totals[c] for c in report.columns), default=0) or 1
    for c in report.columns:
        amount = report.totals[c]
        t.add_row(Text(_(c)), Text(money(amount)), Text("█" * round(40 * amount / peak), style="cyan"))
    return t


@report_app.command("aging")
def aging(
    ctx: typer.Context,
    as_of: AsOfOpt = None,
    basis: Annotated[Basis, typer.Option("--basis", help="Age from the due date, or the delivery date.")] = Basis.due,
    buckets: Annotated[
        str | None,
        typer.Option(
            "--buckets",
            metavar="DAYS",
            help="Bucket cut-offs, e.g. 30,60,90,180,365 (or `ar config set aging.buckets`).",
        ),
    ] = None,
    by: Annotated[By, typer.Option("--by", help="One row per customer, rep or open item.")] = By.customer,
    rep: RepFilterOpt = None,
    customer: Annotated[
        str | None, typer.Option("--customer", "-c", metavar="CUSTOMER", help="Only this customer.")
    ] = None,
    limit: Annotated[
        int,
        typer.Option(
            "--limit", min=0, help="Table rows to show (the oldest debts first; 0: all). JSON, CSV and xlsx: all."
        ),
    ] = 50,
    fmt: FormatOpt = Format.table,
    xlsx: XlsxOpt = None,
    force: ForceOpt = False,
) -> None:
    """Aged receivables: not due, then one column per bucket, total, on-account credit; reconciled to the ledger."""
    from arcli.services.aging import aging_report

    r = aging_report(
        context(ctx, as_of=as_of), basis=basis.value, cutoffs=buckets, by=by.value, rep=rep, customer=customer
    )
    cols = [
        *KEY_COLS[r.by],
        *(Col(c, c, "money") for c in r.columns),
        Col("total", "Total", "money"),
        Col("credit", "Credit", "money"),
        Col("disputed", "Disputed", "money"),
    ]
    if xlsx:
        first = KEY_COLS[r.by][0].key
        sheet = Sheet(_("Aging {day}").format(day=r.as_of), cols, r.rows, {**r.totals, first: _("TOTAL")})
        say(_("Wrote {xlsx}").format(xlsx=write_xlsx(xlsx, [sheet], force=force)))
        return
    if fmt is Format.json:
        emit_json(
            {
                "as_of": r.as_of.isoformat(),
                "basis": r.basis,
                "by": r.by,
                "columns": r.columns,
                "rows": plain_rows(cols, r.rows),
                "totals": plain_rows(cols, [r.totals])[0],
                "ledger_balance": fa(r.ledger_balance, grouped=False),
                "reconciled": r.reconciled,
            }
        )
        return
    if fmt is Format.csv:
        emit_csv(cols, r.rows)
        return
    if not any(row["disputed"] for row in r.rows):
        cols = [c for c in cols if c.key != "disputed"]
    if r.by == "customer":  # the table for people: the rep is in JSON/CSV and `--by rep`
        cols = [c for c in cols if c.key != "rep"]
    rows = r.rows[:limit] if limit else r.rows
    t = r.totals
    check = _("Check: Σ buckets = total {total}; total − credit {net} = ledger balance {ledger}: ").format(
        total=money(t["total"]), net=money(t["total"] - t["credit"]), ledger=money(r.ledger_balance)
    ) + (_("reconciled") if r.reconciled else _("DOES NOT RECONCILE"))
    if t["disputed"]:
        check += "\n" + _("Disputed: {amount} in dispute, still aging").format(amount=money(t["disputed"]))
    if len(rows) < len(r.rows):
        check += "\n" + _(
            "Showing the first {shown} of {total:,} rows, oldest debts first (totals: all); --limit 0 shows all"
        ).format(shown=len(rows), total=len(r.rows))
    label = (
        _("Aged receivables as of {day} (by due date)")
        if r.basis == "due"
        else _("Aged receivables as of {day} (by delivery date)")
    ).format(day=r.as_of.isoformat())
    first = KEY_COLS[r.by][0].key
    print_table(table(cols, rows, title=label, totals={**t, first: _("TOTAL")}, caption=check))
    console().print(_bars(r))


def _by(by: str) -> str:
    return _("By rep") if by == "rep" else _("By customer")


def _group_rows(rows: list[dict], undefined: str) -> list[dict]:
    """The --by rows with each rate and DSO as text; ``undefined`` where there is none (0.00 is a value: a rate of
    nothing collected)."""
    text = lambda v: undefined if v is None else str(v)  # noqa: E731
    return [{**x, "collection_rate": text(x["collection_rate"]), "dso": text(x["dso"])} for x in rows]


def group_cols_for(by: str | None) -> list[Col]:
    return [
        Col(by or "group", {"rep": "Rep", "customer": "Customer"}.get(by or "", "Group")),
        Col("fell_due", "Fell due", "money"),
        Col("overdue_at_start", "Overdue at start", "money"),
        Col("collected", "Collected", "money"),
        Col("collection_rate", "Rate %", "num"),
        Col("written_off", "Written off", "money"),
        Col("credit_sales", "Sales", "money"),
        Col("closing_ar", "Closing AR", "money"),
        Col("dso", "DSO", "num"),
    ]


class Group(enum.StrEnum):
    rep = "rep"
    customer = "customer"


@report_app.command("collections")
def collections(
    ctx: typer.Context,
    month: Annotated[
        str | None, typer.Option("--month", metavar="YYYY-MM", help="The month (default: this one).")
    ] = None,
    start: Annotated[str | None, typer.Option("--from", metavar="DATE", help="First day of the period.")] = None,
    end: Annotated[str | None, typer.Option("--to", metavar="DATE", help="Last day (default: today).")] = None,
    by: Annotated[Group | None, typer.Option("--by", help="Also one row per rep or customer.")] = None,
    rep: RepFilterOpt = None,
    explain: Annotated[bool, typer.Option("--explain", help="Show each figure's formula and inputs.")] = False,
    limit: RowsOpt = TABLE_ROWS,
    fmt: FormatOpt = Format.table,
    xlsx: XlsxOpt = None,
    force: ForceOpt = False,
) -> None:
    """Collection rate (回款率), DSO (simple, countback, best), ADD, CEI, promises kept, excuses, 12-month trend."""
    from arcli.domain.errors import InputError
    from arcli.services.kpis import collections_report, month_range, show

    c = context(ctx)
    if month and (start or end):
        raise InputError(_("give --month or --from/--to, not both"))
    if month:
        first, last = month_range(month)
    else:
        last = day(end, ctx, "--to") or c.today
        first = day(start, ctx, "--from") or last.replace(day=1)
    if first > c.today:
        raise InputError(_("the period starts {start}, after today ({today})").format(start=first, today=c.today))
    last = min(last, c.today)  # a period not yet over is reported up to today: what --as-of will give again
    r = collections_report(c, first, last, by=by.value if by else None, rep=rep)
    if xlsx:
        figure_cols = [
            Col("figure", "Figure"),
            Col("amount", "Amount", "money"),
            Col("value", "Value", "num"),
            Col("unit", "Unit"),
            Col("formula", "Formula"),
        ]
        figure_rows = [
            {
                "figure": f.label,
                "amount": f.value if f.unit == "money" else None,
                "value": None if f.unit == "money" or f.value is None else str(f.value),
                "unit": f.unit,
                "formula": f.formula,
            }
            for f in r.figures
        ]
        trend_cols = [Col("month", "Month"), Col("due", "Fell due", "money"), Col("collected", "Collected", "money")]
        excuse_cols = [
            Col("reason", "Reason", vocab="reason"),
            Col("count", "Count", "int"),
            Col("amount", "Amount", "money"),
        ]
        sheets = [
            Sheet(_("Figures"), figure_cols, figure_rows),
            Sheet(_("Trend"), trend_cols, r.trend),
            Sheet(_("Excuses"), excuse_cols, r.excuses),
        ]
        if r.rows:
            sheets.insert(1, Sheet(_by(by.value), group_cols_for(by.value), _group_rows(r.rows, "")))
        say(_("Wrote {xlsx}").format(xlsx=write_xlsx(xlsx, sheets, force=force)))
        return
    group_cols = group_cols_for(by.value if by else None)
    if fmt is Format.json:
        figures = {
            f.key: (
                fa(f.value, grouped=False)
                if f.unit == "money"
                else (str(f.value) if isinstance(f.value, Decimal) else f.value)
            )
            for f in r.figures
        }
        emit_json(
            {
                "from": r.start.isoformat(),
                "to": r.end.isoformat(),
                "figures": figures,
                "formulas": {f.key: f.formula for f in r.figures if f.formula},
                "rows": [
                    {
                        k: (fa(v, grouped=False) if isinstance(v, int) else (str(v) if v is not None else None))
                        for k, v in row.items()
                    }
                    for row in r.rows
                ],
                "trend": [
                    {
                        "month": t["month"],
                        "due": fa(t["due"], grouped=False),
                        "collected": fa(t["collected"], grouped=False),
                    }
                    for t in r.trend
                ],
                "excuses": [{**e, "amount": fa(e["amount"], grouped=False)} for e in r.excuses],
            }
        )
        return
    if fmt is Format.csv and r.rows:  # --by: a CSV holds one table, the one asked for
        emit_csv(group_cols, _group_rows(r.rows, ""))
        return
    if fmt is Format.csv:
        emit_csv(
            [Col("figure", "figure"), Col("value", "value"), Col("unit", "unit")],
            [
                {
                    "figure": f.key,
                    "value": fa(f.value, grouped=False) if f.unit == "money" and f.value is not None else f.value,
                    "unit": f.unit,
                }
                for f in r.figures
            ],
        )
        return
    out = console()
    t = Table(
        title=_("Collections {start} to {end}").format(start=r.start.isoformat(), end=r.end.isoformat()),
        title_justify="left",
        box=None,
        padding=(0, 2),
    )
    t.add_column(_("Figure"))
    t.add_column(_("Value"), justify="right", no_wrap=True)
    if explain:
        t.add_column(_("Formula and inputs"))
    for f in r.figures:
        cells = [Text(f.label), Text(show(f.value, f.unit))]
        t.add_row(*cells, *([Text(f.formula)] if explain else []))
    out.print(t)
    if r.rows:
        shown, left_out = first_rows(r.rows, limit)
        print_table(table(group_cols, _group_rows(list(shown), _("n/a")), title=_by(by.value), caption=left_out))
    if r.excuses:
        raised = ", ".join(f"{code('reason', e['reason'])} {e['count']}" for e in r.excuses)
        out.print(Text(_("Excuses raised: {excuses}").format(excuses=raised)))
    peak = max((max(m["due"], m["collected"]) for m in r.trend), default=0) or 1
    trend = Table(title=_("Fell due (yellow) and collected (green), last 12 months"), title_justify="left", box=None)
    for name in ("Month", "Fell due", "", "Collected", ""):
        trend.add_column(_(name) if name else "", justify="right" if name in ("Fell due", "Collected") else "left")
    for m in r.trend:
        trend.add_row(
            Text(m["month"]),
            Text(money(m["due"])),
            Text("▇" * round(20 * m["due"] / peak), style="yellow"),
            Text(money(m["collected"])),
            Text("▇" * round(20 * m["collected"] / peak), style="green"),
        )
    out.print(trend)


plan_app = typer.Typer(help="Monthly collection plans: a target per customer and month.", no_args_is_help=True)
app.add_typer(plan_app, name="plan")

PLAN_COLS = [
    Col("customer", "Customer"),
    Col("rep", "Rep"),
    Col("plan", "Plan", "money"),
    Col("collected", "Collected", "money"),
    Col("promised", "Promised", "money"),
    Col("falling_due", "Falling due", "money"),
    Col("coming", "Coming", "money"),
    Col("gap", "Gap", "money"),
]


@plan_app.command("set")
def plan_set(
    ctx: typer.Context,
    customer: Annotated[str, typer.Argument(metavar="CUSTOMER", help="Customer name or code.")],
    amount_: Annotated[str, typer.Argument(metavar="AMOUNT", help="What to collect from it that month.")],
    month: Annotated[
        str | None, typer.Option("--month", metavar="YYYY-MM", help="The month (default: this one).")
    ] = None,
) -> None:
    """Set (or replace) a customer's collection target for a month."""
    from arcli.cli.common import amount
    from arcli.services.plans import set_plan

    c = context(ctx, "plan set")
    name, m = set_plan(c, customer, amount(amount_, allow_zero=True), month or c.today.strftime("%Y-%m"))
    say(
        _("Plan for {name} in {month}: {amount}").format(
            name=name, month=m, amount=money(amount(amount_, allow_zero=True))
        )
    )


@report_app.command("plan")
def plan_report_cmd(
    ctx: typer.Context,
    month: Annotated[
        str | None, typer.Option("--month", metavar="YYYY-MM", help="The month (default: this one).")
    ] = None,
    rep: RepFilterOpt = None,
    limit: RowsOpt = TABLE_ROWS,
    fmt: FormatOpt = Format.table,
    xlsx: XlsxOpt = None,
    force: ForceOpt = False,
) -> None:
    """Plan versus what is realistically coming: collected, promised, falling due, and the gap to work on."""
    from arcli.services.plans import plan_report

    c = context(ctx)
    r = plan_report(c, month or c.today.strftime("%Y-%m"), rep=rep)
    rep_cols = [Col("rep", "Rep"), *PLAN_COLS[2:]]
    if xlsx:
        sheets = [
            Sheet(_("Plan {month}").format(month=r.month), PLAN_COLS, r.rows, {**r.totals, "customer": _("TOTAL")}),
            Sheet(_("Per rep"), rep_cols, r.reps),
        ]
        say(_("Wrote {xlsx}").format(xlsx=write_xlsx(xlsx, sheets, force=force)))
        return
    if fmt is Format.json:
        emit_json(
            {
                "month": r.month,
                "as_of": r.as_of.isoformat(),
                "rows": plain_rows(PLAN_COLS, r.rows),
                "reps": plain_rows(rep_cols, r.reps),
                "totals": plain_rows(PLAN_COLS[2:], [r.totals])[0],
            }
        )
        return
    if fmt is Format.csv:
        emit_csv(PLAN_COLS, r.rows)
        return
    shown, left_out = first_rows(r.rows, limit, totals=True)
    caption = _("coming = the larger of promised and falling due by month end; gap = plan − collected − coming")
    print_table(
        table(
            PLAN_COLS,
            shown,
            title=_("Collection plan {month}, as of {day}").format(month=r.month, day=r.as_of),
            totals={**r.totals, "customer": _("TOTAL")},
            caption=caption + (f"\n{left_out}" if left_out else ""),
        )
    )
    print_table(table(rep_cols, r.reps, title=_("Per rep")))


@report_app.command("allowance")
def allowance(
    ctx: typer.Context,
    rates: Annotated[
        str, typer.Option("--rates", metavar="PCTS", help="Loss rate per aging column, in percent, oldest last.")
    ] = "1,5,10,25,50",
    buckets: Annotated[
        str, typer.Option("--buckets", metavar="DAYS", help="Aging cut-offs; one rate per resulting column.")
    ] = "30,60,90",
    rep: RepFilterOpt = None,
    as_of: AsOfOpt = None,
    fmt: FormatOpt = Format.table,
    xlsx: XlsxOpt = None,
    force: ForceOpt = False,
) -> None:
    """Bad-debt allowance estimated from the aging: Σ bucket × loss rate (textbook 1 / 5 / 10 / 25 / 50 %)."""
    from arcli.services.aging import allowance as allowance_report

    r = allowance_report(context(ctx, as_of=as_of), cutoffs=buckets, rates=rates, rep=rep)
    cols = [
        Col("bucket", "Bucket"),
        Col("amount", "Open", "money"),
        Col("rate", "Loss rate %", "num"),
        Col("allowance", "Allowance", "money"),
    ]
    rows = [{**x, "rate": str(x["rate"])} for x in r["rows"]]
    totals = {"bucket": _("TOTAL"), "amount": r["total"], "allowance": r["allowance"]}
    if xlsx or fmt is Format.table:  # for people: bucket labels and TOTAL in their language
        rows = [{**x, "bucket": _(x["bucket"])} for x in rows]
        totals["bucket"] = _("TOTAL")
    if xlsx:
        sheet = Sheet(_("Allowance"), cols, rows, totals)
        say(_("Wrote {xlsx}").format(xlsx=write_xlsx(xlsx, [sheet], force=force)))
        return
    if fmt is Format.json:
        emit_json(
            {"as_of": r["as_of"].isoformat(), "rows": plain_rows(cols, rows), "totals": plain_rows(cols, [totals])[0]}
        )
    elif fmt is Format.csv:
        emit_csv(cols, rows)
    else:
        title = _("Bad-debt allowance as of {day}").format(day=r["as_of"].isoformat())
        print_table(table(cols, rows, totals=totals, title=title))
