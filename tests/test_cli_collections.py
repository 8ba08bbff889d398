"""Promises, the contact log, disputes, escalation, grades, holds and the morning list, through the real CLI."""

import pytest

from conftest import dump


@pytest.fixture
def agent(ok):
    """An agent on COD owing 152,300.00 since 2026-11-16 (7 days overdue on 2026-11-23)."""
    ok("customer", "add", "鸿达医药代理", "--code", "HD", "--terms", "cod")
    ok("delivery", "add", "HD", "152,300", "--date", "2026-11-16", "--ref", "HD-1")
    return ok


def promise(ok, *args, as_of="2026-11-23"):
    return ok("--as-of", as_of, "promise", "add", *args, "--format", "json").json()


def status(ok, pid, as_of):
    return ok("--as-of", as_of, "promise", "show", str(pid), "--format", "json").json()


# -- promise outcomes at the window's edges ----------------------------------------------------------------
@pytest.mark.parametrize(
    ("paid_on", "amount", "grace", "expected"),
    [
        ("2026-11-27", "152,300", "0", "kept"),  # paid on `by`
        ("2026-11-23", "152,300", "0", "kept"),  # paid the day the promise was made
        ("2026-11-28", "152,300", "0", "broken"),  # a day later: too late, nothing in the window
        ("2026-11-29", "152,300", "2", "kept"),  # on by + grace
        ("2026-11-30", "152,300", "2", "broken"),  # a day after by + grace
        ("2026-11-27", "50,000", "0", "partly_kept"),  # something, not all
    ],
)
def test_promise_window_edges(agent, paid_on, amount, grace, expected):
    p = promise(agent, "HD", "152,300", "--by", "2026-11-27", "--grace", grace)
    assert (p["status"], p["paid"]) == ("open", "0.00")
    agent("payment", "add", "HD", amount, "--date", paid_on)
    assert status(agent, p["id"], "2026-12-31")["status"] == expected


def test_promise_is_open_until_its_window_ends_and_history_is_exact(agent):
    p = promise(agent, "HD", "100,000", "--by", "fri")  # Friday 2026-11-27
    assert p["by"] == "2026-11-27"
    agent("payment", "add", "HD", "40,000", "--date", "2026-11-25")
    assert status(agent, p["id"], "2026-11-27") == status(agent, p["id"], "2026-11-26")
    assert status(agent, p["id"], "2026-11-27")["status"] == "open"
    assert status(agent, p["id"], "2026-11-28")["status"] == "partly_kept"
    assert status(agent, p["id"], "2026-11-28")["paid"] == "40000.00"
    assert status(agent, p["id"], "2026-11-24")["paid"] == "0.00"  # as of before the payment


def test_payment_before_the_promise_does_not_count(agent):
    agent("payment", "add", "HD", "10,000", "--date", "2026-11-20")
    p = promise(agent, "HD", "10,000", "--by", "2026-11-25")
    assert status(agent, p["id"], "2026-11-30")["status"] == "broken"


def test_threshold_and_grace_are_configurable(agent):
    agent("config", "set", "promise.threshold", "90")
    agent("config", "set", "promise.grace_days", "3")
    p = promise(agent, "HD", "100,000", "--by", "2026-11-25")
    agent("payment", "add", "HD", "90,000", "--date", "2026-11-28")  # 90 % on by + 3
    assert status(agent, p["id"], "2026-12-31")["status"] == "kept"
    listed = {r["key"]: r for r in agent("config", "list", "--format", "json").json()}
    assert listed["promise.threshold"]["value"] == "90" and listed["promise.threshold"]["source"] == "set"
    agent("config", "set", "promise.threshold", "default")
    assert agent("config", "list", "--format", "json").json()[1]["source"] == "default"


