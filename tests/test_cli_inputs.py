"""Every amount and date form, and the error boundary, through the real CLI."""

import pytest

import arcli.services.reports as reports


@pytest.fixture
def cust(ok):
    ok("customer", "add", "A", "--terms", "cod")
    return ok


@pytest.mark.parametrize(
    ("text", "amount"),
    [
        ("152300", "152300.00"),
        ("152,300.50", "152300.50"),
        ("¥152300", "152300.00"),
        ("￥152,300", "152300.00"),
        ("１５２３００", "152300.00"),
        ("15.23万", "152300.00"),
        ("15万", "150000.00"),
    ],
)
def test_amount_forms(cust, text, amount):
    assert cust("delivery", "add", "A", text, "--format", "json").json()["amount"] == amount


@pytest.mark.parametrize("text", ["NaN", "Infinity", "1e5", "1.005", "", "0", "-100", "1,5", "15.2345678万"])
def test_amount_rejections_quote_the_input(cust, ar, text):
    r = ar("payment", "add", "A", "--", text)  # `--`: so that -100 is an argument, not an option
    assert r.code == 2 and r.err.startswith("error: amount: ") and r.err.count("\n") == 1


@pytest.mark.parametrize("text", ["-100", "-1,234.50", "-1.5万", "-¥20"])
def test_a_negative_amount_without_dashes_says_what_is_wrong(cust, ar, db, text):
    """Without `--`, click reads -100 as an unknown option "-1": the line says the amount is negative, and how a
    record is taken back, instead of "No such option: -1"."""
    from conftest import dump

    before = dump(db)
    said = "amounts are never negative; to take a record back, void it (`ar void KIND REF --reason …`)"
    for command in (("payment", "add", "A", text), ("delivery", "add", "A", text, "--ref", "D1")):
        r = ar(*command)
        assert r.code == 2 and r.out == "" and r.err == f"error: {text}: {said}\n"
    assert dump(db) == before
    assert ar("payment", "add", "A", "100", "-x").err.startswith("error: No such option: -x")  # other options as before


def test_a_relative_date_before_today_as_an_argument_says_to_put_dashes(cust, ar):
    r = ar("due", "-1d")
    assert (
        r.code == 2 and r.err == "error: -1d reads as an option: put `--` before it to give it as a date (`-- -1d`)\n"
    )
    assert ar("due", "--", "-1d").code == 0


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("2026-11-20", "2026-11-20"),
        ("today", "2026-11-23"),
        ("yesterday", "2026-11-22"),
        ("tomorrow", "2026-11-24"),
        ("+3d", "2026-11-26"),
        ("-2w", "2026-11-09"),
        ("+1m", "2026-12-23"),
        ("fri", "2026-11-27"),
        ("last fri", "2026-11-20"),
        ("2026.11.20", "2026-11-20"),  # year first, as Chinese spreadsheets write it
        ("20261120", "2026-11-20"),
        ("2026-11-20 14:30:00", "2026-11-20"),  # a time of day, as exports write it: the day is kept
        ("2026-11-20T09:15", "2026-11-20"),
    ],
)
def test_date_forms(cust, text, day):
    assert cust("delivery", "add", "A", "1", "--date", text, "--format", "json").json()["date"] == day


@pytest.mark.parametrize(
    "text", ["11/12/2026", "2026-02-30", "next week", "+3x", "20260230", "2026-11-20 noon", "202611201", "20.11.2026"]
)
def test_date_rejections(cust, ar, text):
    r = ar("delivery", "add", "A", "1", "--date", text)
    assert r.code == 2 and r.err.startswith("error: --date: ") and r.err.count("\n") == 1


def test_as_of_overrides_the_environment(cust, monkeypatch):
    monkeypatch.setenv("AR_TODAY", "2026-01-01")
    assert cust("delivery", "add", "A", "1", "--format", "json").json()["date"] == "2026-01-01"
    assert cust("--as-of", "2026-02-01", "delivery", "add", "A", "1", "--format", "json").json()["date"] == "2026-02-01"


def test_a_bug_is_one_line_unless_ar_debug(cust, ar, monkeypatch):
    def broken(*a, **k):
        secret = "local-variable-value"  # noqa: F841  (must never be printed)
        raise ZeroDivisionError("boom")

    monkeypatch.setattr(reports, "balance", broken)
    r = ar("balance")
    assert r.code == 1
    assert r.err.count("\n") == 1 and "internal error" in r.err and "AR_DEBUG=1" in r.err
    assert "local-variable-value" not in r.err
    monkeypatch.setenv("AR_DEBUG", "1")
    with pytest.raises(ZeroDivisionError):
        ar("balance")


def test_nul_bytes_in_arguments_are_refused(cust, ar):
    for args in (("export", "ledger", "a\x00b"), ("customer", "add", "x\x00"), ("--db", "x\x00.db", "balance")):
        r = ar(*args)
        assert (r.code, r.err) == (2, "error: an argument contains a NUL byte\n")
