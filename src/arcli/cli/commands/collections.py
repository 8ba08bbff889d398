"""`ar promise …`, `ar log …`, `ar dispute …`, `ar due`, `ar config`: the collections workflow."""

from __future__ import annotations

from typing import Annotated

import typer
from typer.core import TyperGroup

from arcli.cli.common import TABLE_ROWS, FormatOpt, NoteOpt, RepFilterOpt, RowsOpt, amount, code_of, context, day
from arcli.cli.main import app
from arcli.cli.render import Col, Format, emit, emit_json, first_rows, plain_rows, say
from arcli.cli.render import note as tell  # `note` is an option of these commands
from arcli.i18n import N_, _, code, ngettext
from arcli.i18n import money as fa

CustomerArg = Annotated[str, typer.Argument(metavar="CUSTOMER", help="Customer name or code.")]
CustomerOpt = Annotated[str | None, typer.Option("--customer", "-c", metavar="CUSTOMER", help="Only this customer.")]

promise_app = typer.Typer(
    help="Promises to pay: record them after each call, and see which were kept.", no_args_is_help=True
)
app.add_typer(promise_app, name="promise")

PROMISE_COLS = [
    Col("id", "#", "int"),
    Col("customer", "Customer"),
    Col("amount", "Amount", "money"),
    Col("by", "Pay by", "date"),
    Col("status", "Status", vocab="promise"),
    Col("paid", "Paid", "money"),
    Col("chain", "Chain"),
    Col("items", "Items"),
    Col("note", "Note"),
]


def _ordinal(n: int) -> str:
    """English ordinals for the chain of promises; the Chinese messages say 第 {n} 次 with the number."""
    return {2: "second", 3: "third", 4: "fourth", 5: "fifth"}.get(n, f"{n}th")


def _promise_row(v) -> dict:
    nth = len(v.chain)
    return dict(
        id=v.id,
        customer=v.customer,
        amount=v.amount,
        by=v.by,
        status=v.status,
        paid=v.paid,
        chain=(_("{nth} promise on these items") if v.items else _("{nth} promise")).format(nth=_ordinal(nth), n=nth)
        if nth > 1
        else "",
        items=", ".join(v.items),
        note=v.note,
    )


