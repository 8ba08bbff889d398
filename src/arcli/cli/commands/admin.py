"""`ar init`, `ar demo`, `ar check`, `ar history`, `ar backup` and `ar restore`."""

from __future__ import annotations

from typing import Annotated

import typer

from arcli.cli.common import FormatOpt, context
from arcli.cli.main import app
from arcli.cli.render import Col, Format, emit, emit_csv, emit_json, progress_bar, say
from arcli.i18n import _, code, ngettext


@app.command("init")
def init(ctx: typer.Context) -> None:
    """Create the ledger (or upgrade an older one) and say where it is."""
    from arcli.services.admin import init_ledger

    where, revision = init_ledger(context(ctx, "init"))
    say(_("Ledger ready at {where} (schema {revision})").format(where=where, revision=revision))


@app.command("demo")
def demo(
    ctx: typer.Context,
    out: Annotated[
        str | None,
        typer.Option(
            "--out",
            metavar="PATH",
            help="Where to build the sample ledger (must not exist). "
            "Default: demo.db in the user data directory, rebuilt each time.",
        ),
    ] = None,
) -> None:
    """Build a sample ledger in a fresh file and show what the rep must chase."""
    from arcli.cli.commands.collections import DUE_SHOWN, show_due
    from arcli.cli.commands.reports import show_balance
    from arcli.services.admin import build_demo
    from arcli.services.collections import due
    from arcli.services.reports import balance

    c = context(ctx, "demo")
    result = build_demo(c, out)
    n = result.counts
    say(
        _(
            "Built the sample ledger at {path} as of {day}: {customers} customers, {deliveries} deliveries, "
            "{payments} payments, {voids} void, {promises} promises, {contacts} contacts, {disputes} disputes."
        ).format(
            path=result.path,
            day=c.today.isoformat(),
            customers=result.customers,
            deliveries=n["delivery"],
            payments=n["payment"],
            voids=n["void"],
            promises=n["promise"],
            contacts=n["contact"],
            disputes=n["dispute"],
        )
    )
    say(result.story)
    say("")
    show_balance(balance(result.context))
    say("")
    show_due(due(result.context, c.today, limit=DUE_SHOWN), c.today)
    say(
        _("Explore it: export AR_DB={path}; then ar due, ar customer show HONGDA, ar ledger 鸿达医药代理").format(
            path=result.path
        )
    )


@app.command("check")
def check(ctx: typer.Context, fmt: FormatOpt = Format.table) -> None:
    """Verify the ledger's invariants; one line per fault, exit 1 if any.

    Checks the database itself (integrity, foreign keys), the audit trail (guard triggers, each posted row's
    seal), allocations within both amounts and between the same customer's rows, deliveries equal to their
    items, reversals that net to zero, every balance, the figures kept current against the full history, and
    the aging buckets against the open total.
    """
    import sys

    from arcli.services.check import check as run_check

    tick, stop = progress_bar(_("checking"), counts=False)
    try:
        report = run_check(context(ctx, "check"), tick)
    finally:
        stop()
    if fmt is Format.json:
        emit_json(
            {
                "ledger": report.ledger,
                "ok": report.ok,
                "faults": [{"check": f.check, "message": f.message} for f in report.faults],
                "counts": report.counts,
            }
        )
    elif fmt is Format.csv:
        emit_csv([Col("check", "check"), Col("message", "message")], [f.__dict__ for f in report.faults])
    else:
        for f in report.faults:
            say(f"{code('check', f.check)}: {f.message}")
        if report.ok:
            n = report.counts
            say(
                _(
                    "ok: {ledger} passes every check ({customers:,} customers, {entries:,} entries, {items:,} items, "
                    "{allocations:,} allocations)"
                ).format(
                    ledger=report.ledger,
                    customers=n["customer"],
                    entries=n["entry"],
                    items=n["item"],
                    allocations=n["allocation"],
                )
            )
    if not report.ok:
        n = len(report.faults)
        found = ngettext("{n} fault found in {ledger}", "{n} faults found in {ledger}", n).format(
            n=n, ledger=report.ledger
        )
        sys.stderr.write(_("error: {message}").format(message=found) + "\n")
        raise typer.Exit(1)


@app.command("history")
def history(
    ctx: typer.Context,
    customer: Annotated[str, typer.Argument(metavar="CUSTOMER", help="Customer name or code.")],
    limit: Annotated[int, typer.Option("--limit", min=0, help="Only the last N records (0: all).")] = 0,
    fmt: FormatOpt = Format.table,
) -> None:
    """The audit trail of one customer: every record written, when, by which command and which rep.

    Entries are never changed: a void shows as a reversal written later. Times are the local time of writing
    (UTC in json/csv).
    """
    from arcli.services.check import history as load

    name, lines = load(context(ctx, "history"), customer, limit=limit or None)
    machine = fmt is not Format.table
    cols = [
        Col("written", "Written"),
        Col("command", "Command"),
        Col("by", "By"),
        Col("record", "Record", vocab="record"),
        Col("ref", "Ref"),
        Col("date", "Date", "date"),
        Col("amount", "Amount", "money"),
        Col("note", "Note / reason"),
    ]
    rows = [
        dict(
            written=(x.at.isoformat() if machine else x.at.astimezone().strftime("%Y-%m-%d %H:%M:%S"))
            if x.at
            else None,
            command=x.command,
            by=x.actor,
            record=x.what,
            ref=x.ref,
            date=x.date,
            amount=x.amount,
            note=x.note,
        )
        for x in lines
    ]
    emit(
        fmt,
        cols,
        rows,
        title=ngettext(
            "History of {customer}: {n} record, oldest first",
            "History of {customer}: {n} records, oldest first",
            len(rows),
        ).format(customer=name, n=f"{len(rows):,}"),
    )


@app.command("backup")
def backup(
    ctx: typer.Context,
    target: Annotated[str, typer.Argument(metavar="FILE", help="Where to write the backup (a new file).")],
    force: Annotated[bool, typer.Option("--force", help="Replace FILE if it exists.")] = False,
) -> None:
    """Copy the ledger to FILE: a consistent snapshot even while others write (SQLite's backup API).

    The backup is one self-contained file, created 0600, verified before it is put in place.
    """
    from arcli.services.admin import backup as run

    where, path = run(context(ctx, "backup"), target, force=force)
    say(_("Backed up {where} to {path} ({size:,} bytes)").format(where=where, path=path, size=path.stat().st_size))


@app.command("restore")
def restore(
    ctx: typer.Context,
    source: Annotated[str, typer.Argument(metavar="FILE", help="A backup written by `ar backup`.")],
    force: Annotated[bool, typer.Option("--force", help="Replace the existing ledger.")] = False,
) -> None:
    """Replace the ledger with a backup, after checking it (integrity, schema, every invariant of `ar check`).

    Refuses to overwrite an existing ledger without --force. An older backup is upgraded on the way in.
    """
    from arcli.services.admin import restore as run

    tick, stop = progress_bar(_("checking the backup"), counts=False)
    try:
        source_path, ledger = run(context(ctx, "restore"), source, force=force, progress=tick)
    finally:
        stop()
    say(_("Restored {ledger} from {source_path}").format(ledger=ledger, source_path=source_path))
