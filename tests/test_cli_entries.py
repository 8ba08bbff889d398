"""Deliveries, payments, allocation, credit, voids and idempotency through the real CLI."""

import pytest

from conftest import dump, rows


@pytest.fixture
def shop(ok):
    ok("customer", "add", "鸿达医药代理", "--code", "HD", "--terms", "cod")
    ok("customer", "add", "City Hospital", "--code", "CH", "--terms", "eom 30")
    return ok


def items(ok, who):
    return {i["ref"]: i for i in ok("customer", "show", who, "--format", "json").json()["open_items"]}


def bal(ok, who):
    return next(r for r in ok("balance", "--format", "json").json()["rows"] if r["customer"] == who)


def test_delivery_prints_its_open_items_and_due_dates(shop):
    r = shop("delivery", "add", "CH", "60,000", "--date", "2026-01-15", "--ref", "CH-1")
    assert "Recorded delivery CH-1: City Hospital 60,000.00 on 2026-01-15 (terms eom 30)" in r.out
    assert "open item CH-1: 60,000.00 due 2026-03-02" in r.out
    r = shop(
        "delivery",
        "add",
        "CH",
        "100",
        "--date",
        "2026-01-15",
        "--terms",
        "30% cod, 70% net 60",
        "--ref",
        "X",
        "--format",
        "json",
    )
    d = r.json()
    assert d["terms"] == "30% cod, 70% net 60"
    assert d["items"] == [
        {"ref": "X#1", "due": "2026-01-15", "amount": "30.00"},
        {"ref": "X#2", "due": "2026-03-16", "amount": "70.00"},
    ]
    r = shop("delivery", "add", "HD", "5", "--due", "2026-12-31")
    assert "due 2026-12-31" in r.out and "explicit due date" in r.out


def test_terms_come_from_sale_then_customer_else_refused(ok, ar):
    ok("customer", "add", "NoTerms")
    r = ar("delivery", "add", "NoTerms", "100")
    assert r.code == 2 and "no payment terms for NoTerms" in r.err
    ok("sale", "add", "NoTerms", "1000", "--terms", "net 45", "--ref", "S1", "--date", "2026-11-01")
    r = ok("delivery", "add", "NoTerms", "400", "--sale", "S1", "--date", "2026-11-01", "--format", "json").json()
    assert r["terms"] == "net 45" and r["items"][0]["due"] == "2026-12-16"
    r = ar("delivery", "add", "NoTerms", "700", "--sale", "S1", "--date", "2026-11-02")
    assert r.code == 0 and "more than its 1,000.00" in r.err  # over-delivery on a sale: recorded, with a warning
    assert ar("delivery", "add", "NoTerms", "1", "--sale", "S9").code == 1


def test_payment_oldest_due_first_then_credit(shop):
    shop("delivery", "add", "CH", "300", "--date", "2026-09-10", "--ref", "B")  # due 2026-11-29
    shop("delivery", "add", "CH", "500", "--date", "2026-08-10", "--ref", "A")  # due 2026-09-30: older
    r = shop("payment", "add", "CH", "600", "--ref", "P1")
    assert "applied 500.00 from payment P1 to A" in r.out
    assert "applied 100.00 from payment P1 to B" in r.out
    assert {k: v["open"] for k, v in items(shop, "CH").items()} == {"B": "200.00"}
    r = shop("payment", "add", "CH", "250", "--ref", "P2", "--format", "json").json()
    assert r["credit_left"] == "50.00" and r["applied"][0]["amount"] == "200.00"
    b = bal(shop, "City Hospital")
    assert (b["open"], b["credit"]) == ("0.00", "50.00")


def test_explicit_apply_and_its_limits(shop):
    shop("delivery", "add", "CH", "500", "--date", "2026-08-10", "--ref", "A")
    shop("delivery", "add", "CH", "300", "--date", "2026-09-10", "--ref", "B")
    shop("delivery", "add", "HD", "999", "--ref", "H1")
    r = shop("payment", "add", "CH", "400", "--apply", "B=100", "--apply", "A", "--format", "json").json()
    assert [(a["item"], a["amount"]) for a in r["applied"]] == [("B", "100.00"), ("A", "300.00")]
    assert r["credit_left"] == "0.00"
    r = shop("payment", "add", "CH", "1000", "--apply", "B=50", "--format", "json").json()
    assert r["credit_left"] == "950.00"  # what --apply did not name stays on account


