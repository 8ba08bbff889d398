"""The morning list's score, without a database: its amount term is the exact Decimal logarithm, computed fast."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from arcli.domain.collections import Situation, amount_points, priority, rank


def exact_points(fen: int) -> Decimal:
    return (10 * (1 + Decimal(fen) / 100).log10()).quantize(Decimal("0.001"))


@given(st.one_of(st.integers(0, 10_000), st.integers(0, 10**9), st.integers(0, 10**16)))
def test_amount_points_equal_the_exact_decimal_logarithm(fen):
    got = amount_points(fen)
    assert got == exact_points(fen) and str(got) == str(exact_points(fen))


def test_amount_points_at_powers_of_ten_and_edges():
    for fen in (0, 1, 99, 100, 899, 900, 9_900, 10**8, 123_456_789):
        assert amount_points(fen) == exact_points(fen)
    assert amount_points(900) == Decimal("10.000")  # 1 + 9 yuan = 10: exactly 10 points


def situation(name, overdue, **kw):
    base = dict(due=0, days_overdue=0, grade="A", level=0, broken_unanswered=0, promise_due_today=0,
                open_disputes=0, promise_status="", follow_up_due=True)  # fmt: skip
    return Situation(customer=name, overdue=overdue, **{**base, **kw})


def test_a_broken_promise_outranks_a_tenfold_amount():
    small_broken = situation("A", 100_000, broken_unanswered=1)
    large = situation("B", 1_000_000)
    assert priority(small_broken) > priority(large)
    assert [s.customer for _, s, _ in rank([large, small_broken])] == ["A", "B"]


def test_ties_are_broken_by_amount_then_name():
    same = [situation("Zed", 5000), situation("Abe", 5000), situation("Max", 6000, days_overdue=0)]
    order = [s.customer for _, s, _ in rank(same)]
    assert order == ["Max", "Abe", "Zed"]


@given(
    fen=st.one_of(st.integers(0, 10_000), st.integers(0, 10**12)),
    days=st.integers(0, 400),
    broken=st.integers(0, 5),
    today=st.integers(0, 10**6),
    disputes=st.integers(0, 3),
    grades=st.lists(st.sampled_from("ABCD"), min_size=2, max_size=2).map(sorted),
    data=st.data(),
)
def test_priority_bounds_hold_the_score_for_every_grade_between(fen, days, broken, today, disputes, grades, data):
    from arcli.domain.collections import priority_bounds

    best, worst = grades
    low, high = priority_bounds(fen, days, broken, today, disputes, best, worst)
    letter = data.draw(st.sampled_from("ABCD"[("ABCD").index(best) : ("ABCD").index(worst) + 1]))
    s = situation("X", fen, days_overdue=days, broken_unanswered=broken, promise_due_today=today,
                  open_disputes=disputes, grade=letter)  # fmt: skip
    assert low <= float(priority(s)) <= high
    assert high - low <= 20.01  # at most the span of the grade's points, and a rounding margin


@given(kept=st.integers(0, 60), more=st.integers(0, 60), broken_90d=st.integers(0, 5))
def test_promise_grade_is_the_grade_without_lateness(kept, more, broken_90d):
    from arcli.domain.collections import grade, promise_grade

    ended = kept + more
    rate = Decimal(kept) / ended * 100 if ended else None
    assert promise_grade(kept, ended, broken_90d) == grade(rate, None, broken_90d).letter
    for late in (Decimal(0), Decimal(10), Decimal(30), Decimal(60)):  # lateness only makes it worse
        assert grade(rate, late, broken_90d).letter >= promise_grade(kept, ended, broken_90d)