def test_a_promise_after_money_paid_the_same_day_says_it_counts(ok):
    """A payment dated the promise's day counts towards it (the rule counts from the day): recorded after a
    payment of that day, the promise says so at once, with the total to record if more was promised on top."""
    ok("customer", "add", "Acme", "--terms", "net 30")
    ok("delivery", "add", "Acme", "20,000", "--date", "2026-10-01")
    r = ok("promise", "add", "Acme", "5,000", "--by", "+3d")
    assert r.err == ""  # nothing paid since the day it was made: no note
    ok("customer", "add", "Bolt", "--terms", "net 30")
    ok("delivery", "add", "Bolt", "20,000", "--date", "2026-10-01")
    ok("payment", "add", "Bolt", "5,000")  # today, before the call
    r = ok("promise", "add", "Bolt", "10,000", "--by", "+3d")
    assert r.err == (
        "note: 5,000.00 paid from 2026-11-23 on counts towards it already (a promise counts the payments from the"
        " day it is made): if 10,000.00 more was promised on top of that, record 15,000.00\n"
    )
    assert "Promise 2: Bolt will pay 10,000.00 by 2026-11-26" in r.out
    r = ok("promise", "add", "Bolt", "10,000", "--by", "+3d", "--format", "json")
    assert r.json()["paid"] == "5000.00" and r.err.startswith("note: 5,000.00 paid from 2026-11-23 on")


def test_several_promises_are_matched_oldest_first(ok):
    ok("customer", "add", "Hosp", "--terms", "eom 30")
    ok("delivery", "add", "Hosp", "100,000", "--date", "2026-08-01", "--ref", "A")
    ok("delivery", "add", "Hosp", "100,000", "--date", "2026-09-01", "--ref", "B")
    first = promise(ok, "Hosp", "30,000", "--by", "2026-11-30", "--items", "A")
    second = promise(ok, "Hosp", "20,000", "--by", "2026-12-05", "--items", "B")
    ok("payment", "add", "Hosp", "40,000", "--date", "2026-11-26")
    assert status(ok, first["id"], "2026-12-10")["status"] == "kept"
    s = status(ok, second["id"], "2026-12-10")
    assert (s["status"], s["paid"]) == ("partly_kept", "10000.00")


def test_supersession_keeps_the_chain(agent):
    p1 = promise(agent, "HD", "152,300", "--by", "2026-11-25", "--items", "HD-1")
    p2 = promise(agent, "HD", "100,000", "--by", "2026-11-27", "--items", "HD-1", as_of="2026-11-24")
    r = agent("--as-of", "2026-11-26", "promise", "add", "HD", "80,000", "--by", "2026-11-30", "--items", "HD-1")
    assert "third promise in a row" in r.out
    listed = agent("--as-of", "2026-11-26", "promise", "list", "--format", "json").json()
    assert [(x["id"], x["status"]) for x in listed] == [(p1["id"], "superseded"), (p2["id"], "superseded"), (3, "open")]
    assert listed[2]["chain"] == "third promise on these items"
    shown = agent("--as-of", "2026-11-26", "promise", "show", "3", "--format", "json").json()
    assert shown["chain_ids"] == [p1["id"], p2["id"], 3]
    # a broken promise is not superseded: it stays on the record
    agent("--as-of", "2026-12-05", "promise", "add", "HD", "80,000", "--by", "2026-12-09", "--items", "HD-1")
    listed = agent("--as-of", "2026-12-05", "promise", "list", "--status", "broken", "--format", "json").json()
    assert [x["id"] for x in listed] == [3]


def test_promise_input_is_checked(agent, ar, db):
    before = dump(db)
    for args, code in [
        (("promise", "add", "HD", "100", "--by", "yesterday"), 2),
        (("promise", "add", "HD", "0", "--by", "fri"), 2),
        (("promise", "add", "HD", "100", "--by", "fri", "--items", "NOPE"), 1),
        (("promise", "add", "Nobody", "100", "--by", "fri"), 1),
        (("promise", "add", "HD", "100"), 2),
        (("promise", "show", "99"), 1),
        (("promise", "list", "--status", "maybe"), 2),
    ]:
        r = ar(*args)
        assert r.code == code and r.err.count("\n") == 1, (args, r.err)
    assert dump(db) == before


# -- escalation, grade and cadence -------------------------------------------------------------------------
def show(ok, who, as_of):
    return ok("--as-of", as_of, "customer", "show", who, "--format", "json").json()