@pytest.mark.parametrize(
    ("apply", "code", "says"),
    [
        ("A=600", 1, "only 500.00 is open"),
        ("A=50,000", 1, "only 500.00 is open"),
        ("H1", 1, "belongs to another customer"),
        ("NOPE", 1, "no delivery or item"),
        ("A=abc", 2, "not an amount"),
        ("=5", 2, "give a delivery or item ref"),
    ],
)
def test_bad_apply_is_refused_and_writes_nothing(shop, ar, db, apply, code, says):
    shop("delivery", "add", "CH", "500", "--date", "2026-08-10", "--ref", "A")
    shop("delivery", "add", "HD", "999", "--ref", "H1")
    before = dump(db)
    r = ar("payment", "add", "CH", "1000", "--apply", apply)
    assert r.code == code and says in r.err and r.err.count("\n") == 1
    assert dump(db) == before


def test_paid_item_cannot_be_applied_again(shop, ar):
    shop("delivery", "add", "CH", "500", "--ref", "A")
    shop("payment", "add", "CH", "500")
    r = ar("payment", "add", "CH", "10", "--apply", "A")
    assert r.code == 1 and "nothing is open on it" in r.err


def test_prepaid_credit_is_consumed_by_a_later_delivery(ok):
    ok("customer", "add", "Lotus", "--terms", "prepaid")
    r = ok("payment", "add", "Lotus", "¥50000", "--date", "2026-11-03", "--ref", "PRE")
    assert "on-account credit: 50,000.00" in r.out
    r = ok("delivery", "add", "Lotus", "32,000", "--date", "2026-11-09", "--ref", "L1")
    assert "applied 32,000.00 from payment PRE to L1 (effective 2026-11-09)" in r.out
    assert "on-account credit left: 18,000.00" in r.out
    b = bal(ok, "Lotus")
    assert (b["open"], b["credit"]) == ("0.00", "18000.00")
    # history: on 2026-11-05 the money was all credit and nothing was delivered yet
    b = next(x for x in ok("balance", "--as-of", "2026-11-05", "--format", "json").json()["rows"])
    assert (b["open"], b["credit"]) == ("0.00", "50000.00")


def test_void_payment_reopens_items_and_keeps_history(shop, db):
    shop("delivery", "add", "CH", "500", "--date", "2026-08-10", "--ref", "A")
    shop("payment", "add", "CH", "500", "--date", "2026-10-01", "--ref", "P1")
    r = shop("void", "payment", "P1", "--reason", "bounced cheque")
    assert "Voided payment P1 of City Hospital (500.00) on 2026-11-23" in r.out
    assert items(shop, "CH")["A"]["open"] == "500.00"
    led = shop("ledger", "CH", "--format", "json").json()
    assert [(e["kind"], e["ref"]) for e in led["entries"]] == [
        ("delivery", "A"),
        ("payment", "P1"),
        ("reversal", "void payment P1"),
    ]
    assert "bounced cheque" in led["entries"][2]["details"] and led["closing_balance"] == "500.00"
    # the original is still there, and before the void the item was paid
    assert rows(db, "select count(*) from entry where ref='P1'") == [(1,)]
    assert shop("customer", "show", "CH", "--as-of", "2026-11-01", "--format", "json").json()["open"] == "0.00"


def test_void_delivery_frees_its_payment_for_other_items(shop):
    shop("delivery", "add", "CH", "500", "--date", "2026-08-10", "--ref", "A")
    shop("payment", "add", "CH", "500", "--date", "2026-10-01", "--ref", "P1", "--apply", "A")
    shop("delivery", "add", "CH", "300", "--date", "2026-09-10", "--ref", "B")
    r = shop("void", "delivery", "A", "--reason", "goods returned")
    assert "applied 300.00 from payment P1 to B" in r.out and "on-account credit: 200.00" in r.out
    b = bal(shop, "City Hospital")
    assert (b["open"], b["credit"], b["overdue"]) == ("0.00", "200.00", "0.00")


