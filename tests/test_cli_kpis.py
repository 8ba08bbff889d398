"""`ar report collections` and write-offs through the CLI."""

import datetime as dt

import pytest


@pytest.fixture
def q4(ok):
    """Deliveries of 6 M (October), 6 M (November), 5 M (December); AR 12 M at the end of December."""
    ok("customer", "add", "Big", "--terms", "net 30", "--rep", "wang")
    ok("delivery", "add", "Big", "600万", "--date", "2026-10-05", "--ref", "OCT")
    ok("delivery", "add", "Big", "600万", "--date", "2026-11-05", "--ref", "NOV")
    ok("delivery", "add", "Big", "500万", "--date", "2026-12-05", "--ref", "DEC")
    ok("payment", "add", "Big", "500万", "--date", "2026-12-20")
    return ok


def test_countback_dso_and_the_month_figures(q4):
    r = q4("--as-of", "2026-12-31", "report", "collections", "--month", "2026-12", "--format", "json").json()
    f = r["figures"]
    assert (r["from"], r["to"]) == ("2026-12-01", "2026-12-31")
    assert f["closing_ar"] == "12000000.00" and f["credit_sales"] == "5000000.00"
    # countback: 31 days (December: 5 M) + 30 (November: 6 M) + 1/6 × 31 (October) = 66.17
    assert f["countback_dso"] == "66.17"
    assert f["dso"] == "74.40"  # 12 M ÷ 5 M × 31
    # fell due in December: NOV (due 12-05) 6 M; overdue on 11-30: OCT (due 11-04) 6 M; collected 5 M
    assert (f["fell_due"], f["overdue_at_start"], f["collected"]) == ("6000000.00", "6000000.00", "5000000.00")
    assert f["collection_rate"] == "41.67"
    assert f["closing_current_ar"] == "5000000.00" and f["best_dso"] == "31.00" and f["add"] == "43.40"
    # CEI: (opening 12 M + sales 5 M − closing 12 M) ÷ (12 M + 5 M − current 5 M)
    assert f["cei"] == "41.67"
    assert [m["month"] for m in r["trend"]][-3:] == ["2026-10", "2026-11", "2026-12"] and len(r["trend"]) == 12
    assert "countback" in r["formulas"]["countback_dso"] or "walk back" in r["formulas"]["countback_dso"]


def test_counts_are_grouped_for_people():
    from arcli.services.kpis import show

    assert show(2992, "count") == "2,992" and show(1234567, "money") == "12,345.67"


def test_promises_excuses_and_groups(q4):
    q4("--as-of", "2026-12-01", "promise", "add", "Big", "200万", "--by", "2026-12-10")
    q4("--as-of", "2026-12-12", "promise", "add", "Big", "500万", "--by", "2026-12-20")
    q4("--as-of", "2026-12-02", "dispute", "add", "Big", "--reason", "price", "--amount", "10万")
    r = q4("--as-of", "2026-12-31", "report", "collections", "--by", "rep", "--format", "json").json()
    assert (r["figures"]["promises_ended"], r["figures"]["keep_rate_count"]) == (2, "50.00")
    assert r["excuses"] == [{"reason": "price", "count": 1, "amount": "100000.00"}]
    assert r["rows"][0]["rep"] == "wang" and r["rows"][0]["collected"] == "5000000.00"
    text = q4("--as-of", "2026-12-31", "report", "collections", "--explain").out
    assert "Collection rate (回款率)" in text and "collected ÷ (fell due + overdue at start)" in text
    assert "Fell due (yellow) and collected (green)" in text


