"""`ar export ledger`: every entity in the canonical import format, so that importing an export into an empty
ledger reproduces it (same balances, aging, allocations and promises).

Voided entries are left out with their reversals (they net to nothing); allocations are written exactly as
`applies_to` = ``REF=AMOUNT;…``. What is not carried: the void history itself, promise supersession chains and
grace days, contacts, disputes, holds, plans and settings.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from arcli.domain.money import format_amount
from arcli.services.context import Context, unit_of_work

ORDER = ("customers", "sales", "deliveries", "payments", "writeoffs", "promises")
HEADERS = {
    "customers": ["name", "code", "terms", "credit_limit", "rep", "phone", "note"],
    "sales": ["ref", "customer", "date", "amount", "terms", "note"],
    "deliveries": ["ref", "customer", "date", "amount", "due", "terms", "sale", "note"],
    "payments": ["ref", "customer", "date", "amount", "method", "applies_to", "note"],
    "writeoffs": ["ref", "customer", "date", "amount", "applies_to", "note"],
    "promises": ["customer", "amount", "by", "note", "made"],
}


def _money(fen: int | None) -> str:
    return "" if fen is None else format_amount(int(fen), grouped=False)


def _applied(parts: list[tuple[str, int]]) -> str:
    return ";".join(f"{ref}={_money(amount)}" for ref, amount in parts)


@contextmanager
def exporting(ctx: Context) -> Iterator[dict[str, Iterable[dict[str, Any]]]]:
    """{kind: rows} in canonical columns, text values, import order, read in one transaction (a consistent
    snapshot while others write). The deliveries, payments and write-offs are streamed: read them inside the
    ``with``, once."""
    with unit_of_work(ctx, write=False) as tx:
        yield {
            "customers": [
                {
                    "name": c.name,
                    "code": c.code,
                    "terms": c.terms,
                    "credit_limit": _money(c.credit_limit),
                    "rep": c.rep,
                    "phone": c.phone,
                    "note": c.note,
                }
                for c in tx.list_customers()
            ],
            "sales": [
                {
                    "ref": r.ref,
                    "customer": r.customer,
                    "date": r.date.isoformat(),
                    "amount": _money(r.amount),
                    "terms": r.terms,
                    "note": r.note,
                }
                for r in tx.export_sales()
            ],
            "deliveries": (
                {
                    "ref": r.ref,
                    "customer": r.customer,
                    "date": r.date.isoformat(),
                    "amount": _money(r.delta),
                    "due": r.due.isoformat() if r.due else "",
                    "terms": r.terms,
                    "sale": r.sale_ref,
                    "note": r.note,
                }
                for r, _applied_to in tx.export_entries("delivery")
            ),
            "payments": (
                {
                    "ref": r.ref,
                    "customer": r.customer,
                    "date": r.date.isoformat(),
                    "amount": _money(-r.delta),
                    "method": r.method,
                    "applies_to": _applied(applied),
                    "note": r.note,
                }
                for r, applied in tx.export_entries("payment")
            ),
            "writeoffs": (
                {
                    "ref": r.ref,
                    "customer": r.customer,
                    "date": r.date.isoformat(),
                    "amount": _money(-r.delta),
                    "applies_to": _applied(applied),
                    "note": r.reason,
                }
                for r, applied in tx.export_entries("writeoff")
            ),
            "promises": [
                {
                    "customer": r.customer,
                    "amount": _money(r.amount),
                    "by": r.by_date.isoformat(),
                    "note": r.note,
                    "made": r.made_on.isoformat(),
                }
                for r in tx.promises()
                if not r.superseded
            ],
        }
