"""Payment terms: parse them, and turn a delivery into its open items with due dates.

Grammar (case-insensitive; spaces optional)::

    terms      := part | instalment ("," instalment)+
    instalment := PERCENT "%" part                    percentages total 100
    part       := "prepaid"                           due on the delivery date (money before goods)
                | "cod"                               cash on delivery: due on the delivery date
                | "net" N                             N days after delivery
                | "eom" [N]                           N days after the end of the delivery month
                | "eom+" N "m"                        end of the Nth month after the delivery month

Examples: ``net 30``, ``eom 30``, ``eom+1m``, ``30% cod, 70% net 60``. Each part may also be said in Chinese,
as arcli words it in Chinese or as reps write it (``货到付款``, ``月结30天``, ``发货后 60 天``,
``30% 货到付款，70% 发货后 60 天``); terms are kept in the English form.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from functools import lru_cache

from dateutil.relativedelta import relativedelta

from arcli.domain.errors import InputError
from arcli.domain.money import split_by_percent
from arcli.i18n import N_, _, language

GRAMMAR = N_("terms are prepaid, cod, 'net N', 'eom N', 'eom+Nm', or instalments such as '30% cod, 70% net 60'")
MAX_DAYS = 3660
MAX_MONTHS = 120

_PART = re.compile(r"(prepaid|cod|net\s*(\d+)|eom(?:\s*(\d+))?|eom\s*\+\s*(\d+)\s*m)")

#: Terms said in Chinese, as arcli itself words them in Chinese (预付款, 货到付款, 发货后 30 天, 月结 30 天, 1 个月后的
#: 月底) and as reps write them (款到发货, 现结, 30天, 账期30天, 月结30天, 次月底): each read as its English part
_ZH_PARTS = (
    (re.compile(r"预付款?|预付货款|款到发货|先款后货"), lambda m: "prepaid"),
    (re.compile(r"货到付款|货到即付|货到付|现结|现款|现付|到付"), lambda m: "cod"),
    (re.compile(r"(?:发货后|账期)?(\d+)天(?:账期|内付款|付款|内)?"), lambda m: f"net {m[1]}"),
    (re.compile(r"月结(?:(\d+)天?)?"), lambda m: f"eom {m[1] or 0}"),
    (re.compile(r"次月底|下月底|次月末|下月末"), lambda m: "eom+1m"),
    (re.compile(r"(\d+)个月后的?月[底末]"), lambda m: f"eom+{m[1]}m"),
)
_CJK = re.compile(r"[\u4e00-\u9fff]")
_FULL_WIDTH = str.maketrans("０１２３４５６７８９", "0123456789")


def _from_chinese(text: str) -> str:
    """A part of terms written in Chinese, as its English form (``月结 30 天`` → ``eom 30``); other text as it is."""
    if not _CJK.search(text):
        return text
    bare = re.sub(r"\s+", "", text).translate(_FULL_WIDTH)
    for pattern, english in _ZH_PARTS:
        m = pattern.fullmatch(bare)
        if m:
            return english(m)
    return text


_INSTALMENT = re.compile(r"(\d+(?:\.\d+)?)\s*%\s*(.+)")


@lru_cache(maxsize=8192)
def _end_of_month(day: date, months_on: int) -> date:
    """The last day of the month ``months_on`` after ``day``'s (an import asks for the same few thousand days
    a million times, and relativedelta is slow)."""
    return day + relativedelta(months=months_on, day=31)


@dataclass(frozen=True)
class Rule:
    """One way of computing a due date from a delivery date."""

    kind: str  # prepaid | cod | net | eom | eom+
    n: int = 0

    def due(self, delivered: date) -> date:
        if self.kind in ("prepaid", "cod"):
            return delivered
        if self.kind == "net":
            return delivered + timedelta(days=self.n)
        if self.kind == "eom":
            return _end_of_month(delivered, 0) + timedelta(days=self.n)
        return _end_of_month(delivered, self.n)  # eom+Nm

    def describe(self) -> str:
        """The rule in the language of this run (``net 30`` → 发货后30天)."""
        if self.kind == "prepaid":
            return _("prepaid")
        if self.kind == "cod":
            return _("cash on delivery")
        if self.kind == "net":
            return _("net {n} days").format(n=self.n)
        if self.kind == "eom":
            return _("end of month + {n} days").format(n=self.n) if self.n else _("end of month")
        return _("end of the month + {n} months").format(n=self.n)

    def __str__(self) -> str:
        if self.kind in ("prepaid", "cod"):
            return self.kind
        if self.kind == "eom+":
            return f"eom+{self.n}m"
        return f"{self.kind} {self.n}"


@dataclass(frozen=True)
class Terms:
    """Parsed terms: one or more (percent, rule) parts; a single part has percent 100."""

    parts: tuple[tuple[Decimal, Rule], ...]

    def __str__(self) -> str:
        if len(self.parts) == 1:
            return str(self.parts[0][1])
        return ", ".join(f"{_pct(p)}% {rule}" for p, rule in self.parts)

    def describe(self) -> str:
        if len(self.parts) == 1:
            return self.parts[0][1].describe()
        return _(", ").join(f"{_pct(p)}% {rule.describe()}" for p, rule in self.parts)

    @property
    def prepaid(self) -> bool:
        return any(rule.kind == "prepaid" for _, rule in self.parts)

    def schedule(self, delivered: date, amount: int) -> list[tuple[date, int]]:
        """The open items a delivery of ``amount`` fen on ``delivered`` creates: (due date, amount). An
        instalment that rounds to nothing (0.01 split 30/70) is left out: no item is ever zero."""
        if len(self.parts) == 1:
            return [(self.parts[0][1].due(delivered), amount)]
        amounts = split_by_percent(amount, [p for p, _ in self.parts])
        return [(rule.due(delivered), a) for (_, rule), a in zip(self.parts, amounts, strict=True) if a > 0]


def _pct(p: Decimal) -> str:
    return format(p.normalize(), "f")


def _parse_part(text: str, original: str) -> Rule:
    m = _PART.fullmatch(_from_chinese(text.strip()))
    if not m:
        raise InputError(_("unknown terms {original!r}: {GRAMMAR}").format(original=original, GRAMMAR=_(GRAMMAR)))
    word = m.group(1)
    if word == "prepaid" or word == "cod":
        return Rule(word)
    if m.group(2) is not None:
        rule = Rule("net", int(m.group(2)))
    elif m.group(4) is not None:
        rule = Rule("eom+", int(m.group(4)))
    else:
        rule = Rule("eom", int(m.group(3) or 0))
    limit = MAX_MONTHS if rule.kind == "eom+" else MAX_DAYS
    if rule.n > limit:
        raise InputError(
            _("terms {original!r} reach too far (at most {limit} {value})").format(
                original=original, limit=limit, value=_("months") if limit == MAX_MONTHS else _("days")
            )
        )
    return rule


@lru_cache(maxsize=512)  # Terms are immutable; an import parses the same few texts a million times
def parse_terms(text: str) -> Terms:
    """Parse terms such as ``net 30`` or ``30% cod, 70% net 60``; raise InputError showing the grammar."""
    original = text
    s = (text or "").strip().lower().replace("，", ",").replace("、", ",").replace("％", "%")
    if not s:
        raise InputError(_("terms are empty: {GRAMMAR}").format(GRAMMAR=_(GRAMMAR)))
    pieces = [p.strip() for p in s.split(",")]
    if len(pieces) == 1 and "%" not in s:
        return Terms(((Decimal(100), _parse_part(s, original)),))
    parts = []
    for piece in pieces:
        m = _INSTALMENT.fullmatch(piece)
        if not m:
            raise InputError(_("unknown terms {original!r}: {GRAMMAR}").format(original=original, GRAMMAR=_(GRAMMAR)))
        try:
            pct = Decimal(m.group(1))
        except InvalidOperation:  # pragma: no cover - the regex admits only digits
            raise InputError(_("bad percentage in {original!r}").format(original=original)) from None
        if pct <= 0:
            raise InputError(_("instalment percentages must be above zero in {original!r}").format(original=original))
        parts.append((pct, _parse_part(m.group(2), original)))
    total = sum(p for p, _ in parts)
    if total != 100:
        raise InputError(
            _("instalment percentages in {original!r} total {total}%, not 100%").format(
                original=original, total=_pct(total)
            )
        )
    return Terms(tuple(parts))


def describe_terms(text: str | None) -> str:
    """Terms as people read them: the canonical text in English, words in Chinese (``30% cod, 70% net 60`` →
    ``30% 货到付款，70% 发货后60天``). Text that does not parse is shown as it is."""
    if not text or language() == "en":
        return text or ""
    try:
        return parse_terms(text).describe()
    except InputError:
        return text