@pytest.mark.parametrize(
    ("as_of", "level", "name"),
    [
        ("2026-11-15", 0, "reminder before due"),
        ("2026-11-17", 1, "friendly call"),
        ("2026-12-01", 2, "firm call or visit"),
        ("2026-12-16", 3, "written warning"),
        ("2027-01-15", 4, "stop supply"),
        ("2027-02-14", 5, "legal action"),
    ],
)
def test_escalation_by_days_overdue(ok, as_of, level, name):
    ok("customer", "add", "X", "--terms", "net 0")
    ok("delivery", "add", "X", "1,000", "--date", "2026-11-15" if as_of == "2026-11-15" else "2026-11-16")
    s = show(ok, "X", as_of)
    assert (s["level"], s["level_name"], s["next_step"]) == (level, name, name)


def test_broken_promises_raise_the_level_and_payment_lowers_it(agent):
    assert show(agent, "HD", "2026-11-23")["level"] == 1
    promise(agent, "HD", "152,300", "--by", "2026-11-24")
    assert show(agent, "HD", "2026-11-25")["level"] == 2  # 9 days (level 1) + 1 broken promise
    agent("log", "HD", "call", "--note", "promised again")
    promise(agent, "HD", "152,300", "--by", "2026-11-26", as_of="2026-11-25")
    assert show(agent, "HD", "2026-11-27")["level"] == 3  # 11 days + 2 broken
    agent("payment", "add", "HD", "1,000", "--date", "2026-11-27")
    assert show(agent, "HD", "2026-11-28")["level"] == 1  # a payment resets the broken-promise raise


def test_grade_and_cadence_follow_the_record(ok):
    ok("customer", "add", "Good", "--terms", "net 30")
    ok("delivery", "add", "Good", "1,000", "--date", "2026-09-01")
    ok("payment", "add", "Good", "1,000", "--date", "2026-10-01")
    ok("--as-of", "2026-11-20", "log", "Good", "call")
    s = show(ok, "Good", "2026-11-23")
    assert s["grade"] == "A" and s["next_follow_up"] == "2026-12-04"  # A: 14 days after the last contact
    assert s["last_contact"] == "2026-11-20" and s["latest_promise"] is None
    # a promise still open is no record yet, and the reason says so without denying the promise shown
    promise(ok, "Good", "500", "--by", "2026-11-30", as_of="2026-11-23")
    s = show(ok, "Good", "2026-11-23")
    assert s["grade_reasons"][0] == "no promise has come due yet"
    assert s["latest_promise"] == {
        "id": 1, "amount": "500.00", "by": "2026-11-30", "made_on": "2026-11-23", "status": "open", "paid": "0.00"
    }  # fmt: skip

    ok("customer", "add", "Poor", "--terms", "cod")
    ok("delivery", "add", "Poor", "9,000", "--date", "2026-10-01")
    for made, by in (("2026-10-05", "2026-10-10"), ("2026-10-20", "2026-10-25"), ("2026-11-05", "2026-11-10")):
        promise(ok, "Poor", "9,000", "--by", by, as_of=made)
    ok("--as-of", "2026-11-20", "log", "Poor", "visit")
    s = show(ok, "Poor", "2026-11-23")
    assert s["grade"] == "D" and "3 broken promises in 90 days" in s["grade_reasons"]
    assert s["next_follow_up"] == "2026-11-21"  # D: every day
    ok("config", "set", "cadence", "20,10,5,2")
    assert show(ok, "Poor", "2026-11-23")["next_follow_up"] == "2026-11-22"
    # an explicit --next wins over the cadence
    r = ok("--as-of", "2026-11-23", "log", "Poor", "call", "--next", "2026-11-30", "--outcome", "no answer")
    assert "next follow-up 2026-11-30" in r.out
    assert show(ok, "Poor", "2026-11-24")["next_follow_up"] == "2026-11-30"
    log = ok("log", "list", "--customer", "Poor", "--format", "json").json()
    assert [(x["channel"], x["outcome"]) for x in log] == [("call", "no answer"), ("visit", None)]


def test_bad_config_is_refused(ok, ar):
    for key, value in (
        ("cadence", "1,2"),
        ("escalation.ladder", "5,4,3,2,1"),
        ("promise.threshold", "120"),
        ("nosuch", "1"),
        ("promise.grace_days", "-1"),
    ):
        r = ar("config", "set", key, "--", value)
        assert r.code == 2 and r.err.count("\n") == 1, (key, r.err)