def test_the_trend_counts_payments_by_month_not_write_offs_or_voids(q4):
    """The 12-month trend and the period's countback DSO: payments by month (voided ones only from the void's
    view: a payment voided by the report's last day is not counted), deliveries by month, write-offs in neither."""
    q4("customer", "add", "Other", "--terms", "cod", "--rep", "li")
    q4("--as-of", "2026-11-30", "payment", "add", "Big", "100万", "--date", "2026-11-30", "--ref", "NOVPAY")
    q4("--as-of", "2026-12-10", "payment", "add", "Big", "50万", "--date", "2026-12-10", "--ref", "BOUNCED")
    q4("--as-of", "2026-12-15", "void", "payment", "BOUNCED", "--reason", "bounced")
    q4("--as-of", "2026-12-31", "writeoff", "Big", "10万", "--items", "NOV", "--reason", "damaged")
    q4("delivery", "add", "Other", "7万", "--date", "2026-12-01", "--ref", "O1")
    q4("payment", "add", "Other", "7万", "--date", "2026-12-02", "--ref", "O1PAY")

    def trend(*args: str) -> dict[str, tuple[str, str]]:
        r = q4("--as-of", "2026-12-31", "report", "collections", "--month", "2026-12", *args, "-f", "json").json()
        return {m["month"]: (m["due"], m["collected"]) for m in r["trend"]}

    t = trend()
    assert len(t) == 12 and t["2026-01"] == ("0.00", "0.00")
    assert t["2026-11"] == ("6000000.00", "1000000.00")  # OCT due 11-04 (O1 is cod: due 12-01)
    assert t["2026-12"] == ("6070000.00", "5070000.00")  # NOV due 12-05 and O1; 500万 + O1PAY, not BOUNCED
    assert trend("--rep", "li")["2026-12"] == ("70000.00", "70000.00")
    # as of the day before the void, the bounced payment still counted
    r = q4("--as-of", "2026-12-14", "report", "collections", "--from", "2026-12-01", "-f", "json").json()
    assert {m["month"]: m["collected"] for m in r["trend"]}["2026-12"] == "570000.00"


def test_write_off_leaves_aging_and_is_reported(q4, ar):
    q4("--as-of", "2026-12-31", "writeoff", "Big", "100万", "--items", "OCT", "--reason", "partly unrecoverable")
    aging = q4("--as-of", "2026-12-31", "report", "aging", "--format", "json").json()
    assert aging["totals"]["total"] == "11000000.00" and aging["reconciled"]
    f = q4("--as-of", "2026-12-31", "report", "collections", "--month", "2026-12", "--format", "json").json()["figures"]
    assert f["written_off"] == "1000000.00" and f["collected"] == "5000000.00"  # a write-off is not collected
    r = ar("--as-of", "2026-12-31", "writeoff", "Big", "2000万", "--items", "NOV", "--reason", "x")
    assert r.code == 1 and "have only 6,000,000.00 open" in r.err
    r = ar("--as-of", "2026-12-31", "writeoff", "Big", "1", "--items", "OCT", "--reason", "x")
    assert r.code == 1 and "--items OCT: nothing is open on it" in r.err
    assert ar("writeoff", "Big", "1", "--items", "OCT", "--reason", " ").code == 2
    q4("--as-of", "2026-12-31", "void", "writeoff", "W000005", "--reason", "recovered after all")
    assert q4("--as-of", "2026-12-31", "report", "aging", "--format", "json").json()["totals"]["total"] == "12000000.00"


def test_a_period_not_yet_over_is_reported_up_to_today(q4, ar):
    """The month-end review of a month still running covers it up to today, so the same report with --as-of
    that day gives the same figures later, whatever was entered since; a month not begun is refused."""
    mid = q4("--as-of", "2026-12-10", "report", "collections", "--month", "2026-12", "--format", "json").json()
    assert (mid["from"], mid["to"]) == ("2026-12-01", "2026-12-10")
    assert mid["figures"]["collected"] == "0.00"  # the 500万 payment is dated 12-20
    q4("payment", "add", "Big", "1万", "--date", "2026-12-15")  # entered later, dated after the 10th
    again = q4("--as-of", "2026-12-10", "report", "collections", "--month", "2026-12", "--format", "json").json()
    assert again == mid
    r = ar("--as-of", "2026-11-30", "report", "collections", "--month", "2026-12")
    assert r.code == 2 and "after today (2026-11-30)" in r.err


def test_period_input_is_checked(q4, ar):
    assert ar("report", "collections", "--month", "2026-13").code == 2
    assert ar("report", "collections", "--month", "2026-12", "--from", "2026-12-01").code == 2
    assert ar("report", "collections", "--from", "2026-12-10", "--to", "2026-12-01").code == 2


