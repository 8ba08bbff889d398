"""`ar balance` and `ar ledger`: what each customer owes, and one customer's statement (对账单)."""

from __future__ import annotations

from typing import Annotated

import typer

from arcli.cli.common import AsOfOpt, FormatOpt, context, day
from arcli.cli.main import app
from arcli.cli.render import Col, Format, emit, emit_json, plain_rows, say
from arcli.domain.money import format_amount as fa
from arcli.i18n import _, money

BALANCE_COLS = [
    Col("customer", "Customer"),
    Col("open", "Open", "money"),
    Col("overdue", "Overdue", "money"),
    Col("not_due", "Not due", "money"),
    Col("credit", "Credit", "money"),
    Col("oldest_overdue_days", "Oldest overdue (days)", "int"),
]


def _balance_row(r) -> dict:
    return {c.key: getattr(r, c.key) for c in BALANCE_COLS}


@app.command("balance")
def balance(
    ctx: typer.Context,
    rep: Annotated[str | None, typer.Option("--rep", metavar="REP", help="Only this rep's customers.")] = None,
    all_: Annotated[bool, typer.Option("--all/--owing", help="Include customers with nothing open.")] = True,
    limit: Annotated[
        int, typer.Option("--limit", min=0, help="Table rows to show (most overdue first; 0: all). JSON/CSV: all.")
    ] = 50,
    as_of: AsOfOpt = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """What each customer owes: open, overdue, not yet due, on-account credit; most overdue first."""
    from arcli.services.reports import balance as balance_report

    show_balance(balance_report(context(ctx, as_of=as_of), rep=rep, include_settled=all_), fmt, limit=limit)


def show_balance(rep_, fmt: Format = Format.table, limit: int = 0) -> None:
    shown = rep_.rows if fmt is not Format.table or not limit else rep_.rows[:limit]
    rows = [_balance_row(r) for r in shown]
    totals = _balance_row(rep_.totals)
    if fmt is Format.table:
        totals["customer"] = _("TOTAL")
    caption = _("Check: open − credit {net} = ledger Σ {ledger}: ").format(
        net=money(rep_.net_open), ledger=money(rep_.ledger_total)
    ) + (_("reconciled") if rep_.reconciled else _("DOES NOT RECONCILE"))
    if len(shown) < len(rep_.rows):
        caption += "\n" + _(
            "Showing the {shown} most overdue of {total:,} customers (totals: all); --limit 0 shows all"
        ).format(shown=len(shown), total=len(rep_.rows))
    emit(
        fmt,
        BALANCE_COLS,
        rows,
        totals=totals,
        meta={"as_of": rep_.as_of.isoformat()},
        title=_("Receivables as of {day}").format(day=rep_.as_of.isoformat()),
        caption=caption,
    )


@app.command("ledger")
def ledger(
    ctx: typer.Context,
    customer: Annotated[str, typer.Argument(metavar="CUSTOMER", help="Customer name or code.")],
    start: Annotated[str | None, typer.Option("--from", metavar="DATE", help="First day of the statement.")] = None,
    end: Annotated[str | None, typer.Option("--to", metavar="DATE", help="Last day (default: today).")] = None,
    as_of: AsOfOpt = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """A customer's statement (对账单): opening balance, every entry with a running balance, open items."""
    from arcli.services.reports import statement

    c = context(ctx, as_of=as_of)
    s = statement(c, customer, start=day(start, ctx, "--from"), end=day(end, ctx, "--to") if end else None)
    cols = [
        Col("date", "Date", "date"),
        Col("kind", "Entry", vocab="kind"),
        Col("ref", "Ref"),
        Col("details", "Details"),
        Col("debit", "Debit", "money"),
        Col("credit", "Credit", "money", context="statement"),
        Col("balance", "Balance", "money"),
    ]
    lines = [
        dict(
            date=x.date,
            kind=x.kind,
            ref=x.ref,
            details=x.details,
            debit=x.debit or None,
            credit=x.credit or None,
            balance=x.balance,
        )
        for x in s.lines
    ]
    item_cols = [
        Col("ref", "Item"),
        Col("delivered", "Delivered", "date"),
        Col("due", "Due", "date"),
        Col("open", "Open", "money"),
        Col("days_overdue", "Days overdue", "int"),
    ]
    items = [
        dict(ref=i.ref, delivered=i.delivered, due=i.due, open=i.open, days_overdue=s.days_overdue(i))
        for i in s.open_items
    ]
    if fmt is Format.json:
        json_lines = plain_rows(cols, [dict(x, debit=x["debit"] or 0, credit=x["credit"] or 0) for x in lines])
        emit_json(
            {
                "customer": s.customer.name,
                "from": s.start.isoformat() if s.start else None,
                "to": s.end.isoformat(),
                "opening_balance": fa(s.opening, grouped=False),
                "entries": json_lines,
                "closing_balance": fa(s.closing, grouped=False),
                "open_items": plain_rows(item_cols, items),
                "credit": fa(s.on_account, grouped=False),
            }
        )
        return
    if fmt is Format.csv:
        emit(fmt, cols, lines)
        return
    cu = s.customer
    period = (
        _("{start} to {end}").format(start=s.start.isoformat(), end=s.end.isoformat())
        if s.start
        else _("up to {end}").format(end=s.end.isoformat())
    )
    who = f"{cu.name} ({cu.code})" if cu.code else cu.name
    say(_("Statement for {customer}, {period}").format(customer=who, period=period))
    say(_("Opening balance: {opening}").format(opening=money(s.opening)))
    emit(fmt, cols, lines)
    say(_("Closing balance: {closing}").format(closing=money(s.closing)))
    if items:
        emit(fmt, item_cols, items, title=_("Open items on {day}").format(day=s.end.isoformat()))
    else:
        say(_("Nothing open."))
    if s.on_account:
        say(_("On-account credit: {on_account}").format(on_account=money(s.on_account)))
