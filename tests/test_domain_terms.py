from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from arcli.domain.errors import InputError
from arcli.domain.terms import GRAMMAR, parse_terms

D = date(2026, 1, 15)


@pytest.mark.parametrize(
    ("terms", "delivered", "due"),
    [
        # the table in ../shared/notes/domain.md
        ("prepaid", D, [date(2026, 1, 15)]),
        ("cod", D, [date(2026, 1, 15)]),
        ("net 30", D, [date(2026, 2, 14)]),
        ("eom 30", D, [date(2026, 3, 2)]),
        ("eom+1m", D, [date(2026, 2, 28)]),
        ("30% cod, 70% net 60", D, [date(2026, 1, 15), date(2026, 3, 16)]),
        # ERPNext's test: 1 month after the end of the invoice month
        ("eom+1m", date(2023, 2, 3), [date(2023, 3, 31)]),
        # month ends and leap days
        ("eom+1m", date(2024, 1, 31), [date(2024, 2, 29)]),
        ("eom+1m", date(2023, 1, 31), [date(2023, 2, 28)]),
        ("eom+0m", date(2024, 2, 10), [date(2024, 2, 29)]),
        ("eom+12m", date(2023, 2, 28), [date(2024, 2, 29)]),
        ("eom", date(2024, 2, 1), [date(2024, 2, 29)]),
        ("eom 0", date(2026, 12, 31), [date(2026, 12, 31)]),
        ("eom 30", date(2024, 1, 31), [date(2024, 3, 1)]),
        ("net 30", date(2024, 2, 29), [date(2024, 3, 30)]),
        ("net 0", D, [D]),
        ("NET30", D, [date(2026, 2, 14)]),
        ("50% prepaid, 50% eom+1m", date(2024, 1, 31), [date(2024, 1, 31), date(2024, 2, 29)]),
    ],
)
def test_due_dates(terms, delivered, due):
    schedule = parse_terms(terms).schedule(delivered, 100_000)
    assert [d for d, _ in schedule] == due
    assert sum(a for _, a in schedule) == 100_000


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        ("net30", "net 30"),
        ("  Net   45 ", "net 45"),
        ("EOM 30", "eom 30"),
        ("eom + 2 m", "eom+2m"),
        ("30% cod,70% net 60", "30% cod, 70% net 60"),
        ("33.33% cod, 33.33% net 30, 33.34% net 60", "33.33% cod, 33.33% net 30, 33.34% net 60"),
        ("100% net 30", "net 30"),
    ],
)
def test_canonical_form(text, canonical):
    assert str(parse_terms(text)) == canonical
    assert str(parse_terms(canonical)) == canonical


def test_instalments_split_to_the_fen():
    t = parse_terms("33.34% cod, 33.33% net 30, 33.33% net 60")
    assert [a for _, a in t.schedule(D, 10_000)] == [3334, 3333, 3333]
    t = parse_terms("30% cod, 70% net 60")
    assert [a for _, a in t.schedule(D, 15_230_001)] == [4_569_000, 10_661_001]
    assert [a for _, a in t.schedule(D, 1)] == [1]  # 0.01: the instalment that rounds to 0 is left out


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("net", GRAMMAR),
        ("net thirty", GRAMMAR),
        ("2/10 net 30", GRAMMAR),
        ("", "empty"),
        ("30% cod, 60% net 60", "total 90%"),
        ("0% cod, 100% net 30", "above zero"),
        ("30% cod, net 60", GRAMMAR),
        ("net 99999", "too far"),
        ("eom+500m", "too far"),
    ],
)
def test_bad_terms_show_the_grammar(text, says):
    with pytest.raises(InputError) as e:
        parse_terms(text)
    assert says in str(e.value)


@given(
    st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 31)),
    st.integers(0, 365),
    st.integers(0, 24),
    st.integers(1, 10**12),
)
def test_due_never_before_delivery_and_parts_add_up(delivered, n, m, amount):
    for text in (f"net {n}", f"eom {n}", f"eom+{m}m", f"40% cod, 60% net {n}"):
        schedule = parse_terms(text).schedule(delivered, amount)
        assert all(d >= delivered for d, _ in schedule)
        assert sum(a for _, a in schedule) == amount
        assert all(a > 0 for _, a in schedule)  # never an item of nothing
    eom_m = parse_terms(f"eom+{m}m").schedule(delivered, 1)[0][0]
    assert (eom_m + timedelta(days=1)).day == 1  # always a month end


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        ("预付款", "prepaid"),
        ("款到发货", "prepaid"),
        ("货到付款", "cod"),
        ("现结", "cod"),
        ("30天", "net 30"),
        ("发货后 30 天", "net 30"),
        ("账期60天", "net 60"),
        ("月结", "eom 0"),
        ("月结30天", "eom 30"),
        ("月结 ３０ 天", "eom 30"),
        ("次月底", "eom+1m"),
        ("3个月后月底", "eom+3m"),
        ("30% 货到付款，70% 发货后 60 天", "30% cod, 70% net 60"),
        ("30%货到付款、70%月结30天", "30% cod, 70% eom 30"),
    ],
)
def test_chinese_terms_are_read_as_their_english_form(text, canonical):
    assert str(parse_terms(text)) == canonical


@pytest.mark.parametrize("text", ["货到", "三十天", "月底结", "发货后天", "30% 货到付款，70% 下周"])
def test_chinese_that_is_not_terms_is_refused_with_the_grammar(text):
    with pytest.raises(InputError) as e:
        parse_terms(text)
    assert GRAMMAR in str(e.value)


@given(st.integers(0, 365), st.integers(0, 120), st.sampled_from(["prepaid", "cod", "net", "eom", "eom+"]))
def test_terms_as_arcli_says_them_in_chinese_read_back_the_same(n, m, kind):
    """What a rep sees in Chinese (`describe`) can be typed back as terms and means the same."""
    from arcli.i18n import language, set_language

    part = {"prepaid": "prepaid", "cod": "cod", "net": f"net {n}", "eom": f"eom {n}", "eom+": f"eom+{m}m"}[kind]
    before = language()
    try:
        for text in (part, f"40% cod, 60% {part}"):
            set_language("zh")
            said = parse_terms(text).describe()
            set_language("en")
            assert str(parse_terms(said)) == str(parse_terms(text)), said
    finally:
        set_language(before)
