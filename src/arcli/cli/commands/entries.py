"""`ar sale add`, `ar delivery add`, `ar payment add`, `ar void`: posting to the ledger."""

from __future__ import annotations

import enum
from typing import Annotated

import typer

from arcli.cli.common import DateOpt, FormatOpt, NoteOpt, RefOpt, amount, context, day
from arcli.cli.main import app
from arcli.cli.render import Col, Format, emit_json, plain_rows, say, warn
from arcli.domain.money import format_amount as fa

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
    typer.Option("--terms", help="Payment terms: prepaid, cod, 'net 30', 'eom 30', 'eom+1m', '30% cod, 70% net 60'."),
]


class Method(enum.StrEnum):
    bank = "bank"
    cash = "cash"
    bill = "bill"
    offset = "offset"


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
        say(f"  applied {fa(a.amount)} from payment {a.payment_ref} to {a.item_ref} (effective {a.date.isoformat()})")


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
        say(f"Sale {p.ref} is already recorded; nothing changed")
    else:
        say(f"Recorded sale {p.ref}: {p.customer} {fa(p.amount)} on {p.date}, terms {p.terms or '(none)'}")


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
        say(f"Delivery {p.ref} is already recorded; nothing changed")
    else:
        how = f"terms {p.terms}" if p.terms else "explicit due date"
        say(f"Recorded delivery {p.ref}: {p.customer} {fa(p.amount)} on {p.date} ({how})")
        for i in p.items:
            say(f"  open item {i['ref']}: {fa(i['amount'])} due {i['due'].isoformat()}")
        _print_applied(p)
        if p.applied and p.credit_left:
            say(f"  on-account credit left: {fa(p.credit_left)}")
    _warnings(p)


def _requests(values: list[str] | None):
    from arcli.domain.allocation import Request
    from arcli.domain.errors import InputError

    out = []
    for v in values or []:
        ref, eq, amt = v.rpartition("=") if "=" in v else (v, "", "")
        ref = ref.strip()
        if not ref:
            raise InputError(f"--apply {v!r}: give a delivery or item ref, optionally =AMOUNT")
        out.append(Request(ref, amount(amt, f"--apply {ref}") if eq else None))
    return out


@payment_app.command("add")
def payment_add(
    ctx: typer.Context,
    customer: CustomerArg,
    amount_: AmountArg,
    date: DateOpt = None,
    ref: RefOpt = None,
    method: Annotated[Method, typer.Option("--method", help="How it was paid.")] = Method.bank,
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

    p = add_payment(
        context(ctx, "payment add"),
        customer,
        amount(amount_),
        date=day(date, ctx),
        ref=ref,
        method=method.value,
        apply=_requests(apply),
        note=note,
    )
    if fmt is Format.json:
        _json(p, credit_left=fa(p.credit_left, grouped=False))
    elif p.unchanged:
        say(f"Payment {p.ref} is already recorded; nothing changed")
    else:
        say(f"Recorded payment {p.ref}: {p.customer} {fa(p.amount)} on {p.date} ({method.value})")
        _print_applied(p)
        if p.credit_left:
            say(f"  on-account credit: {fa(p.credit_left)}")


@app.command("writeoff")
def writeoff(
    ctx: typer.Context,
    customer: CustomerArg,
    amount_: AmountArg,
    items: Annotated[list[str], typer.Option("--items", metavar="REF", help="The items or deliveries written off.")],
    reason: Annotated[str, typer.Option("--reason", help="Why (kept in the history).")],
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
        say(f"Write-off {p.ref} is already recorded; nothing changed")
    else:
        say(f"Wrote off {fa(p.amount)} of {p.customer} on {p.date} ({p.ref}): {reason}")
        for a in p.applied:
            say(f"  {fa(a.amount)} of {a.item_ref}")


@app.command("void")
def void(
    ctx: typer.Context,
    kind: Annotated[Kind, typer.Argument(help="What to void.")],
    ref: Annotated[str, typer.Argument(help="Its ref.")],
    reason: Annotated[str, typer.Option("--reason", help="Why (kept in the history).")],
    date: Annotated[
        str | None, typer.Option("--date", metavar="DATE", help="Date of the reversal (default: today).")
    ] = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """Void a delivery, payment or write-off with a reversal entry; the original stays in the history."""
    from arcli.services.entries import void as void_entry

    p = void_entry(context(ctx, f"void {kind.value}"), kind.value, ref, reason=reason, date=day(date, ctx))
    if fmt is Format.json:
        _json(p, voided=kind.value)
    elif p.unchanged:
        say(f"{kind.value.capitalize()} {ref} is already voided; nothing changed")
    else:
        say(f"Voided {kind.value} {ref} of {p.customer} ({fa(p.amount)}) on {p.date}")
        _print_applied(p)
        if p.credit_left:
            say(f"  on-account credit: {fa(p.credit_left)}")
