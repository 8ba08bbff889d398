"""Dates people type, resolved against an explicit "today" (never the clock).

Accepted: ISO ``2026-11-23`` (also ``2026/11/23``, ``2026.11.23``, ``20261123``, and with a time of day as
exports write it, ``2026-11-23 14:30:00``: the day is kept), ``today``, ``yesterday``, ``tomorrow``, offsets ``+3d``,
``-2w``, ``+1m``, ``-1y``, weekday names (``fri``, ``friday``: the next Friday after today; ``last fri``: the
latest Friday before today). Day-first and month-first forms such as ``11/12/2026`` are ambiguous and
rejected, never guessed.

In Chinese, whatever the output language: ``今天``, ``明天``, ``昨天``, ``后天``, ``前天``, ``大后天``; ``3天后``,
``2天前``, ``2周后``, ``1个月后``, ``1年后``; ``周五``/``星期五``/``礼拜五`` (the next Friday after today, like
``fri``); ``本周五``/``这周五`` (this Monday-to-Sunday week's Friday), ``下周五`` (next week's), ``上周五`` (last
week's); ``月底``/``本月底``, ``下月底``, ``上月底``, ``月初``/``本月初``, ``下月初``; ``2026年11月23日`` and
``11月23日`` (this year).
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, timedelta

from dateutil.relativedelta import relativedelta

from arcli.domain.errors import InputError
from arcli.i18n import N_, _

ACCEPTED = N_(
    "YYYY-MM-DD, today, yesterday, tomorrow, +3d, -2w, +1m, -1y, mon..sun, last fri, 明天, 3天后, 下周五, 本月底"
)

_WEEKDAYS = {
    "mon": 0, "monday": 0,
    "tue": 1, "tues": 1, "tuesday": 1,
    "wed": 2, "wednesday": 2,
    "thu": 3, "thur": 3, "thurs": 3, "thursday": 3,
    "fri": 4, "friday": 4,
    "sat": 5, "saturday": 5,
    "sun": 6, "sunday": 6,
}  # fmt: skip
#: year first: 2026-11-23, 2026/11/23, 2026.11.23, 20261123, also with a time of day as exports write it
#: (2026-11-23 14:30:00, 2026-11-23T14:30): the day is what a date field keeps
_ISO = re.compile(r"(\d{4})(?:[-/.](\d{1,2})[-/.](\d{1,2})|(\d{2})(\d{2}))(?:[ t]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?")
_OFFSET = re.compile(r"([+-])(\d{1,5})([dwmy])")
_ZH_DAYS = {"今天": 0, "今日": 0, "明天": 1, "明日": 1, "后天": 2, "大后天": 3, "昨天": -1, "昨日": -1, "前天": -2}
_ZH_WEEKDAY = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6}
_ZH_OFFSET = re.compile(r"(\d{1,5})\s*(天|日|周|星期|个星期|礼拜|个礼拜|个月|月|年)\s*(后|以后|之后|前|以前|之前)")
_ZH_WEEK = re.compile(r"(上|下|本|这|这个|下个|上个)?\s*(?:周|星期|礼拜)([一二三四五六日天])")
_ZH_MONTH = re.compile(r"(本|这个|下|下个|上|上个)?\s*月(底|末|初)")
_ZH_DATE = re.compile(r"(?:(\d{4})\s*年\s*)?(\d{1,2})\s*月\s*(\d{1,2})\s*[日号]")


#: The dates a ledger keeps. Wide enough for any business record, narrow enough that every report can go a
#: few years either side without leaving the calendar.
FIRST_DAY = date(1900, 1, 1)
LAST_DAY = date(2199, 12, 31)


def in_range(d: date, original: str) -> date:
    if not FIRST_DAY <= d <= LAST_DAY:
        raise InputError(
            _("date out of range: {original!r} (arcli keeps dates from {FIRST_DAY} to {LAST_DAY})").format(
                original=original, FIRST_DAY=FIRST_DAY, LAST_DAY=LAST_DAY
            )
        )
    return d


def parse_date(text: str, today: date) -> date:
    """Parse a date relative to ``today``; raise InputError naming the accepted forms. Dates outside
    FIRST_DAY..LAST_DAY are refused."""
    return in_range(_parse(text, today), text)


def _parse(text: str, today: date) -> date:
    canonical = len(text) == 10 and text.isascii() and text[4] == text[7] == "-"
    if canonical and text[:4].isdigit() and text[5:7].isdigit() and text[8:].isdigit():
        try:  # YYYY-MM-DD (every import file, every export): no normalising, no patterns
            return date(int(text[:4]), int(text[5:7]), int(text[8:]))
        except ValueError:
            pass  # no such day: the full parse below says so
    original = text
    s = unicodedata.normalize("NFKC", text or "").strip().lower()
    if not s:
        raise InputError(_("date is empty: use {ACCEPTED}").format(ACCEPTED=_(ACCEPTED)))
    if s == "today":
        return today
    try:
        return _relative(s, original, today)
    except OverflowError:
        raise InputError(_("date out of range: {original!r}").format(original=original)) from None


def _relative(s: str, original: str, today: date) -> date:
    if s == "yesterday":
        return today - timedelta(days=1)
    if s == "tomorrow":
        return today + timedelta(days=1)
    m = _ISO.fullmatch(s)
    if m:
        try:
            return date(int(m.group(1)), int(m.group(2) or m.group(4)), int(m.group(3) or m.group(5)))
        except ValueError:
            raise InputError(_("no such date: {original!r}").format(original=original)) from None
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
            raise InputError(_("date out of range: {original!r}").format(original=original)) from None
    zh = _chinese(s, original, today)
    if zh is not None:
        return zh
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
        raise InputError(_("ambiguous date {original!r}: write it as YYYY-MM-DD").format(original=original))
    raise InputError(_("not a date: {original!r} (use {ACCEPTED})").format(original=original, ACCEPTED=_(ACCEPTED)))


def _chinese(s: str, original: str, today: date) -> date | None:
    """A date said in Chinese (see the module's docstring), or None if ``s`` is not one."""
    if s in _ZH_DAYS:
        return today + timedelta(days=_ZH_DAYS[s])
    m = _ZH_OFFSET.fullmatch(s)
    if m:
        n = int(m.group(1)) * (-1 if m.group(3) in ("前", "以前", "之前") else 1)
        unit = m.group(2)
        if unit in ("天", "日"):
            delta = relativedelta(days=n)
        elif unit in ("个月", "月"):
            delta = relativedelta(months=n)
        elif unit == "年":
            delta = relativedelta(years=n)
        else:
            delta = relativedelta(weeks=n)
        return today + delta
    m = _ZH_WEEK.fullmatch(s)
    if m:
        target = _ZH_WEEKDAY[m.group(2)]
        which = m.group(1)
        if which is None:  # 周五: the next Friday after today, like "fri"
            return today + timedelta(days=(target - today.weekday()) % 7 or 7)
        monday = today - timedelta(days=today.weekday())
        weeks = {"上": -1, "上个": -1, "下": 1, "下个": 1}.get(which, 0)
        return monday + timedelta(weeks=weeks, days=target)
    m = _ZH_MONTH.fullmatch(s)
    if m:
        months = {"下": 1, "下个": 1, "上": -1, "上个": -1}.get(m.group(1) or "", 0)
        first = today + relativedelta(months=months, day=1)
        return first if m.group(2) == "初" else end_of_month(first)
    m = _ZH_DATE.fullmatch(s)
    if m:
        try:
            return date(int(m.group(1) or today.year), int(m.group(2)), int(m.group(3)))
        except ValueError:
            raise InputError(_("no such date: {original!r}").format(original=original)) from None
    return None


def end_of_month(d: date) -> date:
    return d + relativedelta(day=31)