def test_plan_gap_example_from_the_seed_article(ok, ar):
    # a plan of 1,000,000 against 600,000 the customer can pay leaves a 400,000 gap to work on
    ok("customer", "add", "Agent", "--terms", "net 30", "--rep", "wang")
    ok("customer", "add", "Clinic", "--terms", "net 30", "--rep", "li")
    ok("delivery", "add", "Agent", "200万", "--date", "2026-10-01")
    ok("delivery", "add", "Clinic", "80,000", "--date", "2026-10-20")  # due 2026-11-19
    ok("--as-of", "2026-11-10", "plan", "set", "Agent", "100万", "--month", "2026-11")
    ok("--as-of", "2026-11-10", "plan", "set", "Clinic", "50,000", "--month", "2026-11")
    ok("--as-of", "2026-11-10", "promise", "add", "Agent", "60万", "--by", "2026-11-25")
    ok("payment", "add", "Clinic", "20,000", "--date", "2026-11-05")
    r = ok("--as-of", "2026-11-10", "report", "plan", "--month", "2026-11", "--format", "json").json()
    rows = {x["customer"]: x for x in r["rows"]}
    assert (rows["Agent"]["plan"], rows["Agent"]["coming"], rows["Agent"]["gap"]) == (
        "1000000.00",
        "600000.00",
        "400000.00",
    )
    # Clinic: 20,000 collected; 60,000 falls due on 11-19; plan 50,000: more is coming than planned
    assert (rows["Clinic"]["collected"], rows["Clinic"]["falling_due"], rows["Clinic"]["gap"]) == (
        "20000.00",
        "60000.00",
        "-30000.00",
    )
    assert {g["rep"]: g["gap"] for g in r["reps"]} == {"li": "-30000.00", "wang": "400000.00"}
    # re-setting a plan replaces it
    ok("--as-of", "2026-11-10", "plan", "set", "Agent", "60万", "--month", "2026-11")
    r = ok("--as-of", "2026-11-10", "report", "plan", "--month", "2026-11", "--rep", "wang", "--format", "json").json()
    assert [(x["customer"], x["gap"]) for x in r["rows"]] == [("Agent", "0.00")]
    assert ar("plan", "set", "Agent", "1", "--month", "2026-13").code == 2
    assert "Collection plan 2026-11" in ok("--as-of", "2026-11-10", "report", "plan", "--month", "2026-11").out


def test_allowance_from_the_aging(ok, ar):
    ok("customer", "add", "A", "--terms", "cod")
    ok("delivery", "add", "A", "1,000", "--date", "2026-11-23")  # not due
    ok("delivery", "add", "A", "1,000", "--date", "2026-11-01")  # 22 days
    ok("delivery", "add", "A", "1,000", "--date", "2026-07-01")  # 145 days: 90+
    r = ok("report", "allowance", "--format", "json").json()
    assert [(x["bucket"], x["allowance"]) for x in r["rows"]] == [
        ("not due", "10.00"),
        ("1-30", "50.00"),
        ("31-60", "0.00"),
        ("61-90", "0.00"),
        ("90+", "500.00"),
    ]
    assert r["totals"]["allowance"] == "560.00"
    assert ar("report", "allowance", "--rates", "1,2").code == 2
    assert ar("report", "allowance", "--rates", "1,5,10,25,500").code == 2


def test_every_report_in_every_text_format(q4):
    import csv
    import io

    q4("--as-of", "2026-12-01", "plan", "set", "Big", "300万", "--month", "2026-12")
    for report in (["collections", "--month", "2026-12"], ["plan", "--month", "2026-12"], ["allowance"], ["aging"]):
        table = q4("--as-of", "2026-12-31", "report", *report).out
        assert "TOTAL" in table or "Collections" in table
        data = q4("--as-of", "2026-12-31", "report", *report, "--format", "json").json()
        rows = list(csv.DictReader(io.StringIO(q4("--as-of", "2026-12-31", "report", *report, "--format", "csv").out)))
        assert data and rows, report
    rows = list(
        csv.DictReader(
            io.StringIO(
                q4("--as-of", "2026-12-31", "report", "collections", "--month", "2026-12", "--format", "csv").out
            )
        )
    )
    assert {r["figure"]: r["value"] for r in rows}["collected"] == "5000000.00"
    by_rep = list(
        csv.DictReader(
            io.StringIO(q4("--as-of", "2026-12-31", "report", "collections", "--month", "2026-12", "--by", "rep",
                           "--format", "csv").out)
        )
    )  # fmt: skip
    assert [(r["rep"], r["collected"], r["collection_rate"], r["closing_ar"]) for r in by_rep] == [
        ("wang", "5000000.00", "41.67", "12000000.00")
    ]
    # a rate of 0.00 (something fell due, nothing was collected) is a rate, not "n/a"; none (nothing fell due) is
    q4("customer", "add", "Slow", "--terms", "net 30", "--rep", "li")
    q4("delivery", "add", "Slow", "1,000", "--date", "2026-11-10", "--ref", "S1")  # due 12-10
    q4("customer", "add", "Idle", "--terms", "net 30", "--rep", "zhao")
    q4("delivery", "add", "Idle", "1,000", "--date", "2026-12-20", "--ref", "I1")  # due 2027-01-19
    month = ("--as-of", "2026-12-31", "report", "collections", "--month", "2026-12", "--by", "customer")
    rates = {r["customer"]: r["collection_rate"] for r in csv.DictReader(io.StringIO(q4(*month, "-f", "csv").out))}
    assert rates == {"Big": "41.67", "Slow": "0.00", "Idle": ""}
    assert {r["customer"]: r["collection_rate"] for r in q4(*month, "-f", "json").json()["rows"]} == {
        "Big": "41.67",
        "Slow": "0.00",
        "Idle": None,
    }
    table = {
        line.split()[0]: line.split()[4]
        for line in q4(*month).out.splitlines()
        if line.split()[:1] in (["Slow"], ["Idle"])
    }
    assert table == {"Slow": "0.00", "Idle": "n/a"}
    plan = list(
        csv.DictReader(
            io.StringIO(q4("--as-of", "2026-12-31", "report", "plan", "--month", "2026-12", "--format", "csv").out)
        )
    )
    assert (plan[0]["customer"], plan[0]["plan"], plan[0]["collected"]) == ("Big", "3000000.00", "5000000.00")
    allowance = q4("--as-of", "2026-12-31", "report", "allowance").out
    assert "Bad-debt allowance as of 2026-12-31" in allowance and "Loss rate %" in allowance


