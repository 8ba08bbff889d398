from decimal import Decimal

from arcli.domain.kpi import cei, collection_rate, countback_dso, dso

M = 100_000_000  # 1,000,000.00 in fen


def test_countback_dso_example_from_the_domain_notes():
    # AR 12 M, monthly sales 5 M (latest), 6 M, 6 M, 28-day months: 28 + 28 + 1/6 × 28 ≈ 60.7 days
    assert countback_dso(12 * M, [(5 * M, 28), (6 * M, 28), (6 * M, 28)]) == Decimal("60.67")
    assert countback_dso(5 * M, [(5 * M, 30), (6 * M, 31)]) == Decimal("30.00")
    assert countback_dso(0, [(5 * M, 30)]) == Decimal("0.00")
    assert countback_dso(100 * M, [(5 * M, 30)]) is None  # older than the months looked at


def test_simple_figures():
    assert dso(12 * M, 17 * M, 84) == Decimal("59.29")
    assert dso(1, 0, 30) is None
    assert collection_rate(60, 80, 20) == Decimal("60.00")
    assert collection_rate(1, 0, 0) is None
    # opening 100 + sales 50 − closing 60 = 90 collected of the 150 − 20 current that could have been
    assert cei(100, 50, 60, 20) == Decimal("69.23")
