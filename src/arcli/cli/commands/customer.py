"""`ar customer add|list|show|edit`."""

from __future__ import annotations

from typing import Annotated

import typer

from arcli.cli.common import TABLE_ROWS, AsOfOpt, FormatOpt, NoteOpt, RowsOpt, amount, context
from arcli.cli.main import app
from arcli.cli.render import Col, Format, emit, emit_json, first_rows, plain_rows, say
from arcli.domain.collections import level_name
from arcli.domain.terms import describe_terms
from arcli.i18n import _, code, ngettext
from arcli.i18n import money as fa

customer_app = typer.Typer(help="Customers: who you sell to, on what terms.", no_args_is_help=True)
app.add_typer(customer_app, name="customer")

CodeOpt = Annotated[
    str | None, typer.Option("--code", metavar="CODE", help="A short code, usable instead of the name.")
]
TermsOpt = Annotated[
    str | None,
    typer.Option(
        "--terms",
        metavar="TERMS",
        help="Default payment terms: prepaid, cod, 'net 30', 'eom 30', 'eom+1m', '30% cod, 70% net 60'.",
    ),
]
LimitOpt = Annotated[
    str | None, typer.Option("--credit-limit", metavar="AMOUNT", help="Credit limit (warns when exceeded).")
]
RepOpt = Annotated[str | None, typer.Option("--rep", metavar="REP", help="The sales rep who owns the customer.")]
PhoneOpt = Annotated[str | None, typer.Option("--phone", metavar="PHONE", help="Phone number.")]

CUSTOMER_COLS = [
    Col("name", "Customer"),
    Col("code", "Code"),
    Col("terms", "Terms", vocab="terms"),
    Col("credit_limit", "Credit limit", "money"),
    Col("rep", "Rep"),
    Col("phone", "Phone"),
]


def _row(c) -> dict:
    return dict(
        name=c.name, code=c.code, terms=c.terms, credit_limit=c.credit_limit, rep=c.rep, phone=c.phone, note=c.note
    )


@customer_app.command("add")
def add(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Customer name (Chinese or Latin).")],
    code: CodeOpt = None,
    terms: TermsOpt = None,
    credit_limit: LimitOpt = None,
    rep: RepOpt = None,
    phone: PhoneOpt = None,
    note: NoteOpt = None,
) -> None:
    """Add a customer."""
    from arcli.services.customers import add_customer

    limit = amount(credit_limit, "--credit-limit", allow_zero=True) if credit_limit is not None else None
    c = add_customer(
        context(ctx, "customer add"), name, code=code, terms=terms, credit_limit=limit, rep=rep, phone=phone, note=note
    )
    who = f"{c.name} ({c.code})" if c.code else c.name
    if c.terms:
        say(_("Added customer {customer}, terms {terms}").format(customer=who, terms=describe_terms(c.terms)))
    else:
        say(_("Added customer {customer}, no default terms").format(customer=who))


@customer_app.command("list")
def list_(ctx: typer.Context, rep: RepOpt = None, limit: RowsOpt = TABLE_ROWS, fmt: FormatOpt = Format.table) -> None:
    """List customers, by name."""
    from arcli.services.customers import list_customers

    everyone = list_customers(context(ctx), rep=rep)
    shown, caption = first_rows(everyone, limit, fmt)
    title = ngettext("{n} customer", "{n} customers", len(everyone)).format(n=f"{len(everyone):,}")
    emit(fmt, CUSTOMER_COLS, [_row(c) for c in shown], title=title, caption=caption)


