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
    close = difflib.get_close_matches(key, tx.customer_keys(), n=3, cutoff=0.6)
    hint = (
        _("; did you mean {names}?").format(names=_(" or ").join(repr(c) for c in close))
        if close
        else _(" (see `ar customer list`)")
    )
    raise NotFound(_("no customer {key!r}{hint}").format(key=key, hint=hint))
