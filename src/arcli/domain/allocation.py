"""Allocating money to open items: oldest due first, or as the user names them.

These functions only plan: they take the open items and the money available and return which item gets how
much. The services layer writes the plan in the same transaction that read the items.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from arcli.domain.errors import Conflict, NotFound
from arcli.domain.money import format_amount
from arcli.i18n import _


@dataclass(frozen=True)
class OpenItem:
    id: int
    ref: str  # the item's own ref: the delivery ref, or REF#2 for the second instalment
    delivery_ref: str
    delivered: date
    due: date
    open: int  # fen still owed

    @property
    def fifo_key(self) -> tuple[date, date, int]:
        return (self.due, self.delivered, self.id)


@dataclass(frozen=True)
class Request:
    """``--apply REF[=AMT]``: a delivery or item ref, and an amount (None: as much as is open)."""

    ref: str
    amount: int | None = None


def allocate_fifo(amount: int, items: list[OpenItem]) -> tuple[list[tuple[OpenItem, int]], int]:
    """Apply ``amount`` to ``items`` oldest due first. Returns the plan and what is left over."""
    plan: list[tuple[OpenItem, int]] = []
    left = amount
    for item in sorted(items, key=lambda i: i.fifo_key):
        if left <= 0:
            break
        take = min(left, item.open)
        if take > 0:
            plan.append((item, take))
            left -= take
    return plan, left


def allocate_explicit(
    amount: int, requests: list[Request], items: list[OpenItem]
) -> tuple[list[tuple[OpenItem, int]], int]:
    """Apply ``amount`` to the items the user named, in the order named.

    A request names an item (``D1#2``) or a delivery (``D1``: its open instalments, oldest due first). With an
    amount, exactly that much goes to it and it may not exceed what is open; without, it takes what is open
    or what is left of the payment. ``items`` are the customer's open items: a ref not among them is either
    unknown, another customer's or already paid, which the caller tells apart.
    """
    by_item = {i.ref: i for i in items}
    by_delivery: dict[str, list[OpenItem]] = {}
    for i in sorted(items, key=lambda i: i.fifo_key):
        by_delivery.setdefault(i.delivery_ref, []).append(i)
    taken: dict[int, int] = {}
    plan: list[tuple[OpenItem, int]] = []
    left = amount
    for req in requests:
        targets = [by_item[req.ref]] if req.ref in by_item else by_delivery.get(req.ref)
        if not targets:
            raise NotFound(_("no open item {ref!r} for this customer").format(ref=req.ref))
        open_now = sum(t.open - taken.get(t.id, 0) for t in targets)
        want = open_now if req.amount is None else req.amount
        if req.amount is not None and req.amount > open_now:
            raise Conflict(
                _("cannot apply {amount} to {ref}: only {open_now} is open").format(
                    amount=format_amount(req.amount), ref=req.ref, open_now=format_amount(open_now)
                )
            )
        if req.amount is not None and req.amount > left:
            raise Conflict(
                _("the payment has only {left} left to apply, not {amount} to {ref}").format(
                    left=format_amount(left), amount=format_amount(req.amount), ref=req.ref
                )
            )
        want = min(want, left)
        for t in targets:
            if want <= 0:
                break
            take = min(want, t.open - taken.get(t.id, 0))
            if take > 0:
                plan.append((t, take))
                taken[t.id] = taken.get(t.id, 0) + take
                want -= take
                left -= take
    return plan, left


def apply_credits(credits: list[tuple[int, int]], items: list[OpenItem]) -> list[tuple[int, OpenItem, int]]:
    """Match on-account credits (``(payment id, amount)``, oldest first) to items, oldest due first.

    Returns ``(payment id, item, amount)`` triples; money is conserved: no item gets more than is open and
    no payment gives more than its credit.
    """
    left = {i.id: i.open for i in items}
    out: list[tuple[int, OpenItem, int]] = []
    ordered = sorted(items, key=lambda i: i.fifo_key)
    for payment_id, credit in credits:
        for item in ordered:
            if credit <= 0:
                break
            take = min(credit, left[item.id])
            if take > 0:
                out.append((payment_id, item, take))
                left[item.id] -= take
                credit -= take
    return out


def split_by_room(sides: list[tuple[int, list[tuple[date, int]]]], start: date, take: int) -> list[tuple[date, int]]:
    """Date ``take`` more money moving from a payment to an item, from ``start`` on, so that on no day does more
    stand applied than either side holds. Each side is (its amount, its allocations so far as (date, amount);
    negative ones, written by voids, give money back from their date on). What fits on ``start`` and every
    later day takes effect on ``start``; the rest on the first later day money came back that makes room.
    Returns the (date, amount) parts; after the last give-back there is always room for what the ledger holds
    as open and as credit."""
    parts: list[tuple[date, int]] = []
    left = take
    placed = [list(applied) for _, applied in sides]
    days = sorted({start, *(d for _, applied in sides for d, a in applied if a < 0 and d > start)})
    for day in days:
        if left <= 0:
            break
        room = left
        for (amount, _history), mine in zip(sides, placed, strict=True):
            if all(a >= 0 for _, a in mine):  # nothing ever given back: the most applied is all of it
                room = min(room, amount - sum(a for _, a in mine))
                continue
            moments = sorted({day, *(d for d, _ in mine if d > day)})
            room = min(room, *(amount - sum(a for d, a in mine if d <= m) for m in moments))
        if room > 0:
            parts.append((day, room))
            for mine in placed:
                mine.append((day, room))
            left -= room
    if left > 0:  # not reached for money the ledger holds: keep it, dated on the last day
        parts.append((days[-1], left))
    return parts
