"""Collection rules: promise outcomes, escalation levels, customer grades, follow-up cadence, and the ranking of
the morning list. Plain functions of plain values; the defaults follow ``../shared/notes/domain.md``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import NamedTuple

from arcli.i18n import N_, _, money, ngettext

# -- settings ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Policy:
    """The knobs of collection practice; every one is configurable (`ar config set KEY VALUE`)."""

    grace_days: int = 0  # a promise's window ends on by + grace
    threshold: Decimal = Decimal(100)  # percent of the promised amount that makes a promise kept
    ladder: tuple[int, ...] = (1, 15, 30, 60, 90)  # days overdue that start levels 1..5
    cadence: tuple[int, int, int, int] = (14, 7, 3, 1)  # days between follow-ups for grades A..D


LEVELS = (
    N_("reminder before due"),
    N_("friendly call"),
    N_("firm call or visit"),
    N_("written warning"),
    N_("stop supply"),
    N_("legal action"),
)


def level_name(level: int) -> str:
    """The escalation step's name in the language of this run."""
    return _(LEVELS[level])


GRADES = "ABCD"

# -- promises ------------------------------------------------------------------------------------------------


class Promise(NamedTuple):  # a tuple: the morning list reads thousands of them
    id: int
    made_on: date  # payments count from this day
    by: date
    amount: int
    grace_days: int
    superseded: bool = False

    @property
    def window_end(self) -> date:
        return self.by + timedelta(days=self.grace_days) if self.grace_days else self.by


class PromiseOutcome(NamedTuple):
    promise: Promise
    status: str  # open | kept | partly_kept | broken | superseded
    paid: int  # payments counted towards it, fen


def evaluate_promises(
    promises: list[Promise], payments: list[tuple[date, int]], as_of: date, threshold: Decimal = Decimal(100)
) -> list[PromiseOutcome]:
    """Each promise's status as of a date.

    Payments dated up to ``as_of`` are matched to promises oldest first: a payment counts towards the oldest
    promise whose window (made_on .. by + grace) contains its date and that still lacks money; a superseded
    promise takes no money. Kept: the counted payments reach amount × threshold (a promise can be kept early).
    When the window has ended short of that: partly kept if anything arrived, else broken. Otherwise open.
    """
    paid = paid_towards(promises, [(d, a) for d, a in payments if d <= as_of])
    return [PromiseOutcome(p, promise_status(p, paid[p.id], as_of, threshold), paid[p.id]) for p in promises]


def paid_towards(promises: list[Promise], payments: list[tuple[date, int]]) -> dict[int, int]:
    """Promise id → the payments counted towards it (every payment given counts; see `evaluate_promises`)."""
    live = sorted((p for p in promises if not p.superseded), key=lambda p: (p.made_on, p.id))
    paid = dict.fromkeys((p.id for p in promises), 0)
    if live:
        ends = {p.id: p.window_end for p in live}
        for day, amount in sorted(payments):
            left = amount
            for p in live:
                if left <= 0:
                    break
                if p.made_on <= day <= ends[p.id] and paid[p.id] < p.amount:
                    take = min(left, p.amount - paid[p.id])
                    paid[p.id] += take
                    left -= take
    return paid


def promise_status(p: Promise, paid: int, as_of: date, threshold: Decimal = Decimal(100)) -> str:
    """superseded, kept (the money counted reaches amount × threshold), open (its window has not ended), else
    partly_kept if anything arrived, broken if nothing did."""
    if p.superseded:
        return "superseded"
    # the target lies in 1 .. amount: the threshold is read only for money short of the whole amount
    if paid >= p.amount or (paid > 0 and paid >= _target(p.amount, threshold)):
        return "kept"
    if as_of <= p.window_end:
        return "open"
    return "partly_kept" if paid > 0 else "broken"


def _target(amount: int, threshold: Decimal) -> int:
    if threshold == 100:  # the default: the whole amount, with no Decimal arithmetic
        return max(1, amount)
    return max(1, math.ceil(Decimal(amount) * threshold / 100))


def keep_rate(outcomes: list[PromiseOutcome]) -> tuple[Decimal | None, Decimal | None]:
    """Kept ÷ promises whose window has ended, by count and by amount (None when none has ended)."""
    ended = [o for o in outcomes if o.status in ("kept", "partly_kept", "broken")]
    if not ended:
        return None, None
    kept = [o for o in ended if o.status == "kept"]
    by_count = Decimal(len(kept)) / len(ended) * 100
    by_amount = Decimal(sum(o.promise.amount for o in kept)) / sum(o.promise.amount for o in ended) * 100
    return by_count, by_amount