# -- disputes and holds ------------------------------------------------------------------------------------
def test_dispute_lifecycle_keeps_the_customer_on_the_list(agent, ar):
    r = agent(
        "dispute",
        "add",
        "HD",
        "--reason",
        "downstream",
        "--items",
        "HD-1",
        "--amount",
        "152,300",
        "--note",
        "says their own customers have not paid",
    )
    assert "Dispute 1 opened (downstream)" in r.out
    row = agent("due", "--format", "json").json()[0]
    assert row["action"] == "answer the dispute in writing" and "1 open dispute" in row["why"]
    shown = agent("customer", "show", "HD", "--format", "json").json()
    assert shown["open"] == "152300.00" and shown["open_disputes"] == 1  # still ages
    assert ar("dispute", "resolve", "1", "--resolution", " ").code == 2
    agent("dispute", "resolve", "1", "--resolution", "Your customers' terms are not ours: COD, pay in full.")
    assert agent("dispute", "list", "--open", "--format", "json").json() == []
    d = agent("dispute", "list", "--format", "json").json()[0]
    assert (d["status"], d["reason"], d["items"]) == ("resolved", "downstream", "HD-1")
    assert ar("dispute", "add", "HD", "--reason", "weather").code == 2
    assert ar("dispute", "resolve", "1", "--resolution", "other answer").code == 1


def test_credit_hold_and_stop_supply_need_force(agent, ar, db):
    agent("customer", "hold", "HD", "--reason", "broke three promises")
    before = dump(db)
    r = ar("delivery", "add", "HD", "100")
    assert r.code == 1 and "on credit hold (broke three promises)" in r.err
    assert dump(db) == before
    assert ar("delivery", "add", "HD", "100", "--force").code == 0
    assert "ON CREDIT HOLD" in agent("customer", "show", "HD").out
    shown = agent("customer", "show", "HD", "--format", "json").json()
    assert (shown["on_hold"], shown["hold_reason"]) == (True, "broke three promises")
    agent("customer", "release", "HD")
    assert agent("customer", "show", "HD", "--format", "json").json()["hold_reason"] is None
    assert ar("delivery", "add", "HD", "100").code == 0
    # 60+ days overdue is the stop-supply level
    r = ar("--as-of", "2027-01-20", "delivery", "add", "HD", "100")
    assert r.code == 1 and "'stop supply' level" in r.err


# -- the morning list --------------------------------------------------------------------------------------
@pytest.fixture
def book(ok):
    """Four customers on 2026-11-23, each needing something different."""
    ok("customer", "add", "Agent", "--terms", "cod")
    ok("delivery", "add", "Agent", "152,300", "--date", "2026-11-16")
    ok("customer", "add", "Hospital", "--terms", "net 30")
    ok("delivery", "add", "Hospital", "60,000", "--date", "2026-08-20")  # due 2026-09-19: 65 days
    promise(ok, "Hospital", "20,000", "--by", "2026-11-10", as_of="2026-11-01")  # broken on 11-11
    ok("customer", "add", "Small", "--terms", "net 30")
    ok("delivery", "add", "Small", "800", "--date", "2026-10-20")  # due 2026-11-19: 4 days
    ok("--as-of", "2026-11-22", "log", "Small", "call", "--next", "2026-11-30")
    ok("customer", "add", "Soon", "--terms", "net 30")
    ok("delivery", "add", "Soon", "5,000", "--date", "2026-10-26")  # due 2026-11-25
    return ok


def test_due_today_ranks_and_explains(book):
    rows = book("due", "--format", "json").json()
    assert [r["customer"] for r in rows] == ["Hospital", "Agent"]
    h, a = rows
    assert h["rank"] == 1 and h["why"] == "1 broken promise · 65 days overdue · 60,000.00 overdue · grade D"
    assert h["action"].startswith("call about the broken promise") and h["promise"] == "broken"
    assert (a["overdue"], a["days_overdue"], a["grade"], a["level"]) == ("152300.00", 7, "A", "friendly call")
    assert set(h) == {
        "rank",
        "customer",
        "overdue",
        "due",
        "days_overdue",
        "promise",
        "grade",
        "level",
        "action",
        "why",
    }
    # Small was called yesterday and is due again on 11-30; Soon falls due in 2 days
    within = [r["customer"] for r in book("due", "--within", "2", "--format", "json").json()]
    assert within == ["Hospital", "Agent", "Soon"]
    assert [r["customer"] for r in book("due", "2026-11-30", "--format", "json").json()][-1] == "Small"
    assert len(book("due", "--limit", "1", "--format", "json").json()) == 1
    table = book("due").out
    assert "Chase on 2026-11-23: 2 customers" in table and "broken promise" in table


