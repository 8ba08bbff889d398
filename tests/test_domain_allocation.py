from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from arcli.domain.allocation import OpenItem, Request, allocate_explicit, allocate_fifo, apply_credits
from arcli.domain.errors import Conflict, NotFound

D0 = date(2026, 1, 1)


def item(i, due_days, open_, delivery=None):
    return OpenItem(i, f"D{i}", delivery or f"D{i}", D0, D0 + timedelta(days=due_days), open_)


def test_fifo_pays_oldest_due_first_and_keeps_the_rest():
    items = [item(1, 30, 500), item(2, 10, 300), item(3, 60, 1000)]
    plan, left = allocate_fifo(700, items)
    assert [(i.ref, a) for i, a in plan] == [("D2", 300), ("D1", 400)]
    assert left == 0
    plan, left = allocate_fifo(5000, items)
    assert sum(a for _, a in plan) == 1800 and left == 3200


def test_explicit_names_items_and_amounts():
    items = [item(1, 10, 500), item(2, 20, 300)]
    plan, left = allocate_explicit(600, [Request("D2"), Request("D1", 100)], items)
    assert [(i.ref, a) for i, a in plan] == [("D2", 300), ("D1", 100)]
    assert left == 200


def test_explicit_delivery_ref_spreads_over_its_instalments_by_due_date():
    a = OpenItem(1, "D9#1", "D9", D0, D0, 300)
    b = OpenItem(2, "D9#2", "D9", D0, D0 + timedelta(days=60), 700)
    plan, left = allocate_explicit(500, [Request("D9")], [b, a])
    assert [(i.ref, x) for i, x in plan] == [("D9#1", 300), ("D9#2", 200)]
    assert left == 0


def test_explicit_over_allocation_is_refused():
    items = [item(1, 10, 500)]
    with pytest.raises(Conflict, match=r"only 5\.00 is open"):
        allocate_explicit(10_000, [Request("D1", 600)], items)
    with pytest.raises(Conflict, match=r"only 1\.00 left"):
        allocate_explicit(100, [Request("D1", 200)], items)
    with pytest.raises(NotFound):
        allocate_explicit(100, [Request("D7")], items)


items_strategy = st.lists(st.tuples(st.integers(0, 90), st.integers(1, 10**6)), min_size=0, max_size=12)


@given(st.integers(1, 10**7), items_strategy)
def test_fifo_conserves_money(amount, specs):
    items = [item(n, d, o) for n, (d, o) in enumerate(specs)]
    plan, left = allocate_fifo(amount, items)
    assert sum(a for _, a in plan) + left == amount
    assert all(0 < a <= i.open for i, a in plan)
    assert left == 0 or sum(a for _, a in plan) == sum(i.open for i in items)


@given(st.lists(st.integers(1, 10**6), max_size=6), items_strategy)
def test_credits_conserve_money(credits, specs):
    items = [item(n, d, o) for n, (d, o) in enumerate(specs)]
    out = apply_credits(list(enumerate(credits)), items)
    for pid, c in enumerate(credits):
        assert sum(a for p, _, a in out if p == pid) <= c
    for i in items:
        assert sum(a for _, it, a in out if it.id == i.id) <= i.open
    assert sum(a for *_, a in out) == min(sum(credits), sum(i.open for i in items))


def test_money_a_void_gave_back_is_applied_from_the_void_day_only():
    from arcli.domain.allocation import split_by_room

    def split_by_availability(amount, applied, start, take):  # one side: the payment
        return split_by_room([(amount, applied)], start, take)

    d = date.fromisoformat
    # 100 paid on 01-01, applied in full on 01-05; that delivery voided on 06-01 gives it back
    applied = [(d("2026-01-05"), 100), (d("2026-06-01"), -100)]
    assert split_by_availability(100, applied, d("2026-03-01"), 60) == [(d("2026-06-01"), 60)]
    # 30 of it was never applied: that part is free from the start, the rest waits for the void
    applied = [(d("2026-01-05"), 70), (d("2026-06-01"), -70)]
    assert split_by_availability(100, applied, d("2026-03-01"), 50) == [(d("2026-03-01"), 30), (d("2026-06-01"), 20)]
    # nothing given back: all of it on the start day
    assert split_by_availability(100, [(d("2026-01-05"), 40)], d("2026-03-01"), 60) == [(d("2026-03-01"), 60)]
    # on no day does more than the payment stand applied
    applied = [(d("2026-01-05"), 100), (d("2026-04-01"), -40), (d("2026-09-01"), -60)]
    parts = split_by_availability(100, applied, d("2026-02-01"), 100)
    assert parts == [(d("2026-04-01"), 40), (d("2026-09-01"), 60)]
    everything = applied + parts
    for day in {x for x, _ in everything}:
        assert sum(a for x, a in everything if x <= day) <= 100
