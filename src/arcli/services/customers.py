"""Customers: add, edit, look up (exact name or code, else "did you mean"), list and show."""

from __future__ import annotations

from dataclasses import dataclass, field

from arcli.domain.errors import Conflict, InputError
from arcli.domain.records import Customer
from arcli.domain.terms import parse_terms
from arcli.i18n import _
from arcli.services.context import Context, unit_of_work
from arcli.services.lookup import resolve
from arcli.services.reports import BalanceRow, balance_rows


def _clean(text: str | None, what: str) -> str | None:
    if text is None:
        return None
    text = text.strip()
    if any(ord(ch) < 32 for ch in text):
        raise InputError(_("{what} must not contain control characters").format(what=what))
    return text or None


def add_customer(
    ctx: Context,
    name: str,
    *,
    code: str | None = None,
    terms: str | None = None,
    credit_limit: int | None = None,
    rep: str | None = None,
    phone: str | None = None,
    note: str | None = None,
) -> Customer:
    name = _clean(name, _("the name")) or ""
    if not name:
        raise InputError(_("customer name is empty"))
    code = _clean(code, _("the code"))
    canonical = str(parse_terms(terms)) if terms is not None else None
    with unit_of_work(ctx, write=True, create=True) as tx:
        for key, what in ((name, "name"), (code, "code")):
            if key is None:
                continue
            clash = tx.customer_by_key(key)
            if clash:
                raise Conflict(
                    _("a customer with the {what} {key!r} exists already ({name})").format(
                        what=what, key=key, name=clash.name
                    )
                )
        fields = dict(
            name=name,
            code=code,
            terms=canonical,
            credit_limit=credit_limit,
            rep=_clean(rep, _("the rep")),
            phone=_clean(phone, _("the phone")),
            note=_clean(note, _("the note")),
        )
        new_id = tx.insert_customer(created_at=ctx.now, **fields)
        return tx.customer_by_id(new_id)


def edit_customer(ctx: Context, key: str, **changes: object) -> tuple[Customer, list[str]]:
    """Change a customer's master data. Only the fields given change; returns the customer and their names.

    Terms changed here apply to later deliveries only: a delivery's due dates are fixed when it is recorded.
    """
    values: dict[str, object] = {k: v for k, v in changes.items() if v is not None}
    if "name" in values:
        values["name"] = _clean(str(values["name"]), _("the name"))
        if not values["name"]:
            raise InputError(_("customer name is empty"))
    for k in ("code", "rep", "phone", "note"):
        if k in values:
            what = {"code": _("the code"), "rep": _("the rep"), "phone": _("the phone"), "note": _("the note")}[k]
            values[k] = _clean(str(values[k]), what)
    if "terms" in values:
        values["terms"] = str(parse_terms(str(values["terms"])))
    if not values:
        raise InputError(_("nothing to change: give at least one option (see `ar customer edit --help`)"))
    with unit_of_work(ctx, write=True) as tx:
        customer = resolve(tx, key)
        for k in ("name", "code"):
            if values.get(k):
                clash = tx.customer_by_key(str(values[k]))
                if clash and clash.id != customer.id:
                    raise Conflict(
                        _("a customer with the {k} {value!r} exists already ({name})").format(
                            k=k, value=values[k], name=clash.name
                        )
                    )
        changed = [k for k, v in values.items() if getattr(customer, k) != v]
        if changed:
            tx.update_customer(customer.id, **{k: values[k] for k in changed})
        return tx.customer_by_id(customer.id), changed


def list_customers(ctx: Context, *, rep: str | None = None) -> list[Customer]:
    with unit_of_work(ctx, write=False) as tx:
        return tx.list_customers(rep=rep)


@dataclass(frozen=True)
class CustomerView:
    customer: Customer
    balance: BalanceRow
    open_items: list = field(default_factory=list)  # list[OpenItem]


def show_customer(ctx: Context, key: str) -> CustomerView:
    with unit_of_work(ctx, write=False) as tx:
        customer = resolve(tx, key)
        (row,) = balance_rows(tx, ctx.today, customer_id=customer.id)
        return CustomerView(customer, row, tx.open_items(customer.id, as_of=ctx.today))
