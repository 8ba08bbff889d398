"""Posting to the ledger: sales, deliveries, payments and voids. One transaction each.

Rules (see ``../shared/notes/domain.md`` and the README):

- ``--ref`` is an idempotency key per kind: the same command again is a no-op that says so; the same ref
  with other fields is refused, naming the fields.
- A delivery's due dates follow from its terms (``--terms``, else the sale's, else the customer's) or an
  explicit ``--due``; on-account credit is consumed by it at once.
- A payment is applied oldest due first, or to the items ``--apply`` names; what is left is on-account credit.
- A void is a reversal entry plus negative allocations; the original stays. Money a void frees (a voided
  delivery's payments) or needs (a voided payment's items) is settled again from on-account credit, oldest
  first.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from arcli.domain.allocation import (
    OpenItem,
    Request,
    allocate_explicit,
    allocate_fifo,
    apply_credits,
    split_by_room,
)
from arcli.domain.errors import Conflict, InputError, NotFound, RefConflict
from arcli.domain.money import format_amount
from arcli.domain.records import Customer
from arcli.domain.terms import parse_terms
from arcli.i18n import VOCABULARIES, _, code
from arcli.services.collections import hold_problem
from arcli.services.context import Context, unit_of_work
from arcli.services.lookup import resolve
from arcli.storage import Tx

METHODS = VOCABULARIES["method"]
_PREFIX = {"sale": "S", "delivery": "D", "payment": "P", "writeoff": "W"}
MAX_REF = 64


@dataclass(frozen=True)
class Applied:
    payment_ref: str
    item_ref: str
    amount: int
    date: dt.date


@dataclass
class Posted:
    """What a write command did. ``unchanged``: the ref was known with the same fields; nothing written."""

    kind: str
    ref: str
    customer: str
    amount: int
    date: dt.date
    unchanged: bool = False
    terms: str | None = None
    items: list[dict[str, Any]] = field(default_factory=list)  # delivery: ref, due, amount
    applied: list[Applied] = field(default_factory=list)  # allocations this command made
    credit_left: int = 0  # payment: left on account; delivery: the customer's credit still unapplied
    warnings: list[str] = field(default_factory=list)


def _dated_ahead(posted: Posted, today: dt.date) -> Posted:
    """A record newly dated after today gets a warning: it counts only from that day on, and a weekday name
    (``--date fri``) means the next one, an easy slip for a payment that came in last Friday."""
    if not posted.unchanged and posted.date > today:
        posted.warnings.append(
            _("dated {date}, after today ({today}): it counts from that day on (a past weekday is `last fri`)").format(
                date=posted.date.isoformat(), today=today.isoformat()
            )
        )
    return posted


def _check_ref(ref: str | None) -> str | None:
    if ref is None:
        return None
    ref = ref.strip()
    if not ref:
        raise InputError(_("--ref is empty"))
    if len(ref) > MAX_REF or any(ord(c) < 32 for c in ref) or "=" in ref:
        raise InputError(
            _("bad ref {ref!r}: at most {MAX_REF} printable characters, no '='").format(ref=ref, MAX_REF=MAX_REF)
        )
    return ref


def _new_ref(tx: Tx, kind: str) -> str:
    n = tx.next_number(kind)
    while True:
        ref = f"{_PREFIX[kind]}{n:06d}"
        if not tx.ref_taken(kind, ref) and (kind != "delivery" or not tx.ref_taken("item", ref)):
            return ref
        n += 1


def _differences(existing: Any, wanted: dict[str, Any], names: dict[str, str]) -> list[str]:
    return [names.get(k, k) for k, v in wanted.items() if getattr(existing, k) != v]


def _known_money_entry(
    tx: Tx,
    kind: str,
    ref: str | None,
    wanted: dict[str, Any],
    option: str,
    customer: Customer,
    amount: int,
    date: dt.date,
) -> Posted | None:
    """A payment or write-off whose ref is recorded already: the same fields are a no-op, others a conflict."""
    existing = tx.entry_by_ref(kind, ref) if ref is not None else None
    if existing is None:
        return None
    check_known(kind, ref, existing, wanted, option)
    return Posted(kind, ref, customer.name, amount, date, unchanged=True)


def check_known(kind: str, ref: str, existing: Any, wanted: dict[str, Any], option: str) -> None:
    """Refuse (RefConflict) a payment or write-off recorded already under ``ref`` with other fields."""
    diffs = _differences(existing, wanted, {"customer_id": "customer", "delta": "amount", "apply_spec": option})
    if diffs:
        _refuse_changed(kind, ref, diffs)


def _refuse_changed(kind: str, ref: str, diffs: list[str]) -> None:
    fields = ", ".join(diffs)
    raise RefConflict(
        _(
            "{kind} {ref} exists already with a different {fields}: use another --ref, or `ar void {kind} {ref}` "
            "and record it again"
        ).format(kind=kind, ref=ref, fields=fields)
        if kind != "sale"
        else _("sale {ref} exists already with a different {fields}: use another --ref").format(ref=ref, fields=fields)
    )


def _write_allocations(
    tx: Tx, ctx: Context, triples: list[tuple[int, str, dt.date, OpenItem, int]], floor: dt.date | None = None
) -> list[Applied]:
    """Insert allocations (payment id, payment ref, payment date, item, amount). Each takes effect on the latest
    of the payment date, the delivery date and ``floor``, except money that a void made free only later (on the
    payment, or on the item: a void of an earlier payment reopens it from the void's date), which takes effect
    on the day it became free: history as of any day never applies more than a payment holds or an item owes."""
    payments = tx.payment_allocations(sorted({t[0] for t in triples}))
    items = tx.item_allocations(sorted({t[3].id for t in triples}))
    rows, applied = [], []
    for pid, pref, pdate, item, amount in triples:
        start = max(pdate, item.delivered, floor or pdate)
        sides = [payments[pid], items[item.id]]
        for when, part in split_by_room(sides, start, amount):
            rows.append(dict(payment_id=pid, item_id=item.id, amount=part, date=when, created_at=ctx.now))
            applied.append(Applied(pref, item.ref, part, when))
            for _side, history in sides:
                history.append((when, part))
    tx.insert_allocations(rows)
    return applied


def _settle_from_credit(tx: Tx, ctx: Context, customer_id: int, items: list[OpenItem], floor: dt.date | None):
    """Apply the customer's on-account credit to ``items`` (dated as :func:`_write_allocations` says)."""
    credits = tx.payment_credits(customer_id)
    info = {pid: (ref, d) for pid, ref, d, _ in credits}
    plan = apply_credits([(pid, c) for pid, _, _, c in credits], items)
    return _write_allocations(tx, ctx, [(pid, *info[pid], item, amt) for pid, item, amt in plan], floor)


# -- sales -------------------------------------------------------------------------------------------------
def add_sale(
    ctx: Context,
    customer_key: str,
    amount: int,
    *,
    date: dt.date | None = None,
    terms: str | None = None,
    ref: str | None = None,
    note: str | None = None,
) -> Posted:
    date = date or ctx.today
    ref = _check_ref(ref)
    with unit_of_work(ctx, write=True) as tx:
        posted = post_sale(
            tx, ctx, resolve(tx, customer_key), amount=amount, date=date, terms=terms, ref=ref, note=note
        )
    return _dated_ahead(posted, ctx.today)


def post_sale(
    tx: Tx,
    ctx: Context,
    customer: Customer,
    *,
    amount: int,
    date: dt.date,
    terms: str | None,
    ref: str | None,
    note: str | None,
) -> Posted:
    """The body of `add_sale` inside a caller's transaction (imports post many rows in one)."""
    text = terms if terms is not None else customer.terms
    canonical = str(parse_terms(text)) if text else None
    wanted = dict(customer_id=customer.id, amount=amount, date=date, terms=canonical)
    if ref is not None:
        existing = tx.sale_by_ref(ref)
        if existing is not None:
            diffs = _differences(existing, wanted, {"customer_id": "customer"})
            if diffs:
                _refuse_changed("sale", ref, diffs)
            return Posted("sale", ref, customer.name, amount, date, unchanged=True, terms=canonical)
    ref = ref or _new_ref(tx, "sale")
    tx.insert_sale(ref=ref, note=note, created_at=ctx.now, command=ctx.command, actor=ctx.actor, **wanted)
    return Posted("sale", ref, customer.name, amount, date, terms=canonical)


# -- deliveries --------------------------------------------------------------------------------------------
def _delivery_terms(customer: Customer, sale: Any, terms: str | None) -> str:
    text = terms if terms is not None else (sale.terms if sale is not None and sale.terms else customer.terms)
    if not text:
        raise InputError(
            _(
                "no payment terms for {name}: pass --terms or --due, or set them with `ar customer edit {name} --terms "
                "…`"
            ).format(name=customer.name)
        )
    return str(parse_terms(text))


def add_delivery(
    ctx: Context,
    customer_key: str,
    amount: int,
    *,
    date: dt.date | None = None,
    sale_ref: str | None = None,
    terms: str | None = None,
    due: dt.date | None = None,
    ref: str | None = None,
    note: str | None = None,
    force: bool = False,
) -> Posted:
    """Record a delivery. A customer on credit hold, at the stop-supply level or pushed over its credit limit
    is refused unless ``force`` (the delivery then carries a warning)."""
    date = date or ctx.today
    ref = _check_ref(ref)
    if terms is not None and due is not None:
        raise InputError(_("give --terms or --due, not both"))
    if due is not None and due < date:
        raise InputError(_("--due {due} is before the delivery date {date}").format(due=due, date=date))
    with unit_of_work(ctx, write=True) as tx:
        posted = post_delivery(
            tx,
            ctx,
            resolve(tx, customer_key),
            amount=amount,
            date=date,
            sale_ref=sale_ref,
            terms=terms,
            due=due,
            ref=ref,
            note=note,
            force=force,
        )
    return _dated_ahead(posted, ctx.today)


def delivery_fields(
    customer: Customer, sale: Any, *, amount: int, date: dt.date, terms: str | None, due: dt.date | None
) -> tuple[str | None, dict[str, Any]]:
    """(canonical terms, the fields that identify the delivery): terms from the delivery, else the sale, else
    the customer; an explicit due date instead of terms."""
    canonical = None if due is not None else _delivery_terms(customer, sale, terms)
    wanted = dict(
        customer_id=customer.id,
        delta=amount,
        date=date,
        terms=canonical,
        due=due,
        sale_id=sale.id if sale is not None else None,
    )
    return canonical, wanted


def delivery_differences(existing: Any, wanted: dict[str, Any]) -> list[str]:
    """The fields (as a person names them) in which a recorded delivery differs from one being posted again."""
    return _differences(existing, wanted, {"customer_id": "customer", "delta": "amount", "sale_id": "sale"})


def delivery_items(wanted: dict[str, Any], ref: str) -> list[dict[str, Any]]:
    """The open items a delivery creates: one per instalment of its terms (REF#1, REF#2 …) or one (REF)."""
    amount, date, due = wanted["delta"], wanted["date"], wanted["due"]
    schedule = [(due, amount)] if due is not None else parse_terms(wanted["terms"]).schedule(date, amount)
    refs = [ref] if len(schedule) == 1 else [f"{ref}#{n}" for n in range(1, len(schedule) + 1)]
    return [
        dict(customer_id=wanted["customer_id"], seq=n, ref=item_ref, delivery_date=date, due_date=d, amount=a)
        for n, (item_ref, (d, a)) in enumerate(zip(refs, schedule, strict=True), start=1)
    ]


def post_delivery(
    tx: Tx,
    ctx: Context,
    customer: Customer,
    *,
    amount: int,
    date: dt.date,
    sale_ref: str | None,
    terms: str | None,
    due: dt.date | None,
    ref: str | None,
    note: str | None,
    force: bool,
    holds: bool = True,
) -> Posted:
    """The body of `add_delivery` inside a caller's transaction (imports post many rows in one).

    ``holds=False`` skips the credit-hold checks: an import records history that already happened."""
    sale = None
    if sale_ref is not None:
        sale = tx.sale_by_ref(sale_ref)
        if sale is None:
            raise NotFound(_("no sale {sale_ref!r}").format(sale_ref=sale_ref))
        if sale.customer_id != customer.id:
            raise Conflict(
                _("sale {sale_ref} belongs to {name}").format(
                    sale_ref=sale_ref, name=tx.customer_by_id(sale.customer_id).name
                )
            )
    canonical, wanted = delivery_fields(customer, sale, amount=amount, date=date, terms=terms, due=due)
    if ref is not None:
        existing = tx.entry_by_ref("delivery", ref)
        if existing is not None:
            diffs = delivery_differences(existing, wanted)
            if diffs:
                _refuse_changed("delivery", ref, diffs)
            items = [dict(ref=i.ref, due=i.due_date, amount=i.amount) for i in tx.items_of(existing.id)]
            return Posted("delivery", ref, customer.name, amount, date, unchanged=True, terms=canonical, items=items)
    problem = hold_problem(tx, customer, date, amount) if holds else None
    if problem and not force:
        raise Conflict(_("{problem}: deliver anyway with --force").format(problem=problem))
    ref = ref or _new_ref(tx, "delivery")
    rows = delivery_items(wanted, ref)
    for r in rows:
        if tx.ref_taken("item", r["ref"]):
            raise Conflict(_("an open item {value} exists already: choose another --ref").format(value=r["ref"]))
    entry_id = tx.insert_entry(
        kind="delivery", ref=ref, note=note, created_at=ctx.now, command=ctx.command, actor=ctx.actor, **wanted
    )
    tx.insert_items([dict(r, entry_id=entry_id) for r in rows])
    applied = _settle_from_credit(tx, ctx, customer.id, tx.open_items(customer.id, entry_id=entry_id), date)
    posted = Posted(
        "delivery",
        ref,
        customer.name,
        amount,
        date,
        terms=canonical,
        items=[dict(ref=r["ref"], due=r["due_date"], amount=r["amount"]) for r in rows],
        applied=applied,
        credit_left=sum(c for *_, c in tx.payment_credits(customer.id)),
    )
    if problem:
        posted.warnings.append(_("delivered with --force although {problem}").format(problem=problem))
    if sale is not None:
        delivered = tx.delivered_on_sale(sale.id)
        if delivered > sale.amount:
            posted.warnings.append(
                _("deliveries on sale {ref} now total {delivered}, more than its {amount}").format(
                    ref=sale.ref, delivered=format_amount(delivered), amount=format_amount(sale.amount)
                )
            )
    return posted


# -- payments ----------------------------------------------------------------------------------------------
def apply_spec(requests: list[Request]) -> str | None:
    if not requests:
        return None
    return ";".join(
        r.ref if r.amount is None else f"{r.ref}={format_amount(r.amount, grouped=False)}" for r in requests
    )


def _explain_missing(
    tx: Tx, customer: Customer, requests: list[Request], items: list[OpenItem], option: str = "--apply"
) -> None:
    known = {i.ref for i in items} | {i.delivery_ref for i in items}
    for req in requests:
        if req.ref in known:
            continue
        found = tx.item_lookup(req.ref)
        if found is None:
            raise NotFound(_("{option} {ref}: no delivery or item with that ref").format(option=option, ref=req.ref))
        if found.customer_id != customer.id:
            raise Conflict(
                _("{option} {ref}: that item belongs to another customer, not {name}").format(
                    option=option, ref=req.ref, name=customer.name
                )
            )
        raise Conflict(_("{option} {ref}: nothing is open on it (paid or voided)").format(option=option, ref=req.ref))


def add_payment(
    ctx: Context,
    customer_key: str,
    amount: int,
    *,
    date: dt.date | None = None,
    ref: str | None = None,
    method: str = "bank",
    apply: list[Request] | None = None,
    note: str | None = None,
) -> Posted:
    date = date or ctx.today
    ref = _check_ref(ref)
    if method not in METHODS:
        raise InputError(
            _("unknown payment method {method!r}: one of {value}").format(method=method, value=", ".join(METHODS))
        )
    requests = apply or []
    with unit_of_work(ctx, write=True) as tx:
        posted = post_payment(
            tx,
            ctx,
            resolve(tx, customer_key),
            amount=amount,
            date=date,
            ref=ref,
            method=method,
            requests=requests,
            note=note,
        )
    return _dated_ahead(posted, ctx.today)


def post_payment(
    tx: Tx,
    ctx: Context,
    customer: Customer,
    *,
    amount: int,
    date: dt.date,
    ref: str | None,
    method: str,
    requests: list[Request],
    note: str | None,
) -> Posted:
    """The body of `add_payment` inside a caller's transaction (imports post many rows in one)."""
    spec = apply_spec(requests)
    wanted = dict(customer_id=customer.id, delta=-amount, date=date, method=method, apply_spec=spec)
    known = _known_money_entry(tx, "payment", ref, wanted, "--apply", customer, amount, date)
    if known is not None:
        return known
    ref = ref or _new_ref(tx, "payment")
    items = tx.open_items(customer.id)
    if requests:
        _explain_missing(tx, customer, requests, items)
        plan, left = allocate_explicit(amount, requests, items)
    else:
        plan, left = allocate_fifo(amount, items)
    pid = tx.insert_entry(
        kind="payment", ref=ref, note=note, created_at=ctx.now, command=ctx.command, actor=ctx.actor, **wanted
    )
    applied = _write_allocations(tx, ctx, [(pid, ref, date, item, amt) for item, amt in plan])
    return Posted("payment", ref, customer.name, amount, date, applied=applied, credit_left=left)


# -- write-offs --------------------------------------------------------------------------------------------
def write_off(
    ctx: Context,
    customer_key: str,
    amount: int,
    *,
    items: list[str],
    reason: str,
    date: dt.date | None = None,
    ref: str | None = None,
) -> Posted:
    """Write off bad debt (呆账/坏账) on the named items: an entry allocated to them like a payment, so the
    amount leaves the open items and the aging, but never counted as money collected."""
    date = date or ctx.today
    ref = _check_ref(ref)
    reason = (reason or "").strip()
    if not reason:
        raise InputError(_("--reason is empty: say why the debt is written off"))
    if not items:
        raise InputError(_("name the items written off with --items REF (a delivery or an item)"))
    with unit_of_work(ctx, write=True) as tx:
        posted = post_writeoff(
            tx,
            ctx,
            resolve(tx, customer_key),
            amount=amount,
            date=date,
            ref=ref,
            reason=reason,
            requests=[Request(r) for r in items],
        )
    return _dated_ahead(posted, ctx.today)


def post_writeoff(
    tx: Tx,
    ctx: Context,
    customer: Customer,
    *,
    amount: int,
    date: dt.date,
    ref: str | None,
    reason: str,
    requests: list[Request],
) -> Posted:
    """The body of `write_off` inside a caller's transaction."""
    spec = apply_spec(requests)
    wanted = dict(customer_id=customer.id, delta=-amount, date=date, apply_spec=spec, reason=reason)
    known = _known_money_entry(tx, "writeoff", ref, wanted, "--items", customer, amount, date)
    if known is not None:
        return known
    open_now = tx.open_items(customer.id)
    _explain_missing(tx, customer, requests, open_now, "--items")
    plan, left = allocate_explicit(amount, requests, open_now)
    if left:
        raise Conflict(
            _("the items named have only {value} open: write off at most that much").format(
                value=format_amount(amount - left)
            )
        )
    ref = ref or _new_ref(tx, "writeoff")
    wid = tx.insert_entry(kind="writeoff", ref=ref, created_at=ctx.now, command=ctx.command, actor=ctx.actor, **wanted)
    applied = _write_allocations(tx, ctx, [(wid, ref, date, item, amt) for item, amt in plan])
    return Posted("writeoff", ref, customer.name, amount, date, applied=applied)


# -- voids -------------------------------------------------------------------------------------------------
def void(ctx: Context, kind: str, ref: str, *, reason: str, date: dt.date | None = None) -> Posted:
    """Reverse a delivery or a payment. The original and the reversal both stay in the history."""
    if kind not in ("delivery", "payment", "writeoff"):
        raise InputError(_("can void a delivery, a payment or a write-off, not {kind!r}").format(kind=kind))
    reason = (reason or "").strip()
    if not reason:
        raise InputError(_("--reason is empty: say why, it stays in the history"))
    with unit_of_work(ctx, write=True) as tx:
        original = tx.entry_by_ref(kind, ref)
        if original is None:
            raise NotFound(_("no {kind} {ref!r}").format(kind=code("kind", kind), ref=ref))
        customer = tx.customer_by_id(original.customer_id)
        amount = abs(int(original.delta))
        done = tx.reversal_of(original.id)
        if done is not None:
            if done.reason == reason and (date is None or date == done.date):
                return Posted("void", ref, customer.name, amount, done.date, unchanged=True)
            raise Conflict(
                _("{kind} {ref} was voided already on {date} ({reason})").format(
                    kind=code("kind", kind), ref=ref, date=done.date, reason=done.reason
                )
            )
        if kind == "delivery":
            written_off = tx.writeoffs_against(original.id)
            if written_off:  # they would be left writing off nothing: the user voids them first, knowingly
                raise Conflict(
                    _(
                        "delivery {ref} has write-offs against it ({value}): void {value2} first (`ar void writeoff "
                        "REF --reason …`)"
                    ).format(ref=ref, value=", ".join(written_off), value2="them" if len(written_off) > 1 else "it")
                )
        when = date or max(ctx.today, original.date)
        if when < original.date:
            raise InputError(
                _("cannot void {kind} {ref} on {when}: it is dated {date}").format(
                    kind=code("kind", kind), ref=ref, when=when, date=original.date
                )
            )
        rid = tx.insert_entry(
            kind="reversal",
            ref=f"void {kind} {ref}",
            customer_id=customer.id,
            date=when,
            delta=-int(original.delta),
            reverses_id=original.id,
            reason=reason,
            created_at=ctx.now,
            command=ctx.command,
            actor=ctx.actor,
        )
        standing = tx.net_allocations(
            **({"delivery_id": original.id} if kind == "delivery" else {"payment_id": original.id})
        )
        tx.insert_allocations(
            [
                dict(
                    payment_id=a.payment_id,
                    item_id=a.item_id,
                    amount=-int(a.amount),
                    date=when,
                    reversal_id=rid,
                    created_at=ctx.now,
                )
                for a in standing
            ]
        )
        applied = _settle_from_credit(tx, ctx, customer.id, tx.open_items(customer.id), when)
        posted = Posted(
            "void",
            ref,
            customer.name,
            amount,
            when,
            applied=applied,
            credit_left=sum(c for *_, c in tx.payment_credits(customer.id)),
        )
    return _dated_ahead(posted, ctx.today)