def test_a_promise_due_today_and_its_payment(book):
    promise(book, "Agent", "152,300", "--by", "2026-11-25")
    on_the_day = book("due", "2026-11-25", "--format", "json").json()
    agent = next(r for r in on_the_day if r["customer"] == "Agent")
    assert "promised 152,300.00 today" in agent["why"] and agent["action"].startswith("check today's promised payment")
    book("payment", "add", "Agent", "152,300", "--date", "2026-11-25")
    assert "Agent" not in [r["customer"] for r in book("due", "2026-11-25", "--format", "json").json()]
    assert status(book, 2, "2026-11-25")["status"] == "kept"


def test_following_up_a_broken_promise_takes_it_off_the_top(book):
    book("log", "Hospital", "visit", "--outcome", "finance director promised 20,000 next week")
    rows = book("due", "--format", "json").json()
    assert [r["customer"] for r in rows] == ["Agent"]  # Hospital: grade D, next follow-up tomorrow
    rows = book("due", "2026-11-24", "--format", "json").json()
    assert rows[0]["customer"] == "Hospital" and "broken promise" not in rows[0]["why"]


def test_a_past_days_list_knows_only_what_was_known_that_day(book):
    """Promises made and disputes raised after a day do not change that day's morning list or promises, while
    the same list today reads the figures kept current (each promise's money, from `promise_paid`)."""
    first = promise(book, "Agent", "152,300", "--by", "2026-11-27", as_of="2026-11-24")

    def that_day():
        return (
            book("--as-of", "2026-11-24", "due", "--within", "3", "--format", "json").json(),
            book("--as-of", "2026-11-24", "promise", "list", "--format", "json").json(),
        )

    before = that_day()
    assert [(p["id"], p["status"]) for p in before[1]] == [(1, "broken"), (first["id"], "open")]
    # the next day: a new promise replaces the open one, a payment, a dispute
    promise(book, "Agent", "100,000", "--by", "2026-11-30", as_of="2026-11-25")
    book("payment", "add", "Agent", "30,000", "--date", "2026-11-25")
    book("--as-of", "2026-11-25", "dispute", "add", "Agent", "--reason", "quality")
    assert that_day() == before
    later = book("--as-of", "2026-11-25", "promise", "list", "--format", "json").json()
    assert [(p["id"], p["status"], p["paid"]) for p in later][1:] == [
        (first["id"], "superseded", "0.00"),
        (first["id"] + 1, "open", "30000.00"),
    ]
    today = book("--as-of", "2026-11-25", "due", "--format", "json").json()
    agent = next(r for r in today if r["customer"] == "Agent")
    assert agent["promise"] == "open" and "1 open dispute" in agent["why"]


def test_a_follow_up_that_hangs_on_the_grade(ok):
    """Called without --next: the next follow-up is the call + the grade's cadence, and the grade needs the year
    of lateness, which the morning list reads only for such customers and those that can make its first rows."""
    for name, called in (("Callee", "2026-11-18"), ("Recent", "2026-11-22")):
        ok("customer", "add", name, "--terms", "net 30")
        ok("delivery", "add", name, "10,000", "--date", "2026-10-01")  # due 10-31: 23 days late, grade C
        promise(ok, name, "1,000", "--by", "2026-11-05", as_of="2026-11-01")
        ok("payment", "add", name, "1,000", "--date", "2026-11-03")  # the promise kept: A by its promises
        ok("--as-of", called, "log", name, "call")
    whole = ok("due", "--format", "json").json()
    assert [(r["customer"], r["grade"]) for r in whole] == [("Callee", "C")]  # 11-18 + 3 days; Recent: 11-25
    assert "follow-up due" in whole[0]["why"]
    assert ok("due", "--limit", "1", "--format", "json").json() == whole
    assert "Chase on 2026-11-23: 1 customer" in ok("due").out
    assert [r["customer"] for r in ok("due", "2026-11-25", "--format", "json").json()] == ["Callee", "Recent"]


