"""Finding a customer the way a person names one."""

from __future__ import annotations

import difflib

from arcli.domain.errors import InputError, NotFound
from arcli.domain.records import Customer
from arcli.i18n import _
from arcli.storage import Tx


def resolve(tx: Tx, key: str) -> Customer:
    """A customer by exact name or code; a unique case-insensitive match; else NotFound with suggestions."""
    key = (key or "").strip()
    if not key:
        raise InputError(_("customer name is empty"))
    found = tx.customer_by_key(key)
    if found:
        return found
    folded = tx.customers_by_key_folded(key)
    if len(folded) == 1:
        return folded[0]
    close = suggestions(key, tx.customer_keys())
    hint = (
        _("; did you mean {names}?").format(names=_(" or ").join(repr(c) for c in close))
        if close
        else _(" (see `ar customer list`)")
    )
    raise NotFound(_("no customer {key!r}{hint}").format(key=key, hint=hint))


def suggestions(key: str, keys: list[str], n: int = 3) -> list[str]:
    """The names or codes a person may have meant by ``key``: those it begins (``Acme`` for "Acme Trading"),
    those with a word it begins, those containing it, then near misses (a letter wrong or left out); at most
    ``n``. A suggestion only: posting to a customer takes its whole name or code."""
    k = key.casefold()
    ranked: dict[str, None] = {}
    for test in (
        lambda c: c.startswith(k),
        lambda c: any(w.startswith(k) for w in c.split()),
        lambda c: k in c,
    ):
        ranked.update((c, None) for c in sorted((c for c in keys if test(c.casefold())), key=lambda c: (len(c), c)))
    ranked.update((c, None) for c in difflib.get_close_matches(key, keys, n=n, cutoff=0.6))
    return list(ranked)[:n]