@promise_app.command("add")
def promise_add(
    ctx: typer.Context,
    customer: CustomerArg,
    amount_: Annotated[str, typer.Argument(metavar="AMOUNT", help="What the customer promised to pay.")],
    by: Annotated[str, typer.Option("--by", metavar="DATE", help="The day they promised to pay by (e.g. fri, +3d).")],
    items: Annotated[
        list[str] | None, typer.Option("--items", metavar="REF", help="The items or deliveries it covers (repeatable).")
    ] = None,
    note: NoteOpt = None,
    grace: Annotated[int | None, typer.Option("--grace", metavar="DAYS", help="Days of grace after --by.")] = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """Record a promise to pay, right after the call. A new promise on the same items supersedes the open one."""
    from arcli.services.collections import add_promise

    v = add_promise(
        context(ctx, "promise add"),
        customer,
        amount(amount_),
        day(by, ctx, "--by"),
        items=items,
        note=note,
        grace_days=grace,
    )
    if v.paid:  # money already in counts towards the new promise: say so while the rep can still correct it
        tell(
            _(
                "{paid} paid from {day} on counts towards it already (a promise counts the payments from the day it "
                "is made): if {amount} more was promised on top of that, record {total}"
            ).format(paid=fa(v.paid), day=v.made_on, amount=fa(v.amount), total=fa(v.amount + v.paid))
        )
    if fmt is Format.json:
        emit_json(plain_rows(PROMISE_COLS, [_promise_row(v)])[0])
        return
    say(
        _("Promise {id}: {customer} will pay {amount} by {by}").format(
            id=v.id, customer=v.customer, amount=fa(v.amount), by=v.by
        )
        + (_(" (+{days} days grace)").format(days=v.grace_days) if v.grace_days else "")
    )
    if len(v.chain) > 1:
        say(
            _("  {nth} promise in a row (supersedes #{previous}): track it, don't believe it").format(
                nth=_ordinal(len(v.chain)), n=len(v.chain), previous=v.chain[-2]
            )
        )


@promise_app.command("list")
def promise_list(
    ctx: typer.Context,
    status: Annotated[
        str | None,
        typer.Option(
            "--status",
            metavar="STATUS",
            help="Only promises with this status: open, kept, partly_kept, broken or superseded (or in Chinese).",
        ),
    ] = None,
    customer: CustomerOpt = None,
    rep: RepFilterOpt = None,
    limit: RowsOpt = TABLE_ROWS,
    fmt: FormatOpt = Format.table,
) -> None:
    """Promises and how they stand today: open, kept, partly_kept, broken or superseded."""
    from arcli.services.collections import list_promises

    status = code_of("promise", status, "--status") if status else None
    views = list_promises(context(ctx), status=status, customer=customer, rep=rep)
    shown, caption = first_rows(views, limit, fmt)
    title = ngettext("{n} promise", "{n} promises", len(views)).format(n=f"{len(views):,}")
    emit(fmt, PROMISE_COLS, [_promise_row(v) for v in shown], title=title, caption=caption)


@promise_app.command("show")
def promise_show(
    ctx: typer.Context, promise_id: Annotated[int, typer.Argument(metavar="ID")], fmt: FormatOpt = Format.table
) -> None:
    """One promise: its window, what was paid towards it, and the chain of promises it belongs to."""
    from arcli.services.collections import show_promise

    v = show_promise(context(ctx), promise_id)
    row = _promise_row(v)
    if fmt is not Format.table:
        emit_json(plain_rows(PROMISE_COLS, [row])[0] | {"chain_ids": v.chain, "made_on": v.made_on.isoformat()})
        return
    say(
        _("Promise {id}: {customer}, {amount} by {by} — {status}").format(
            id=v.id, customer=v.customer, amount=fa(v.amount), by=v.by, status=code("promise", v.status)
        )
    )
    say(
        _("  made on {made}; payments count from then through {by} + {days} days grace").format(
            made=v.made_on, by=v.by, days=v.grace_days
        )
    )
    say(_("  paid towards it: {amount}").format(amount=fa(v.paid)))
    if v.items:
        say(_("  items: {items}").format(items=", ".join(v.items)))
    if len(v.chain) > 1:
        say(f"  {row['chain']}: " + " → ".join(f"#{i}" for i in v.chain))
    if v.note:
        say(_("  note: {note}").format(note=v.note))


# -- contact log -----------------------------------------------------------------------------------------------


class _LogGroup(TyperGroup):
    """`ar log CUSTOMER CHANNEL` records a contact; `ar log list` lists them."""

    def resolve_command(self, ctx, args):
        if args and args[0] not in self.commands and not args[0].startswith("-"):
            args = ["add", *args]
        return super().resolve_command(ctx, args)


log_app = typer.Typer(
    cls=_LogGroup,
    no_args_is_help=True,
    help="The contact log: `ar log CUSTOMER CHANNEL [--note N] [--outcome O] [--next DATE]`, `ar log list`.",
)
app.add_typer(log_app, name="log")

CONTACT_COLS = [
    Col("date", "Date", "date"),
    Col("customer", "Customer"),
    Col("channel", "Channel", vocab="channel"),
    Col("outcome", "Outcome"),
    Col("note", "Note"),
    Col("next", "Next", "date"),
]


@log_app.command("add", hidden=True)
def log_add(
    ctx: typer.Context,
    customer: CustomerArg,
    channel: Annotated[
        str,
        typer.Argument(
            metavar="CHANNEL", help="call, visit, sms, wechat, email, letter or legal (电话, 拜访, 短信, 微信, …)."
        ),
    ],
    note: NoteOpt = None,
    outcome: Annotated[str | None, typer.Option("--outcome", help="What came of it.")] = None,
    next_: Annotated[str | None, typer.Option("--next", metavar="DATE", help="When to follow up next.")] = None,
) -> None:
    """Record a call, visit or message to a customer."""
    from arcli.services.collections import add_contact

    channel = code_of("channel", channel, "CHANNEL")
    name, nxt = add_contact(
        context(ctx, "log"), customer, channel, note=note, outcome=outcome, next_date=day(next_, ctx, "--next")
    )
    said = code("channel", channel)
    if nxt:
        say(_("Logged {channel} with {customer}; next follow-up {next}").format(channel=said, customer=name, next=nxt))
    else:
        say(_("Logged {channel} with {customer}").format(channel=said, customer=name))


@log_app.command("list")
def log_list(
    ctx: typer.Context,
    customer: CustomerOpt = None,
    limit: Annotated[
        int | None,
        typer.Option(
            "--limit",
            min=0,
            help="At most this many, newest first, in every format (0: all; the table: 50 unless told).",
        ),
    ] = None,
    rep: RepFilterOpt = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """The contact log, newest first."""
    from arcli.services.collections import list_contacts

    contacts = list_contacts(context(ctx), customer=customer, limit=limit or None, rep=rep)
    shown, caption = first_rows(contacts, TABLE_ROWS if limit is None else 0, fmt)
    rows = [
        dict(date=r.date, customer=r.customer, channel=r.channel, outcome=r.outcome, note=r.note, next=r.next_date)
        for r in shown
    ]
    emit(fmt, CONTACT_COLS, rows, title=_("Contact log"), caption=caption)


# -- disputes ------------------------------------------------------------------------------------------------

dispute_app = typer.Typer(
    help="Disputes and excuses: recorded, answered in writing, never a reason to stop.", no_args_is_help=True
)
app.add_typer(dispute_app, name="dispute")

DISPUTE_COLS = [
    Col("id", "#", "int"),
    Col("customer", "Customer"),
    Col("reason", "Reason", vocab="reason"),
    Col("amount", "Amount", "money"),
    Col("items", "Items"),
    Col("opened", "Opened", "date"),
    Col("status", "Status", vocab="dispute"),
    Col("resolution", "Resolution"),
    Col("note", "Note"),
]


def _dispute_row(r) -> dict:
    return dict(
        id=r.id,
        customer=r.customer,
        reason=r.reason,
        amount=r.amount,
        items=(r.items or "").replace(";", ", "),
        opened=r.opened_on,
        status="resolved" if r.resolved_on else "open",
        resolution=r.resolution,
        note=r.note,
    )


@dispute_app.command("add")
def dispute_add(
    ctx: typer.Context,
    customer: CustomerArg,
    reason: Annotated[
        str,
        typer.Option(
            "--reason",
            metavar="REASON",
            help="quality, service, promotion, downstream, cash, documents, price, other (质量问题, 下游未回款, …).",
        ),
    ],
    items: Annotated[
        list[str] | None, typer.Option("--items", metavar="REF", help="Disputed items (repeatable).")
    ] = None,
    amount_: Annotated[str | None, typer.Option("--amount", metavar="AMOUNT", help="The amount in dispute.")] = None,
    note: NoteOpt = None,
) -> None:
    """Record a dispute or excuse. Disputed items keep aging and stay on the morning list."""
    from arcli.services.collections import add_dispute

    reason = code_of("reason", reason, "--reason")
    did = add_dispute(
        context(ctx, "dispute add"),
        customer,
        reason,
        items=items,
        amount=amount(amount_, "--amount") if amount_ else None,
        note=note,
    )
    say(
        _("Dispute {id} opened ({reason}): answer it in writing with `ar dispute resolve {id} --resolution …`").format(
            id=did, reason=code("reason", reason)
        )
    )


@dispute_app.command("resolve")
def dispute_resolve(
    ctx: typer.Context,
    dispute_id: Annotated[int, typer.Argument(metavar="ID")],
    resolution: Annotated[str, typer.Option("--resolution", metavar="TEXT", help="The written answer.")],
) -> None:
    """Close a dispute with a written resolution."""
    from arcli.services.collections import resolve_dispute

    r = resolve_dispute(context(ctx, "dispute resolve"), dispute_id, resolution)
    say(
        _("Dispute {id} of {customer} resolved on {day}: {resolution}").format(
            id=r.id, customer=r.customer, day=r.resolved_on, resolution=r.resolution
        )
    )


@dispute_app.command("list")
def dispute_list(
    ctx: typer.Context,
    open_only: Annotated[bool, typer.Option("--open", help="Only open disputes.")] = False,
    customer: CustomerOpt = None,
    rep: RepFilterOpt = None,
    limit: RowsOpt = TABLE_ROWS,
    fmt: FormatOpt = Format.table,
) -> None:
    """Disputes, oldest first."""
    from arcli.services.collections import list_disputes

    disputes = list_disputes(context(ctx), open_only=open_only, customer=customer, rep=rep)
    shown, caption = first_rows(disputes, limit, fmt)
    emit(fmt, DISPUTE_COLS, [_dispute_row(r) for r in shown], title=_("Disputes"), caption=caption)


# -- the morning list ----------------------------------------------------------------------------------------

DUE_COLS = [
    Col("rank", "#", "int"),
    Col("customer", "Customer"),
    Col("overdue", "Overdue", "money"),
    Col("due", "Due", "money"),
    Col("days_overdue", "Days", "int"),
    Col("promise", "Promise", vocab="promise"),
    Col("grade", "Grade"),
    Col("level", "Level"),
    Col("action", "Action"),
    Col("why", "Why"),
]


@app.command("due")
def due_cmd(
    ctx: typer.Context,
    when: Annotated[str, typer.Argument(metavar="[WHEN]", help="The day (default today).")] = "today",
    within: Annotated[
        int, typer.Option("--within", metavar="N", help="Also items falling due in the next N days.")
    ] = 0,
    rep: RepFilterOpt = None,
    limit: Annotated[
        int | None,
        typer.Option(
            "--limit",
            min=0,
            help=f"At most this many customers (0: all). Default: the table shows the first {DUE_SHOWN}, "
            "JSON and CSV all.",
        ),
    ] = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """Who to chase today, in what order, and why."""
    from arcli.services.collections import due

    w = day(when, ctx, N_("WHEN"))
    # the table shows the first DUE_SHOWN unless told otherwise; only the rows shown are ranked exactly
    first = DUE_SHOWN if limit is None and fmt is Format.table else limit or None
    show_due(due(context(ctx), w, within=within, rep=rep, limit=first), w, fmt)


#: Rows of the morning list's table unless --limit says otherwise: a day's calls and visits. A longer list is
#: neither read nor worked through (and drawing a thousand-row table takes a terminal seconds).
DUE_SHOWN = 30


def show_due(due_list, w, fmt: Format = Format.table) -> None:
    """The morning list (`arcli.services.collections.DueList`: its first rows and how many there are)."""
    total = due_list.total
    rows = [r.as_dict() for r in due_list.rows]
    if fmt is Format.json:
        emit_json(plain_rows(DUE_COLS, rows))
    elif fmt is Format.csv:
        emit(fmt, DUE_COLS, rows)
    elif rows:
        # for people: the action and its reasons share one two-line cell; "Due" only when something falls due
        cols = [
            c for c in DUE_COLS if c.key not in ("action", "why") and (c.key != "due" or any(r["due"] for r in rows))
        ]
        cols.append(Col("todo", "Action / why"))
        people = [r | {"todo": _("{action}\n  why: {why}").format(action=r["action"], why=r["why"])} for r in rows]
        caption = (
            _("The first {shown} of {total:,} customers to chase; --limit 0 shows all").format(
                shown=len(rows), total=total
            )
            if len(rows) < total
            else None
        )
        title = ngettext("Chase on {day}: {n:,} customer", "Chase on {day}: {n:,} customers", total)
        emit(fmt, cols, people, title=title.format(day=w.isoformat(), n=total), caption=caption)
    else:
        say(_("Nobody to chase on {day}.").format(day=w.isoformat()))


# -- configuration -------------------------------------------------------------------------------------------

config_app = typer.Typer(
    help="The collection policy: grace days, keep threshold, escalation ladder, cadence.", no_args_is_help=True
)
app.add_typer(config_app, name="config")


@config_app.command("set")
def config_set(
    ctx: typer.Context,
    key: Annotated[str, typer.Argument(help="promise.grace_days, promise.threshold, escalation.ladder or cadence.")],
    value: Annotated[str, typer.Argument(help="The new value; `default` restores the default.")],
) -> None:
    """Change a setting of the collection policy (stored in the ledger)."""
    from arcli.services.collections import set_config

    v = set_config(context(ctx, "config set"), key, None if value == "default" else value)
    say(f"{key} = {v}" if v is not None else _("{key} is back to its default").format(key=key))


@config_app.command("list")
def config_list(ctx: typer.Context, fmt: FormatOpt = Format.table) -> None:
    """The settings and their current values."""
    from arcli.services.collections import SETTINGS, show_config

    rows = [dict(key=k, value=v, source=_(src), meaning=_(SETTINGS[k])) for k, v, src in show_config(context(ctx))]
    emit(fmt, [Col("key", "Setting"), Col("value", "Value"), Col("source", "Source"), Col("meaning", "Meaning")], rows)


# -- message drafts ------------------------------------------------------------------------------------------


@app.command("remind")
def remind_cmd(
    ctx: typer.Context,
    customer: CustomerArg,
    level: Annotated[
        int | None,
        typer.Option("--level", min=0, max=5, help="Tone: 0 reminder … 5 legal (default: the customer's level)."),
    ] = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """Draft a ready-to-send reminder (SMS, WeChat or email text) in the tone of the escalation level."""
    from arcli.services.remind import remind

    r = remind(context(ctx), customer, level=level)
    if fmt is Format.json:
        emit_json({"customer": r.customer, "level": r.level, "level_name": r.level_name, "text": r.text})
    else:
        import sys

        sys.stdout.write(r.text)