def test_void_is_idempotent_and_refuses_a_second_different_void(shop, ar, db):
    shop("delivery", "add", "CH", "500", "--ref", "A")
    shop("void", "delivery", "A", "--reason", "typo")
    before = dump(db)
    r = shop("void", "delivery", "A", "--reason", "typo")
    assert "already voided; nothing changed" in r.out
    r = ar("void", "delivery", "A", "--reason", "other")
    assert r.code == 1 and "voided already on 2026-11-23" in r.err
    assert ar("void", "delivery", "NOPE", "--reason", "x").code == 1
    assert ar("void", "payment", "A", "--reason", "x").code == 1  # A is a delivery, not a payment
    assert ar("void", "delivery", "A", "--reason", " ").code == 2
    # the ways a person gets the command wrong are answered with the right one, in one line
    r = ar("void", "A", "--reason", "typo")
    assert r.code == 2
    assert r.err == (
        "error: Invalid value for 'KIND': 'A' is not one of delivery, payment, writeoff (what to void comes first, "
        "then its ref: `ar void payment REF`) (see `ar void --help`)\n"
    )
    r = ar("delivery", "void", "A", "--reason", "typo")
    assert (r.code, r.err) == (2, "error: to void a delivery: `ar void delivery REF --reason …`\n")
    r = ar("customer", "due")
    assert (r.code, r.err) == (2, "error: `ar due` is a command of its own (see `ar due --help`)\n")
    r = ar("delivery", "frobnicate")
    assert r.code == 2 and r.err.startswith("error: No such command 'frobnicate'.")
    assert dump(db) == before


def test_same_ref_same_fields_is_a_no_op_and_different_fields_a_conflict(shop, ar, db):
    shop("delivery", "add", "HD", "152,300", "--ref", "HD-1", "--date", "2026-11-16")
    shop("payment", "add", "HD", "100", "--ref", "R-1", "--method", "cash")
    shop("sale", "add", "HD", "200,000", "--ref", "S-1")
    before = dump(db)
    assert (
        "already recorded; nothing changed"
        in shop("delivery", "add", "HD", "152300.00", "--ref", "HD-1", "--date", "2026-11-16").out
    )
    assert "already recorded" in shop("payment", "add", "HD", "100", "--ref", "R-1", "--method", "cash").out
    assert "already recorded" in shop("sale", "add", "HD", "20万", "--ref", "S-1").out
    assert dump(db) == before
    r = ar("delivery", "add", "HD", "152,301", "--ref", "HD-1", "--date", "2026-11-17")
    assert r.code == 1 and "different amount, date" in r.err
    r = ar("payment", "add", "CH", "100", "--ref", "R-1", "--method", "bank")
    assert r.code == 1 and "different customer, method" in r.err
    r = ar("sale", "add", "HD", "1", "--ref", "S-1")
    assert r.code == 1 and "different amount" in r.err
    assert dump(db) == before


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (("delivery", "add", "HD", "0"), 2),
        (("delivery", "add", "HD", "-5"), 2),
        (("delivery", "add", "HD", "NaN"), 2),
        (("delivery", "add", "HD", "1.001"), 2),
        (("delivery", "add", "HD", "100", "--date", "11/12/2026"), 2),
        (("delivery", "add", "HD", "100", "--terms", "net 30", "--due", "+3d"), 2),
        (("delivery", "add", "HD", "100", "--due", "-3d"), 2),
        (("delivery", "add", "HD", "100", "--terms", "whenever"), 2),
        (("delivery", "add", "HD", "100", "--ref", "a=b"), 2),
        (("delivery", "add", "Nobody", "100"), 1),
        (("payment", "add", "HD", "1e3"), 2),
        (("payment", "add", "HD", "10", "--method", "card"), 2),
        (("sale", "add", "HD", "Infinity"), 2),
        (("delivery", "add", "HD"), 2),
        (("delivery", "add", "HD", "100", "--bogus"), 2),
    ],
)
def test_failures_are_one_line_and_write_nothing(shop, ar, db, args, code):
    before = dump(db)
    r = ar(*args)
    assert r.code == code, r.err
    assert r.out == ""
    assert r.err.startswith("error: ") and r.err.count("\n") == 1, r.err
    assert dump(db) == before


