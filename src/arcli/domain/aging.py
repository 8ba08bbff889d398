"""Aging buckets: labels and the bucket an age falls in.

Age = as-of date − due date (or − delivery date, the accountant's view), in calendar days. On the due basis an
item due on the as-of date or later is *not due* (age ≤ 0: Odoo's convention; ERPNext counts the due date as
overdue). Cut-offs ``30,60,90,180,365`` give ``not due, 1-30, 31-60, 61-90, 91-180, 181-365, 365+``.
"""

from __future__ import annotations

from arcli.domain.errors import InputError
from arcli.i18n import N_, _

DEFAULT_CUTOFFS = (30, 60, 90, 180, 365)
NOT_DUE = N_("not due")  # a column label and JSON key; shown translated


def parse_cutoffs(text: str) -> tuple[int, ...]:
    """``30,60,90`` → (30, 60, 90): increasing whole days, at least one."""
    try:
        cutoffs = tuple(int(x) for x in text.replace(" ", "").split(",") if x)
    except ValueError:
        raise InputError(
            _("aging buckets must be whole days separated by commas, like 30,60,90: not {text!r}").format(text=text)
        ) from None
    if not cutoffs or any(c < 1 for c in cutoffs) or list(cutoffs) != sorted(set(cutoffs)):
        raise InputError(
            _("aging buckets must be increasing whole days of 1 or more, like 30,60,90: not {text!r}").format(text=text)
        )
    if len(cutoffs) > 12:
        raise InputError(_("at most 12 aging buckets"))
    return cutoffs


def labels(cutoffs: tuple[int, ...], basis: str = "due") -> list[str]:
    """Column labels, oldest last: ``not due, 1-30, 31-60, …, 365+`` (``0-30, …`` on the delivery basis)."""
    out = [NOT_DUE] if basis == "due" else []
    low = 1 if basis == "due" else 0
    for c in cutoffs:
        out.append(f"{low}-{c}")
        low = c + 1
    out.append(f"{cutoffs[-1]}+")
    return out


def bucket(age: int, cutoffs: tuple[int, ...], basis: str = "due") -> int:
    """The column index of an age: 0 for not due (due basis), then one per cut-off, then the oldest."""
    offset = 1 if basis == "due" else 0
    if basis == "due" and age <= 0:
        return 0
    for n, c in enumerate(cutoffs):
        if age <= c:
            return n + offset
    return len(cutoffs) + offset