# -- escalation, grade, cadence ------------------------------------------------------------------------------


def escalation_level(days_overdue: int, broken_since_payment: int, ladder: tuple[int, ...] = Policy.ladder) -> int:
    """0 (reminder before due) .. 5 (legal), from the oldest overdue item's days, raised one step per promise
    broken since the customer's last payment (a payment is the only thing that lowers it)."""
    level = sum(1 for start in ladder if days_overdue >= start)
    if days_overdue > 0:
        level += broken_since_payment
    return min(level, len(LEVELS) - 1)


@dataclass(frozen=True)
class Grade:
    """A letter and the record it was given for; the reasons are worded only when someone reads them (the
    morning list grades thousands of customers and shows none of the reasons)."""

    letter: str
    keep_rate_pct: Decimal | None = None
    avg_days_late: Decimal | None = None
    broken_90d: int = 0

    @property
    def reasons(self) -> list[str]:
        reasons = []
        if self.keep_rate_pct is not None:
            reasons.append(_("keeps {rate:.0f}% of promises").format(rate=self.keep_rate_pct))
        else:
            reasons.append(_("no promise has come due yet"))  # kept or broken: a window has ended
        if self.avg_days_late is not None:
            reasons.append(_("pays {days:.0f} days late on average").format(days=self.avg_days_late))
        if self.broken_90d:
            n = self.broken_90d
            reasons.append(ngettext("{n} broken promise in 90 days", "{n} broken promises in 90 days", n).format(n=n))
        return reasons


def grade(keep_rate_pct: Decimal | None, avg_days_late: Decimal | None, broken_90d: int) -> Grade:
    """A–D from the customer's record: promise keep rate, average days late (amount-weighted), broken promises in
    the last 90 days. Each criterion gives a letter; the grade is the worst of them."""
    letter = "A" if broken_90d == 0 else "B" if broken_90d == 1 else "C" if broken_90d == 2 else "D"
    if keep_rate_pct is not None:
        letter = max(letter, _rate_letter(keep_rate_pct))
    if avg_days_late is not None:
        d = avg_days_late
        letter = max(letter, "A" if d <= 7 else "B" if d <= 20 else "C" if d <= 45 else "D")
    return Grade(letter, keep_rate_pct, avg_days_late, broken_90d)


def _rate_letter(kr: Decimal) -> str:
    return "A" if kr >= 90 else "B" if kr >= 70 else "C" if kr >= 40 else "D"


def promise_grade(kept: int, ended: int, broken_90d: int) -> str:
    """The letter `grade` gives a customer from its promises alone (``kept`` of ``ended`` promises, broken in 90
    days), before its lateness is known (which can only make it worse). Exact: the rate compared in integers."""
    letter = "A" if broken_90d == 0 else "B" if broken_90d == 1 else "C" if broken_90d == 2 else "D"
    if not ended:
        return letter
    k = kept * 10  # kept / ended >= 90 %  <=>  10 kept >= 9 ended
    return max(letter, "A" if k >= 9 * ended else "B" if k >= 7 * ended else "C" if k >= 4 * ended else "D")


def next_follow_up(
    last_contact: date | None, scheduled: date | None, grade_letter: str, cadence: tuple[int, ...] = Policy.cadence
) -> date | None:
    """The logged ``--next`` date if any, else the last contact + the grade's cadence; None if never contacted."""
    if scheduled is not None:
        return scheduled
    if last_contact is None:
        return None
    return last_contact + timedelta(days=cadence[GRADES.index(grade_letter)])


# -- the morning list ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Situation:
    """What is known about one customer on the day, as the ranking sees it."""

    customer: str
    overdue: int  # fen overdue on the day
    due: int  # fen falling due in the window (today .. today + within)
    days_overdue: int
    grade: str
    level: int
    broken_unanswered: int  # broken promises not followed up since
    promise_due_today: int  # fen promised for today
    open_disputes: int
    promise_status: str  # the latest promise's status, or "" when there is none
    follow_up_due: bool


BROKEN_POINTS = 40
PROMISE_TODAY_POINTS = 40
DISPUTE_POINTS = 10
GRADE_POINTS = {"A": 0, "B": 5, "C": 10, "D": 20}


_MILLI = Decimal("0.001")