def test_credit_limit_needs_force(ok, ar, db):
    ok("customer", "add", "Small", "--terms", "cod", "--credit-limit", "1,000")
    before = dump(db)
    r = ar("delivery", "add", "Small", "1,500")
    assert r.code == 1 and "over the credit limit of 1,000.00: deliver anyway with --force" in r.err
    assert dump(db) == before
    r = ar("delivery", "add", "Small", "1,500", "--force")
    assert r.code == 0 and "warning: delivered with --force although Small would owe 1,500.00" in r.err


def test_auto_refs_are_sequential_and_unique(shop):
    a = shop("delivery", "add", "HD", "1", "--format", "json").json()["ref"]
    b = shop("delivery", "add", "HD", "1", "--format", "json").json()["ref"]
    assert a != b and a.startswith("D") and b.startswith("D")


def test_a_written_off_delivery_is_voided_only_after_its_write_offs(ok, ar):
    """Found by the state machine: voiding the delivery would leave the write-off writing off nothing."""
    ok("customer", "add", "Acme", "--terms", "net 30")
    ok("delivery", "add", "Acme", "100", "--ref", "D1", "--date", "2026-10-01")
    ok("writeoff", "Acme", "30", "--items", "D1", "--reason", "damaged", "--ref", "W1")
    r = ar("void", "delivery", "D1", "--reason", "wrong customer")
    assert r.code == 1 and "has write-offs against it (W1): void it first" in r.err
    ok("void", "writeoff", "W1", "--reason", "wrong customer")
    ok("void", "delivery", "D1", "--reason", "wrong customer")
    assert ok("balance", "-f", "json").json()["totals"]["open"] == "0.00"
    assert ok("check").out.startswith("ok: ")


def test_a_tiny_instalment_delivery_makes_no_empty_item(ok):
    """Found by the state machine: 0.01 on 30%/70% terms made an item of 0.00 that the database refused."""
    ok("customer", "add", "Acme", "--terms", "30% cod, 70% net 60")
    out = ok("delivery", "add", "Acme", "0.01", "--ref", "D1", "-f", "json").json()
    assert [i["amount"] for i in out["items"]] == ["0.01"]


def test_a_record_dated_after_today_is_written_with_a_warning(shop, ar):
    """Today is Monday 2026-11-23: `--date fri` is the next Friday (as documented), an easy slip for a payment
    that came in last Friday. It is recorded as asked, with one warning line on stderr; a past date, a repeat
    of the same record and a record dated today say nothing."""
    warning = "warning: dated 2026-11-27, after today (2026-11-23): it counts from that day on (a past weekday is `last fri`)\n"  # noqa: E501
    r = shop("payment", "add", "HD", "100", "--date", "fri", "--ref", "P1")
    assert "on 2026-11-27" in r.out and r.err == warning
    assert shop("payment", "add", "HD", "100", "--date", "fri", "--ref", "P1").err == ""  # unchanged: said already
    r = shop("payment", "add", "HD", "100", "--date", "last fri", "--ref", "P2")
    assert "on 2026-11-20" in r.out and r.err == ""
    r = shop("delivery", "add", "HD", "500", "--date", "+4d", "--ref", "D1", "--format", "json")
    assert r.json()["date"] == "2026-11-27" and r.err == warning  # stdout stays JSON
    assert shop("sale", "add", "HD", "900", "--date", "2026-11-27", "--ref", "S1").err == warning
    assert shop("delivery", "add", "HD", "500", "--ref", "D2").err == ""  # today
    r = shop("writeoff", "HD", "50", "--items", "D1", "--reason", "damaged", "--date", "2026-11-27", "--ref", "W1")
    assert r.err == warning
    r = shop("void", "payment", "P2", "--reason", "bounced", "--date", "friday")
    assert "on 2026-11-27" in r.out and r.err == warning
    r = ar("--lang", "zh", "payment", "add", "HD", "1", "--date", "周五", "--ref", "P3")
    assert r.code == 0 and "日期 2026-11-27 晚于今天（2026-11-23）" in r.err
