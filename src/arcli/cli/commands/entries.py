"""`ar sale add`, `ar delivery add`, `ar payment add`, `ar void`: posting to the ledger."""

from __future__ import annotations

import enum
from typing import Annotated

import typer

from arcli.cli.common import DateOpt, FormatOpt, NoteOpt, RefOpt, amount, code_of, context, day
from arcli.cli.main import app
from arcli.cli.render import Col, Format, emit_json, plain_rows, say, warn
from arcli.domain.money import format_amount as fa
from arcli.domain.terms import describe_terms
from arcli.i18n import _, code, money

sale_app = typer.Typer(help="Sales: contracts or orders, with the terms agreed before the deal.", no_args_is_help=True)
delivery_app = typer.Typer(help="Deliveries: each makes money due by its terms.", no_args_is_help=True)
payment_app = typer.Typer(help="Payments: applied oldest due first, or to the items you name.", no_args_is_help=True)
app.add_typer(sale_app, name="sale")
app.add_typer(delivery_app, name="delivery")
app.add_typer(payment_app, name="payment")

CustomerArg = Annotated[str, typer.Argument(metavar="CUSTOMER", help="Customer name or code.")]
AmountArg = Annotated[str, typer.Argument(metavar="AMOUNT", help="e.g. 152300, 152,300.50, ¥152300, 15.23万.")]
TermsOpt = Annotated[
    str | None,
    typer.Option(
        "--terms",
        metavar="TERMS",
        help="Payment terms: prepaid, cod, 'net 30', 'eom 30', 'eom+1m', '30% cod, 70% net 60'.",
    ),
]


class Kind(enum.StrEnum):
    delivery = "delivery"
    payment = "payment"
    writeoff = "writeoff"


APPLIED_COLS = [
    Col("payment", "Payment"),
    Col("item", "Item"),
    Col("amount", "Applied", "money"),
    Col("date", "Effective", "date"),
]


def _applied_rows(posted) -> list[dict]:
    return [dict(payment=a.payment_ref, item=a.item_ref, amount=a.amount, date=a.date) for a in posted.applied]


def _json(posted, **extra) -> None:
    obj = {
        "kind": posted.kind,
        "ref": posted.ref,
        "customer": posted.customer,
        "amount": fa(posted.amount, grouped=False),
        "date": posted.date.isoformat(),
        "status": "unchanged" if posted.unchanged else "recorded",
    }
    obj |= extra
    obj["applied"] = plain_rows(APPLIED_COLS, _applied_rows(posted))
    emit_json(obj)


def _print_applied(posted) -> None:
    for a in posted.applied:
        say(
            _("  applied {amount} from payment {payment} to {item} (effective {day})").format(
                amount=money(a.amount), payment=a.payment_ref, item=a.item_ref, day=a.date.isoformat()
            )
        )


def _warnings(posted) -> None:
    for w in posted.warnings:
        warn(w)