def amount_points(fen: int) -> Decimal:
    """10 × log10(1 + yuan), rounded half-even to 0.001: exactly as Decimal computes it, at a float's cost.

    The float logarithm is within 1e-12 of the true value, so its rounding to 0.001 is the exact one unless the
    value lies within 1e-9 of a rounding boundary; only then is the slow exact Decimal logarithm taken.
    """
    if fen <= 0:
        return Decimal("0.000")
    v = 10_000 * math.log10(1 + fen / 100)  # the points × 1000
    nearest = round(v)
    if abs(abs(v - nearest) - 0.5) < 1e-6:
        return (10 * (1 + Decimal(fen) / 100).log10()).quantize(_MILLI)
    return Decimal(nearest).scaleb(-3)


def priority(s: Situation) -> Decimal:
    """A deterministic score; higher is chased first.

    10 × log10(1 + amount at stake in yuan) + 0.25 per day overdue (at most 45) + 40 per broken promise not yet
    followed up (at most 3) + 40 if a payment is promised for today + 10 per open dispute (at most 2) + the
    grade's weight (A 0, B 5, C 10, D 20). A broken promise weighs as much as a tenfold amount does ten times.
    """
    score = amount_points(s.overdue + s.due)
    score += Decimal(min(s.days_overdue, 180)) / 4
    score += BROKEN_POINTS * min(s.broken_unanswered, 3)
    score += PROMISE_TODAY_POINTS if s.promise_due_today else 0
    score += DISPUTE_POINTS * min(s.open_disputes, 2)
    score += GRADE_POINTS[s.grade]
    return score


def priority_bounds(
    amount: int,
    days_overdue: int,
    broken_unanswered: int,
    promise_due_today: int,
    open_disputes: int,
    best_grade: str,
    worst_grade: str,
) -> tuple[float, float]:
    """The least and the most `priority` can be for a customer whose grade is known only to lie between two
    letters (the morning list bounds every customer's score before it loads the lateness behind the grades of
    the few that can make its first page). Floats, widened past the 0.001 to which the exact score rounds."""
    base = 10 * math.log10(1 + amount / 100) if amount > 0 else 0.0
    base += min(days_overdue, 180) / 4 + BROKEN_POINTS * min(broken_unanswered, 3)
    if promise_due_today:
        base += PROMISE_TODAY_POINTS
    if open_disputes:
        base += DISPUTE_POINTS * min(open_disputes, 2)
    low, high = _GRADE_SPAN[best_grade, worst_grade]
    return base + low - 0.002, base + high + 0.002


#: (best, worst) letter → the least and most grade points between them
_GRADE_SPAN = {
    (b, w): (min(pts := [GRADE_POINTS[g] for g in GRADES[i : j + 1]]), max(pts))
    for i, b in enumerate(GRADES)
    for j, w in enumerate(GRADES)
    if j >= i
}


def action(s: Situation) -> str:
    if s.open_disputes:
        return _("answer the dispute in writing")
    if s.broken_unanswered:
        return _("call about the broken promise; {step}").format(step=level_name(max(s.level, 2)))
    if s.promise_due_today:
        return _("check today's promised payment; call if it has not arrived")
    if s.overdue:
        return level_name(max(s.level, 1))
    return level_name(0)


def why(s: Situation) -> str:
    parts = []
    if s.broken_unanswered:
        n = s.broken_unanswered
        parts.append(ngettext("{n} broken promise", "{n} broken promises", n).format(n=n))
    if s.promise_due_today:
        parts.append(_("promised {amount} today").format(amount=money(s.promise_due_today)))
    if s.overdue:
        parts.append(_("{days} days overdue").format(days=s.days_overdue))
        parts.append(_("{amount} overdue").format(amount=money(s.overdue)))
    if s.due:
        parts.append(_("{amount} falling due").format(amount=money(s.due)))
    if s.open_disputes:
        n = s.open_disputes
        parts.append(ngettext("{n} open dispute", "{n} open disputes", n).format(n=n))
    if s.follow_up_due and not (s.broken_unanswered or s.promise_due_today):
        parts.append(_("follow-up due"))
    parts.append(_("grade {grade}").format(grade=s.grade))
    return " · ".join(parts)


def rank(situations: list[Situation]) -> list[tuple[int, Situation, Decimal]]:
    """Sort by score, then amount overdue, then name: a total, deterministic order."""
    scored = sorted(
        ((priority(s), s) for s in situations), key=lambda x: (-x[0], -x[1].overdue, -x[1].due, x[1].customer)
    )
    return [(n, s, score) for n, (score, s) in enumerate(scored, start=1)]