def test_opening_and_closing_balances_equal_the_ledger_on_those_days(ok):
    """The collections report's opening and closing AR come from the kept-current balances less the entries
    after each day when those are few, or from one pass over all entries when they are many: both ways must
    give the ledger's balance on the day (as `ar report aging` reconciles it)."""
    ok("customer", "add", "A", "--terms", "net 30")
    ok("customer", "add", "B", "--terms", "net 60")
    for month in range(1, 11):
        ok("delivery", "add", "A", f"{month}万", "--date", f"2026-{month:02d}-03", "--ref", f"A{month}")
        ok("delivery", "add", "B", f"{month * 2}万", "--date", f"2026-{month:02d}-07", "--ref", f"B{month}", "--force")
        ok("payment", "add", "A", f"{month}万", "--date", f"2026-{month:02d}-20")
    ok("payment", "add", "B", "5万", "--date", "2026-10-25", "--ref", "PB")
    ok("--as-of", "2026-10-28", "void", "payment", "PB", "--reason", "bounced")
    # the last month: few entries after its first day; the first: nearly all of them after
    for start, end in (("2026-10-01", "2026-10-31"), ("2026-02-01", "2026-02-28"), ("2026-06-10", "2026-07-15")):
        figures = ok("--as-of", "2026-10-31", "report", "collections", "--from", start, "--to", end, "--format", "json")
        f = figures.json()["figures"]
        before = (dt.date.fromisoformat(start) - dt.timedelta(days=1)).isoformat()
        opening = ok("--as-of", before, "report", "aging", "--format", "json").json()["ledger_balance"]
        closing = ok("--as-of", end, "report", "aging", "--format", "json").json()["ledger_balance"]
        assert (f["opening_ar"], f["closing_ar"]) == (opening, closing), (start, end)


def test_plan_and_collections_count_promises_as_they_stood_that_day(ok):
    """A report as of a day counts only the promises made by then, each superseded or not as it was then."""
    ok("customer", "add", "Agent", "--terms", "net 30", "--rep", "wang")
    ok("delivery", "add", "Agent", "200万", "--date", "2026-10-01")
    ok("--as-of", "2026-11-10", "plan", "set", "Agent", "100万", "--month", "2026-11")
    ok("--as-of", "2026-11-10", "promise", "add", "Agent", "60万", "--by", "2026-11-20")
    # two days later the customer moves it: a new promise supersedes the first
    ok("--as-of", "2026-11-12", "promise", "add", "Agent", "40万", "--by", "2026-11-28")

    def promised(day):
        r = ok("--as-of", day, "report", "plan", "--month", "2026-11", "--format", "json").json()
        return [x["promised"] for x in r["rows"]]

    assert promised("2026-11-10") == ["600000.00"]  # the first promise, not yet replaced
    assert promised("2026-11-12") == ["400000.00"]  # the second one replaced it
    # the month's keep rate counts the promises whose window had ended by the report's day, not by month end

    def ended(day):
        f = ok("--as-of", day, "report", "collections", "--month", "2026-11", "--format", "json").json()["figures"]
        return f["promises_ended"], f["keep_rate_count"]

    assert ended("2026-11-11")[0] == 0  # the first promise's window (to 11-20) was still running
    assert ended("2026-11-25")[0] == 0  # it was replaced on 11-12; the second runs to 11-28
    assert ended("2026-11-30") == (1, "0.00")  # the second ended unpaid