def test_nobody_to_chase(ok):
    ok("customer", "add", "Quiet")
    assert ok("due").out == "Nobody to chase on 2026-11-23.\n"


# -- message drafts ----------------------------------------------------------------------------------------
def test_remind_follows_the_level_and_recaps_promises(agent, ar):
    promise(agent, "HD", "152,300", "--by", "2026-11-24", as_of="2026-11-20")
    text = agent("--as-of", "2026-11-26", "remind", "HD").out
    # 10 days overdue + 1 broken promise: level 2, firm
    assert text.startswith("鸿达医药代理,\n\n152,300.00 is now 10 days overdue:")
    assert "HD-1" in text and "Please arrange payment in full by 2026-12-01" in text
    assert "On 2026-11-20 you promised to pay 152,300.00 by 2026-11-24; we have received 0.00 of it." in text
    warning = agent("--as-of", "2026-11-26", "remind", "HD", "--level", "3").out
    assert (
        warning.startswith("WRITTEN WARNING to 鸿达医药代理, 2026-11-26") and "stop all further deliveries" in warning
    )
    legal = agent("--as-of", "2026-11-26", "remind", "HD", "--level", "5", "--format", "json").json()
    assert legal["level_name"] == "legal action" and "legal proceedings" in legal["text"]
    assert ar("remind", "HD", "--level", "9").code == 2
    agent("payment", "add", "HD", "152,300")
    r = ar("remind", "HD")
    assert r.code == 1 and "owes nothing" in r.err


def test_remind_templates_can_be_overridden(agent, ar, tmp_path, monkeypatch):
    monkeypatch.setenv("AR_TEMPLATES", str(tmp_path))
    (tmp_path / "remind-1.txt").write_text("亲爱的$customer，您有$overdue_total逾期$days天。", encoding="utf-8")
    assert agent("remind", "HD").out == "亲爱的鸿达医药代理，您有152,300.00逾期7天。\n"
    (tmp_path / "remind-1.txt").write_text("Hello $nosuch", encoding="utf-8")
    r = ar("remind", "HD")
    assert r.code == 1 and "unknown or malformed placeholder" in r.err


def test_rep_filters_the_lists(ok):
    ok("customer", "add", "North Co", "--terms", "cod", "--rep", "wang")
    ok("customer", "add", "South Co", "--terms", "cod", "--rep", "li")
    for name in ("North Co", "South Co"):
        ok("delivery", "add", name, "100", "--date", "2026-11-01")
        ok("promise", "add", name, "50", "--by", "2026-11-30")
        ok("log", name, "call", "--note", "asked")
        ok("dispute", "add", name, "--reason", "quality")
    for args in (("promise", "list"), ("log", "list"), ("dispute", "list"), ("balance",), ("due", "--within", "30")):
        both = ok(*args, "-f", "json").json()
        wang = ok(*args, "--rep", "wang", "-f", "json").json()
        listed = lambda rows: {r["customer"] for r in (rows["rows"] if isinstance(rows, dict) else rows)}  # noqa: E731
        assert listed(both) == {"North Co", "South Co"}, args
        assert listed(wang) == {"North Co"}, args
        assert listed(ok(*args, "--rep", "nobody", "-f", "json").json()) == set(), args


def test_rep_filters_the_month_end_reports(ok):
    ok("customer", "add", "North Co", "--terms", "cod", "--rep", "wang")
    ok("customer", "add", "South Co", "--terms", "cod", "--rep", "li")
    ok("delivery", "add", "North Co", "1,000", "--date", "2026-11-02")
    ok("delivery", "add", "South Co", "3,000", "--date", "2026-11-03")
    ok("payment", "add", "North Co", "400", "--date", "2026-11-10")
    ok("payment", "add", "South Co", "2,000", "--date", "2026-11-12")

    def figures(*args):
        return ok("report", "collections", "--month", "2026-11", *args, "-f", "json").json()["figures"]

    everyone, wang = figures(), figures("--rep", "wang")
    assert (everyone["fell_due"], everyone["collected"]) == ("4000.00", "2400.00")
    assert (wang["fell_due"], wang["collected"]) == ("1000.00", "400.00")
    assert figures("--rep", "nobody")["collected"] == "0.00"
    assert ok("report", "allowance", "--rep", "li", "-f", "json").json()["totals"]["amount"] == "1000.00"
