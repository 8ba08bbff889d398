from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from arcli.domain.errors import InputError
from arcli.domain.money import MAX_FEN, format_amount, parse_amount, split_by_percent


@pytest.mark.parametrize(
    ("text", "fen"),
    [
        ("152300", 15_230_000),
        ("152,300.50", 15_230_050),
        ("152,300.5", 15_230_050),
        ("¥152300", 15_230_000),
        ("￥152,300", 15_230_000),
        ("１５２３００", 15_230_000),
        ("１５２，３００．５０", 15_230_050),
        ("15.23万", 15_230_000),
        ("15万", 15_000_000),
        ("0.5万", 500_000),
        ("15.2345万", 15_234_500),
        ("1,234.50", 123_450),
        ("¥1234", 123_400),
        ("1234元", 123_400),
        (" 42 ", 4_200),
        ("0.01", 1),
        ("RMB 100", 10_000),
    ],
)
def test_accepted_amount_forms(text, fen):
    assert parse_amount(text) == fen


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("NaN", "not an amount"),
        ("Infinity", "not an amount"),
        ("inf", "not an amount"),
        ("1e5", "not an amount"),
        ("1E-2", "not an amount"),
        ("1.234", "too many decimals"),
        ("15.2345678万", "too many decimals"),
        ("", "empty"),
        ("   ", "empty"),
        ("0", "more than zero"),
        ("0.00", "more than zero"),
        ("-5", "negative"),
        ("1,5", "not an amount"),
        ("15,23.00", "not an amount"),
        ("12.", "not an amount"),
        ("abc", "not an amount"),
        ("10 000 000 000 000", "too large"),
        ("1万万", "not an amount"),
    ],
)
def test_rejected_amounts_quote_the_input(text, says):
    with pytest.raises(InputError) as e:
        parse_amount(text)
    assert says in str(e.value)
    if text.strip() and says != "too large":
        assert repr(text) in str(e.value)


def test_zero_and_negative_only_where_allowed():
    assert parse_amount("0", allow_zero=True) == 0
    assert parse_amount("-5.25", allow_negative=True) == -525


def test_format_groups_and_keeps_two_decimals():
    assert format_amount(15_230_000) == "152,300.00"
    assert format_amount(15_230_000, grouped=False) == "152300.00"
    assert format_amount(-5) == "-0.05"
    assert format_amount(0) == "0.00"


@given(st.integers(min_value=1, max_value=MAX_FEN))
def test_format_then_parse_round_trips(fen):
    assert parse_amount(format_amount(fen)) == fen
    assert parse_amount(format_amount(fen, grouped=False)) == fen


@given(st.integers(min_value=1, max_value=10**9), st.lists(st.integers(1, 98), min_size=1, max_size=5))
def test_split_by_percent_adds_up_exactly(total, weights):
    # turn arbitrary weights into percentages summing to exactly 100 (with decimals)
    raw = [Decimal(w) for w in weights]
    pcts = [(w * 100 / sum(raw)).quantize(Decimal("0.01")) for w in raw]
    pcts[-1] += 100 - sum(pcts)
    if any(p <= 0 for p in pcts):
        return
    parts = split_by_percent(total, pcts)
    assert sum(parts) == total
    for part, p in zip(parts, pcts, strict=True):
        assert abs(Decimal(part) - Decimal(total) * p / 100) < 1


def test_split_largest_remainder_thirds():
    third = Decimal(100) / 3
    # 100.00 in thirds: the first part takes the odd fen
    assert split_by_percent(10_000, [Decimal("33.34"), Decimal("33.33"), Decimal("33.33")]) == [3334, 3333, 3333]
    assert sum(split_by_percent(10_000, [third, third, 100 - 2 * third])) == 10_000
