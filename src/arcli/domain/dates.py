"""Dates people type, resolved against an explicit "today" (never the clock).

Accepted: ISO ``2026-11-23`` (also ``2026/11/23``), ``today``, ``yesterday``, ``tomorrow``, offsets ``+3d``,
``-2w``, ``+1m``, ``-1y``, weekday names (``fri``, ``friday``: the next Friday after today; ``last fri``: the
latest Friday before today). Day-first and month-first forms such as ``11/12/2026`` are ambiguous and
rejected, never guessed.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, timedelta

from dateutil.relativedelta import relativedelta

from arcli.domain.errors import InputError

ACCEPTED = "YYYY-MM-DD, today, yesterday, tomorrow, +3d, -2w, +1m, -1y, mon..sun, last fri"

_WEEKDAYS = {
    "mon": 0, "monday": 0,
    "tue": 1, "tues": 1, "tuesday": 1,
    "wed": 2, "wednesday": 2,
    "thu": 3, "thur": 3, "thurs": 3, "thursday": 3,
    "fri": 4, "friday": 4,
    "sat": 5, "saturday": 5,
    "sun": 6, "sunday": 6,
}  # fmt: skip
_ISO = re.compile(r"(\d{4})[-/](\d{1,2})[-/](\d{1,2})")
_OFFSET = re.compile(r"([+-])(\d{1,5})([dwmy])")


#: The dates a ledger keeps. Wide enough for any business record, narrow enough that every report can go a
#: few years either side without leaving the calendar.
FIRST_DAY = date(1900, 1, 1)
LAST_DAY = date(2199, 12, 31)


def in_range(d: date, original: str) -> date:
    if not FIRST_DAY <= d <= LAST_DAY:
        raise InputError(f"date out of range: {original!r} (arcli keeps dates from {FIRST_DAY} to {LAST_DAY})")
    return d


def parse_date(text: str, today: date) -> date:
    """Parse a date relative to ``today``; raise InputError naming the accepted forms. Dates outside
    FIRST_DAY..LAST_DAY are refused."""
    return in_range(_parse(text, today), text)


def _parse(text: str, today: date) -> date:
    original = text
    s = unicodedata.normalize("NFKC", text or "").strip().lower()
    if not s:
        raise InputError(f"date is empty: use {ACCEPTED}")
    if s == "today":
        return today
    try:
        return _relative(s, original, today)
    except OverflowError:
        raise InputError(f"date out of range: {original!r}") from None


def _relative(s: str, original: str, today: date) -> date:
    if s == "yesterday":
        return today - timedelta(days=1)
    if s == "tomorrow":
        return today + timedelta(days=1)
    m = _ISO.fullmatch(s)
    if m:
        try:
            return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        except ValueError:
            raise InputError(f"no such date: {original!r}") from None
    m = _OFFSET.fullmatch(s)
    if m:
        n = int(m.group(2)) * (1 if m.group(1) == "+" else -1)
        unit = m.group(3)
        delta = {
            "d": relativedelta(days=n),
            "w": relativedelta(weeks=n),
            "m": relativedelta(months=n),
            "y": relativedelta(years=n),
        }[unit]
        try:
            return today + delta
        except (OverflowError, ValueError):
            raise InputError(f"date out of range: {original!r}") from None
    words = s.split()
    if len(words) == 2 and words[0] in ("last", "next") and words[1] in _WEEKDAYS:
        target = _WEEKDAYS[words[1]]
        if words[0] == "last":
            back = (today.weekday() - target) % 7 or 7
            return today - timedelta(days=back)
        s = words[1]
    if s in _WEEKDAYS:
        ahead = (_WEEKDAYS[s] - today.weekday()) % 7 or 7
        return today + timedelta(days=ahead)
    if re.fullmatch(r"\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4}", s):
        raise InputError(f"ambiguous date {original!r}: write it as YYYY-MM-DD")
    raise InputError(f"not a date: {original!r} (use {ACCEPTED})")


def end_of_month(d: date) -> date:
    return d + relativedelta(day=31)