@customer_app.command("show")
def show(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Customer name or code.")],
    as_of: AsOfOpt = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """Show a customer: terms, balance, what is overdue, and the open items."""
    from arcli.services.collections import standing
    from arcli.services.customers import show_customer

    c = context(ctx, as_of=as_of)
    v = show_customer(c, name)
    _customer, st = standing(c, name)
    b = v.balance
    item_cols = [
        Col("ref", "Item"),
        Col("delivered", "Delivered", "date"),
        Col("due", "Due", "date"),
        Col("open", "Open", "money"),
        Col("days_overdue", "Days overdue", "int"),
    ]
    items = [
        dict(ref=i.ref, delivered=i.delivered, due=i.due, open=i.open, days_overdue=max(0, (c.today - i.due).days))
        for i in v.open_items
    ]
    summary = dict(
        open=b.open,
        overdue=b.overdue,
        not_due=b.not_due,
        credit=b.credit,
        balance=b.balance,
        oldest_overdue_days=b.oldest_overdue_days,
    )
    if fmt is Format.json:
        amounts = {k: x for k, x in summary.items() if k != "oldest_overdue_days"}
        obj = plain_rows([*CUSTOMER_COLS, Col("note", "Note")], [_row(v.customer)])[0]
        obj |= plain_rows([Col(k, k, "money") for k in amounts], [amounts])[0]
        obj |= {"oldest_overdue_days": b.oldest_overdue_days, "as_of": c.today.isoformat()}
        obj |= {
            "level": st.level,
            "level_name": st.level_name,
            "next_step": st.next_step,
            "grade": st.grade.letter,
            "grade_reasons": st.grade.reasons,
            "keep_rate": None if st.keep_rate is None else f"{st.keep_rate:.0f}",
            "next_follow_up": st.next_follow_up.isoformat() if st.next_follow_up else None,
            "last_contact": st.last_contact.isoformat() if st.last_contact else None,
            "on_hold": st.on_hold,
            "hold_reason": st.hold_reason,
            "open_disputes": st.open_disputes,
        }
        p = st.latest_promise
        obj["latest_promise"] = (
            plain_rows(
                LATEST_PROMISE_COLS,
                [dict(id=p.id, amount=p.amount, by=p.by, made_on=p.made_on, status=p.status, paid=p.paid)],
            )[0]
            if p
            else None
        )
        obj["open_items"] = plain_rows(item_cols, items)
        emit_json(obj)
        return
    if fmt is Format.csv:
        emit(fmt, item_cols, items)
        return
    cu = v.customer
    who = f"{cu.name} ({cu.code})" if cu.code else cu.name
    say(_("{customer} — as of {day}").format(customer=who, day=c.today.isoformat()))
    limit = fa(cu.credit_limit) if cu.credit_limit is not None else _("(none)")
    say(
        _("  terms {terms}   credit limit {limit}   rep {rep}   phone {phone}").format(
            terms=describe_terms(cu.terms) or _("(none)"), limit=limit, rep=cu.rep or "-", phone=cu.phone or "-"
        )
    )
    if cu.note:
        say(_("  note: {note}").format(note=cu.note))
    say(
        _(
            "  owes {open}: overdue {overdue}, not yet due {not_due}; on-account credit {credit}; balance {balance}"
        ).format(
            open=fa(b.open), overdue=fa(b.overdue), not_due=fa(b.not_due), credit=fa(b.credit), balance=fa(b.balance)
        )
    )
    if b.oldest_overdue_days:
        say(_("  oldest overdue item: {oldest_overdue_days} days").format(oldest_overdue_days=b.oldest_overdue_days))
    level = (
        _("level {n} ({name})").format(n=st.level, name=level_name(st.level))
        if st.level is not None
        else _("no escalation")
    )
    say(_("  {level}; next step: {next_step}").format(level=level, next_step=st.next_step))
    say(_("  grade {letter}: {value}").format(letter=st.grade.letter, value=_("; ").join(st.grade.reasons)))
    if st.latest_promise:
        p = st.latest_promise
        say(
            _("  latest promise #{id}: {amount} by {by}, {status} (paid {paid})").format(
                id=p.id, amount=fa(p.amount), by=p.by, status=code("promise", p.status), paid=fa(p.paid)
            )
        )
    follow = _("next follow-up {day}").format(day=st.next_follow_up) if st.next_follow_up else _("never contacted")
    say(_("  last contact {value}; {follow}").format(value=st.last_contact or "-", follow=follow))
    if st.on_hold:
        say(_("  ON CREDIT HOLD: {reason}").format(reason=st.hold_reason) if st.hold_reason else _("  ON CREDIT HOLD"))
    if st.open_disputes:
        say(
            ngettext(
                "  {open_disputes} open dispute: see `ar dispute list --customer {value}`",
                "  {open_disputes} open disputes: see `ar dispute list --customer {value}`",
                st.open_disputes,
            ).format(open_disputes=st.open_disputes, value=cu.code or cu.name)
        )
    if items:
        emit(fmt, item_cols, items, title=_("Open items"))
    else:
        say(_("  nothing open"))


#: `ar customer show --format json`'s latest promise (the whole promise: `ar promise show ID`)
LATEST_PROMISE_COLS = [
    Col("id", "#", "int"),
    Col("amount", "Amount", "money"),
    Col("by", "Pay by", "date"),
    Col("made_on", "Made on", "date"),
    Col("status", "Status", vocab="promise"),
    Col("paid", "Paid", "money"),
]


@customer_app.command("edit")
def edit(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Customer name or code.")],
    new_name: Annotated[str | None, typer.Option("--name", metavar="NAME", help="A new name.")] = None,
    code: CodeOpt = None,
    terms: TermsOpt = None,
    credit_limit: LimitOpt = None,
    rep: RepOpt = None,
    phone: PhoneOpt = None,
    note: NoteOpt = None,
) -> None:
    """Change a customer's details. New terms apply to later deliveries; recorded due dates stay."""
    from arcli.services.customers import edit_customer

    limit = amount(credit_limit, "--credit-limit", allow_zero=True) if credit_limit is not None else None
    c, changed = edit_customer(
        context(ctx, "customer edit"),
        name,
        name=new_name,
        code=code,
        terms=terms,
        credit_limit=limit,
        rep=rep,
        phone=phone,
        note=note,
    )
    if changed:
        say(_("Updated {customer}: {fields}").format(customer=c.name, fields=", ".join(changed)))
    else:
        say(_("No change to {customer}").format(customer=c.name))


@customer_app.command("hold")
def hold(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Customer name or code.")],
    reason: Annotated[str | None, typer.Option("--reason", metavar="TEXT", help="Why supply is stopped.")] = None,
) -> None:
    """Put a customer on credit hold: deliveries then need --force."""
    from arcli.services.collections import set_hold

    who, changed = set_hold(context(ctx, "customer hold"), name, hold=True, reason=reason)
    say(
        (_("{customer} is on credit hold") if changed else _("{customer} was already on credit hold")).format(
            customer=who
        )
    )


@customer_app.command("release")
def release(ctx: typer.Context, name: Annotated[str, typer.Argument(help="Customer name or code.")]) -> None:
    """Release a customer's credit hold."""
    from arcli.services.collections import set_hold

    who, changed = set_hold(context(ctx, "customer release"), name, hold=False)
    say(
        (_("{customer} is released from credit hold") if changed else _("{customer} was not on credit hold")).format(
            customer=who
        )
    )
