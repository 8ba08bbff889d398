"""`ar report aging`: month-end reports."""

from __future__ import annotations

import enum
from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text

from arcli.cli.common import AsOfOpt, FormatOpt, context
from arcli.cli.main import app
from arcli.cli.render import Col, Format, console, emit_csv, emit_json, plain_rows, print_table, table
from arcli.domain.money import format_amount as fa

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
        t.add_row(Text(c), Text(fa(amount)), Text("█" * round(40 * amount / peak), style="cyan"))
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
    rep: Annotated[str | None, typer.Option("--rep", help="Only this rep's customers.")] = None,
    customer: Annotated[str | None, typer.Option("--customer", "-c", help="Only this customer.")] = None,
    fmt: FormatOpt = Format.table,
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
    shown = [
        row | ({"customer": f"{row['customer']} *"} if row.get("disputed") and "customer" in row else {})
        for row in r.rows
    ]
    t = r.totals
    check = (
        f"Check: Σ buckets = total {fa(t['total'])}; total − credit {fa(t['total'] - t['credit'])} = ledger balance "
        f"{fa(r.ledger_balance)}: " + ("reconciled" if r.reconciled else "DOES NOT RECONCILE")
    )
    if t["disputed"]:
        check += f"\n* in dispute: {fa(t['disputed'])} (still aging)"
    label = f"Aged receivables as of {r.as_of.isoformat()} (by {r.basis} date)"
    first = KEY_COLS[r.by][0].key
    print_table(table(cols, shown, title=label, totals={**t, first: "TOTAL"}, caption=check))
    console().print(_bars(r))
