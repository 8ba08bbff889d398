from datetime import date

import pytest

from arcli.domain.dates import parse_date
from arcli.domain.errors import InputError

MON = date(2026, 11, 23)  # a Monday


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-11-23", date(2026, 11, 23)),
        ("2024-02-29", date(2024, 2, 29)),
        ("2026/1/5", date(2026, 1, 5)),
        ("today", MON),
        ("TODAY", MON),
        ("yesterday", date(2026, 11, 22)),
        ("tomorrow", date(2026, 11, 24)),
        ("+3d", date(2026, 11, 26)),
        ("-2w", date(2026, 11, 9)),
        ("+1m", date(2026, 12, 23)),
        ("-1y", date(2025, 11, 23)),
        ("fri", date(2026, 11, 27)),
        ("Friday", date(2026, 11, 27)),
        ("mon", date(2026, 11, 30)),  # the next Monday, never today
        ("next mon", date(2026, 11, 30)),
        ("last fri", date(2026, 11, 20)),
        ("last mon", date(2026, 11, 16)),
        ("２０２６－１１－２３", MON),
    ],
)
def test_date_forms(text, expected):
    assert parse_date(text, MON) == expected


def test_month_offsets_clip_to_month_end():
    assert parse_date("+1m", date(2026, 1, 31)) == date(2026, 2, 28)
    assert parse_date("+1m", date(2024, 1, 31)) == date(2024, 2, 29)
    assert parse_date("+1y", date(2024, 2, 29)) == date(2025, 2, 28)


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("11/12/2026", "ambiguous"),
        ("23.11.2026", "ambiguous"),
        ("2026-02-30", "no such date"),
        ("2025-02-29", "no such date"),
        ("next week", "not a date"),
        ("", "empty"),
        ("+3x", "not a date"),
        ("+99999y", "out of range"),
        ("0001-01-01", "out of range"),
        ("1899-12-31", "out of range"),
        ("2200-01-01", "out of range"),
        ("+99999d", "out of range"),
        ("someday", "not a date"),
    ],
)
def test_rejected_dates(text, says):
    with pytest.raises(InputError) as e:
        parse_date(text, MON)
    assert says in str(e.value)


def test_the_edges_of_the_calendar_arcli_keeps():
    assert parse_date("1900-01-01", MON) == date(1900, 1, 1)
    assert parse_date("2199-12-31", MON) == date(2199, 12, 31)
    with pytest.raises(InputError, match="out of range"):
        parse_date("tomorrow", date(2199, 12, 31))