@sale_app.command("add")
def sale_add(
    ctx: typer.Context,
    customer: CustomerArg,
    amount_: AmountArg,
    date: DateOpt = None,
    terms: TermsOpt = None,
    ref: RefOpt = None,
    note: NoteOpt = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """Record a sale (a contract or order). Terms default from the customer."""
    from arcli.services.entries import add_sale

    p = add_sale(
        context(ctx, "sale add"), customer, amount(amount_), date=day(date, ctx), terms=terms, ref=ref, note=note
    )
    if fmt is Format.json:
        _json(p, terms=p.terms)
    elif p.unchanged:
        say(_("Sale {ref} is already recorded; nothing changed").format(ref=p.ref))
    else:
        say(
            _("Recorded sale {ref}: {customer} {amount} on {date}, terms {terms}").format(
                ref=p.ref,
                customer=p.customer,
                amount=money(p.amount),
                date=p.date,
                terms=describe_terms(p.terms) or _("(none)"),
            )
        )
    _warnings(p)


@delivery_app.command("add")
def delivery_add(
    ctx: typer.Context,
    customer: CustomerArg,
    amount_: AmountArg,
    date: DateOpt = None,
    sale: Annotated[
        str | None, typer.Option("--sale", metavar="REF", help="The sale this delivery is part of.")
    ] = None,
    terms: TermsOpt = None,
    due: Annotated[
        str | None, typer.Option("--due", metavar="DATE", help="An explicit due date instead of terms.")
    ] = None,
    ref: RefOpt = None,
    note: NoteOpt = None,
    force: Annotated[
        bool, typer.Option("--force", help="Deliver despite a credit hold, the stop-supply level or the credit limit.")
    ] = False,
    fmt: FormatOpt = Format.table,
) -> None:
    """Record a delivery: it makes money due, one open item per instalment of its terms.

    Terms come from --terms, else the sale's, else the customer's. On-account credit is consumed at once.
    """
    from arcli.services.entries import add_delivery

    p = add_delivery(
        context(ctx, "delivery add"),
        customer,
        amount(amount_),
        date=day(date, ctx),
        sale_ref=sale,
        terms=terms,
        due=day(due, ctx, "--due"),
        ref=ref,
        note=note,
        force=force,
    )
    item_cols = [Col("ref", "Item"), Col("due", "Due", "date"), Col("amount", "Amount", "money")]
    if fmt is Format.json:
        _json(p, terms=p.terms, items=plain_rows(item_cols, p.items))
    elif p.unchanged:
        say(_("Delivery {ref} is already recorded; nothing changed").format(ref=p.ref))
    else:
        how = _("terms {terms}").format(terms=describe_terms(p.terms)) if p.terms else _("explicit due date")
        say(
            _("Recorded delivery {ref}: {customer} {amount} on {date} ({how})").format(
                ref=p.ref, customer=p.customer, amount=money(p.amount), date=p.date, how=how
            )
        )
        for i in p.items:
            say(
                _("  open item {ref}: {amount} due {due}").format(
                    ref=i["ref"], amount=money(i["amount"]), due=i["due"].isoformat()
                )
            )
        _print_applied(p)
        if p.applied and p.credit_left:
            say(_("  on-account credit left: {credit_left}").format(credit_left=money(p.credit_left)))
    _warnings(p)


def _requests(values: list[str] | None):
    from arcli.domain.allocation import Request
    from arcli.domain.errors import InputError

    out = []
    for v in values or []:
        ref, eq, amt = v.rpartition("=") if "=" in v else (v, "", "")
        ref = ref.strip()
        if not ref:
            raise InputError(_("--apply {v!r}: give a delivery or item ref, optionally =AMOUNT").format(v=v))
        out.append(Request(ref, amount(amt, f"--apply {ref}") if eq else None))
    return out


@payment_app.command("add")
def payment_add(
    ctx: typer.Context,
    customer: CustomerArg,
    amount_: AmountArg,
    date: DateOpt = None,
    ref: RefOpt = None,
    method: Annotated[
        str,
        typer.Option(
            "--method", metavar="METHOD", help="How it was paid: bank, cash, bill or offset (银行, 现金, 票据, 抵账)."
        ),
    ] = "bank",
    apply: Annotated[
        list[str] | None,
        typer.Option(
            "--apply",
            metavar="REF[=AMOUNT]",
            help="Apply to this delivery or item (repeatable). Default: oldest due first.",
        ),
    ] = None,
    note: NoteOpt = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """Record a payment. It pays the oldest due items first unless --apply names them; the rest is on-account credit."""
    from arcli.services.entries import add_payment

    method_code = code_of("method", method, "--method")
    p = add_payment(
        context(ctx, "payment add"),
        customer,
        amount(amount_),
        date=day(date, ctx),
        ref=ref,
        method=method_code,
        apply=_requests(apply),
        note=note,
    )
    if fmt is Format.json:
        _json(p, credit_left=fa(p.credit_left, grouped=False))
    elif p.unchanged:
        say(_("Payment {ref} is already recorded; nothing changed").format(ref=p.ref))
    else:
        say(
            _("Recorded payment {ref}: {customer} {amount} on {date} ({value})").format(
                ref=p.ref, customer=p.customer, amount=money(p.amount), date=p.date, value=code("method", method_code)
            )
        )
        _print_applied(p)
        if p.credit_left:
            say(_("  on-account credit: {credit_left}").format(credit_left=money(p.credit_left)))
    _warnings(p)


@app.command("writeoff")
def writeoff(
    ctx: typer.Context,
    customer: CustomerArg,
    amount_: AmountArg,
    items: Annotated[list[str], typer.Option("--items", metavar="REF", help="The items or deliveries written off.")],
    reason: Annotated[str, typer.Option("--reason", metavar="TEXT", help="Why (kept in the history).")],
    date: DateOpt = None,
    ref: RefOpt = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """Write off bad debt (呆账/坏账) on named items: it leaves the aging, and is never counted as collected."""
    from arcli.services.entries import write_off

    p = write_off(
        context(ctx, "writeoff"), customer, amount(amount_), items=items, reason=reason, date=day(date, ctx), ref=ref
    )
    if fmt is Format.json:
        _json(p)
    elif p.unchanged:
        say(_("Write-off {ref} is already recorded; nothing changed").format(ref=p.ref))
    else:
        say(
            _("Wrote off {amount} of {customer} on {date} ({ref}): {reason}").format(
                amount=money(p.amount), customer=p.customer, date=p.date, ref=p.ref, reason=reason
            )
        )
        for a in p.applied:
            say(_("  {amount} of {item_ref}").format(amount=money(a.amount), item_ref=a.item_ref))
    _warnings(p)


def _what_to_void(value: str) -> str:
    """KIND, said plainly when a ref comes first (`ar void P000003`)."""
    if value not in tuple(Kind):
        raise typer.BadParameter(
            _(
                "{value!r} is not one of delivery, payment, writeoff (what to void comes first, then its ref: "
                "`ar void payment REF`)"
            ).format(value=value)
        )
    return value


@app.command("void")
def void(
    ctx: typer.Context,
    kind: Annotated[
        str,
        typer.Argument(metavar="KIND", help="What to void: delivery, payment or writeoff.", callback=_what_to_void),
    ],
    ref: Annotated[str, typer.Argument(metavar="REF", help="Its ref.")],
    reason: Annotated[str, typer.Option("--reason", metavar="TEXT", help="Why (kept in the history).")],
    date: Annotated[
        str | None, typer.Option("--date", metavar="DATE", help="Date of the reversal (default: today).")
    ] = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """Void a delivery, payment or write-off with a reversal entry; the original stays in the history."""
    from arcli.services.entries import void as void_entry

    p = void_entry(context(ctx, f"void {kind}"), kind, ref, reason=reason, date=day(date, ctx))
    if fmt is Format.json:
        _json(p, voided=kind)
    elif p.unchanged:
        say(_("{kind} {ref} is already voided; nothing changed").format(kind=code("kind", kind), ref=ref))
    else:
        say(
            _("Voided {kind} {ref} of {customer} ({amount}) on {date}").format(
                kind=code("kind", kind), ref=ref, customer=p.customer, amount=money(p.amount), date=p.date
            )
        )
        _print_applied(p)
        if p.credit_left:
            say(_("  on-account credit: {credit_left}").format(credit_left=money(p.credit_left)))
    _warnings(p)
