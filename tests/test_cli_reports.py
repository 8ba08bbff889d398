"""`ar balance` and `ar ledger`: exact as-of history, formats, and the invariant that ties them to the ledger."""

import csv
import io
import itertools
import json
import sqlite3
from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from arcli.cli import main
from conftest import PgLedger, create_pg_database, drop_pg_database, rows


@pytest.fixture
def hospital(ok):
    ok("customer", "add", "市第一人民医院", "--code", "CH", "--terms", "eom 30")
    ok("delivery", "add", "CH", "60,000", "--date", "2026-07-26", "--ref", "CH-0726")  # due 2026-08-30
    ok("delivery", "add", "CH", "45,000", "--date", "2026-08-25", "--ref", "CH-0825")  # due 2026-09-30
    ok("payment", "add", "CH", "10,000", "--date", "2026-09-14", "--ref", "P1")
    ok("payment", "add", "CH", "8,000", "--date", "2026-11-20", "--ref", "P2")
    ok("customer", "add", "Greenfield", "--terms", "net 30")
    ok("delivery", "add", "Greenfield", "29,600", "--date", "2026-10-24", "--ref", "G1")  # due 2026-11-23: today
    return ok


def test_balance_table_json_csv(hospital):
    d = hospital("balance", "--format", "json").json()
    assert d["as_of"] == "2026-11-23"
    assert d["rows"][0] == {
        "customer": "市第一人民医院",
        "open": "87000.00",
        "overdue": "87000.00",
        "not_due": "0.00",
        "credit": "0.00",
        "oldest_overdue_days": 85,
    }
    # due today is not yet overdue
    assert d["rows"][1] == {
        "customer": "Greenfield",
        "open": "29600.00",
        "overdue": "0.00",
        "not_due": "29600.00",
        "credit": "0.00",
        "oldest_overdue_days": 0,
    }
    assert d["totals"]["open"] == "116600.00" and d["totals"]["customer"] == "TOTAL"
    table = hospital("balance").out
    assert "Receivables as of 2026-11-23" in table and "116,600.00" in table and "reconciled" in table
    lines = table.splitlines()
    assert lines.index(next(x for x in lines if "市第一人民医院" in x)) < lines.index(
        next(x for x in lines if "TOTAL" in x)
    )
    got = list(csv.DictReader(io.StringIO(hospital("balance", "--format", "csv").out)))
    assert [r["customer"] for r in got] == ["市第一人民医院", "Greenfield"]
    assert got[0]["overdue"] == "87000.00"


def test_as_of_is_exact_history(hospital):
    # on 2026-09-20: both deliveries made, P1 paid, P2 not yet; the first item overdue 21 days
    d = hospital("--as-of", "2026-09-20", "balance", "--format", "json").json()
    ch = d["rows"][0]
    assert (ch["customer"], ch["open"], ch["overdue"], ch["oldest_overdue_days"]) == (
        "市第一人民医院",
        "95000.00",
        "50000.00",
        21,
    )
    assert d["rows"][1]["open"] == "0.00"  # Greenfield's delivery is in the future then
    # a local --as-of works the same, and AR_TODAY is the default
    assert hospital("balance", "--as-of", "2026-09-20", "--format", "json").json() == d
    before_anything = hospital("balance", "--as-of", "2026-01-01", "--format", "json").json()
    assert before_anything["totals"]["open"] == "0.00"


def test_statement_with_period_and_open_items(hospital):
    s = hospital("ledger", "CH", "--from", "2026-09-01", "--format", "json").json()
    assert s["opening_balance"] == "105000.00"
    assert [(e["ref"], e["debit"], e["credit"], e["balance"]) for e in s["entries"]] == [
        ("P1", "0.00", "10000.00", "95000.00"),
        ("P2", "0.00", "8000.00", "87000.00"),
    ]
    assert s["closing_balance"] == "87000.00"
    assert [(i["ref"], i["open"], i["days_overdue"]) for i in s["open_items"]] == [
        ("CH-0726", "42000.00", 85),
        ("CH-0825", "45000.00", 54),
    ]
    s = hospital("ledger", "CH", "--to", "2026-09-30", "--format", "json").json()
    assert s["closing_balance"] == "95000.00" and s["entries"][-1]["ref"] == "P1"
    assert [(i["ref"], i["days_overdue"]) for i in s["open_items"]] == [("CH-0726", 31), ("CH-0825", 0)]
    text = hospital("ledger", "市第一人民医院").out
    assert "Statement for 市第一人民医院 (CH), up to 2026-11-23" in text
    assert "Closing balance: 87,000.00" in text
    out = hospital("ledger", "CH", "--format", "csv").out.splitlines()
    assert out[0] == "date,kind,ref,details,debit,credit,balance"
    assert len(out) == 5


def test_bad_period_is_refused(hospital, ar):
    r = ar("ledger", "CH", "--from", "2026-12-01", "--to", "2026-11-01")
    assert r.code == 2 and "is after" in r.err


#: Commands that cannot be the first in a ledger (each names a customer or an entry that cannot exist yet): on a
#: missing ledger they fail with "no ledger", and leave none behind
NOT_FIRST = [
    ("balance",),
    ("delivery", "add", "Acme", "100", "--ref", "D1"),
    ("payment", "add", "Acme", "100"),
    ("sale", "add", "Acme", "100"),
    ("promise", "add", "Acme", "100", "--by", "2026-11-30"),
    ("log", "Acme", "call"),
    ("dispute", "add", "Acme", "--reason", "quality"),
    ("void", "delivery", "D1", "--reason", "typo"),
    ("plan", "set", "Acme", "100"),
    ("import", "deliveries", "{csv}"),
    ("import", "customers", "{customers}", "--dry-run"),
]


def test_only_a_command_that_can_start_a_ledger_creates_one(ar, ok, db, monkeypatch, tmp_path):
    """A read, or a write that needs a customer or an entry, on a missing ledger: one line saying so, and no
    empty ledger left behind (before, `ar delivery add` made the file, then failed on the unknown customer);
    `ar customer add`, `ar config set`, an import of customers and `ar init` start one."""
    (tmp_path / "d.csv").write_text("ref,customer,date,amount\nD1,Acme,2026-11-01,100\n", encoding="utf-8")
    (tmp_path / "c.csv").write_text("name,terms\nAcme,net 30\n", encoding="utf-8")
    empty = None
    if isinstance(db, PgLedger):  # on a server, an empty database is no ledger
        empty = create_pg_database(db.name + "_empty")
        monkeypatch.setenv("AR_DATABASE_URL", empty.url)
    try:
        for command in NOT_FIRST:
            r = ar(*[a.format(csv=tmp_path / "d.csv", customers=tmp_path / "c.csv") for a in command])
            assert r.code == 1 and r.err.count("\n") == 1, (command, r.err)
            if empty is not None:
                assert "no ledger in the database" in r.err and "`ar init`" in r.err, command
                assert rows(empty, "select count(*) from pg_tables where schemaname = 'public'") == [(0,)]
            else:
                assert "no ledger at" in r.err and "`ar init`" in r.err, command
                assert not db.exists(), command
        ok("config", "set", "promise.grace_days", "3")  # the policy can come before the first customer
        ok("import", "customers", str(tmp_path / "c.csv"))
        ok("import", "deliveries", str(tmp_path / "d.csv"))
    finally:
        if empty is not None:
            drop_pg_database(empty.name)


def test_long_tables_for_people_stop_at_limit_and_say_so(hospital, tmp_path):
    """Customers, promises, disputes, the plan and collections by customer: a table shows --limit rows (50
    unless told) and a line saying how many there are; JSON and CSV carry every row. The contact log's --limit
    cuts every format (newest first), and its table shows 50 unless told."""
    ok = hospital
    ok("customer", "add", "Zenith", "--terms", "cod")
    ok("promise", "add", "CH", "5,000", "--by", "2026-11-30")
    ok("promise", "add", "Greenfield", "1,000", "--by", "2026-11-28")
    ok("plan", "set", "CH", "30,000")
    ok("plan", "set", "Greenfield", "29,600")
    said = "Showing the first 1 of 3 rows; --limit 0 shows all"
    for args, total, first, second in (
        (("customer", "list"), 3, "Greenfield", "Zenith"),  # by name
        (("promise", "list"), 2, "Greenfield", "市第一人民医院"),  # by the day they fall due
        (("report", "collections", "--by", "customer"), 2, "Greenfield", "市第一人民医院"),
        (("report", "plan"), 2, "市第一人民医院", "Greenfield"),  # the largest gap first
    ):
        everything = ok(*args).out
        assert first in everything and second in everything and "--limit 0" not in everything, args
        short = ok(*args, "--limit", "1").out
        assert first in short and second not in short, args
        told = said.replace("of 3", f"of {total}")
        assert (told.replace("rows;", "rows (totals: all);") if args[-1] == "plan" else told) in short, args
        assert ok(*args, "--limit", "0").out == everything, args
    assert len(ok("customer", "list", "--limit", "1", "-f", "json").json()) == 3
    assert len(ok("promise", "list", "--limit", "1", "-f", "csv").out.splitlines()) == 3
    assert len(ok("report", "plan", "--limit", "1", "-f", "json").json()["rows"]) == 2
    assert len(ok("report", "collections", "--by", "customer", "--limit", "1", "-f", "json").json()["rows"]) == 2
    # the contact log, newest first: --limit cuts every format, a table shows 50 unless told
    for n in range(3):
        ok("--as-of", f"2026-11-{10 + n}", "log", "CH", "call", "--note", f"call {n}")
    assert "call 2" in ok("log", "list", "--limit", "1").out and "call 1" not in ok("log", "list", "--limit", "1").out
    assert len(ok("log", "list", "--limit", "2", "-f", "json").json()) == 2
    assert len(ok("log", "list", "--limit", "0", "-f", "json").json()) == 3
    ok("dispute", "add", "CH", "--reason", "quality")
    ok("dispute", "add", "Greenfield", "--reason", "price")
    disputes = ok("dispute", "list", "--limit", "1").out
    assert "Showing the first 1 of 2 rows; --limit 0 shows all" in disputes and "Greenfield" not in disputes
    assert len(ok("dispute", "list", "--limit", "1", "-f", "json").json()) == 2
    # 50 unless told
    many = tmp_path / "many.csv"
    many.write_text("name,terms\n" + "".join(f"Shop {n:02d},cod\n" for n in range(60)), encoding="utf-8")
    ok("import", "customers", str(many))
    listed = ok("customer", "list").out
    assert "Shop 48" in listed and "Shop 49" not in listed  # by name: Greenfield, then Shop 00 … Shop 48
    assert "Showing the first 50 of 63 rows; --limit 0 shows all" in listed and "63 customers" in listed
    for n in range(55):
        ok("--as-of", "2026-11-20", "log", f"Shop {n:02d}", "visit")
    log = ok("log", "list").out
    assert "Showing the first 50 of 58 rows; --limit 0 shows all" in log
    assert ok("log", "list", "--limit", "0").out.count("visit") == 55


def test_rich_markup_in_names_is_printed_literally(ok):
    ok("customer", "add", "[bold]Evil[/] Co", "--terms", "cod")
    ok("delivery", "add", "[bold]Evil[/] Co", "10")
    assert "[bold]Evil[/] Co" in ok("balance").out


def test_csv_text_cells_cannot_become_formulas(ok):
    ok("customer", "add", "=HYPERLINK(1)", "--terms", "cod")
    ok("delivery", "add", "=HYPERLINK(1)", "10")
    out = ok("balance", "--format", "csv").out
    assert "'=HYPERLINK(1)" in out


# -- the invariant, through the CLI, on random histories ------------------------------------------------------
START = date(2026, 1, 1)
op = st.one_of(
    st.tuples(
        st.just("delivery"),
        st.sampled_from(["A", "B"]),
        st.integers(1, 500_000),
        st.integers(0, 300),
        st.sampled_from(["cod", "net 30", "eom 30", "eom+1m", "30% cod, 70% net 60", "prepaid"]),
    ),
    st.tuples(
        st.just("payment"), st.sampled_from(["A", "B"]), st.integers(1, 500_000), st.integers(0, 300), st.booleans()
    ),
    st.tuples(st.just("void"), st.integers(0, 50)),
)
counter = itertools.count()


def fen_of(text: str) -> int:
    return int(Decimal(text) * 100)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(op, min_size=1, max_size=14))
def test_balance_equals_deliveries_minus_payments_plus_minus_voids(tmp_path, capsys, ops):
    path = tmp_path / f"prop{next(counter)}.db"

    def ar(*args):
        capsys.readouterr()
        code = main(["--db", str(path), *map(str, args)])
        return code, capsys.readouterr().out

    for name in ("A", "B"):
        assert ar("customer", "add", name)[0] == 0
    posted: list[tuple[str, str, str, int, date]] = []  # kind, ref, customer, fen, date
    voided: set[str] = set()
    for n, o in enumerate(ops):
        if o[0] == "void":
            if not posted:
                continue
            kind, ref, who, fen, day = posted[o[1] % len(posted)]
            code, _ = ar("void", kind, ref, "--reason", "test", "--date", "2026-12-31")
            assert code == 0 or ref in voided
            voided.add(ref)
            continue
        kind, who, fen, offset = o[:4]
        day = START + timedelta(days=offset)
        amt = f"{fen // 100}.{fen % 100:02d}"
        ref = f"R{n}"
        args = [kind, "add", who, amt, "--date", day.isoformat(), "--ref", ref]
        if kind == "delivery":
            args += ["--terms", o[4]]
        elif o[4] and posted:  # name the newest delivery of this customer, if any is open
            mine = [p for p in posted if p[0] == "delivery" and p[2] == who and p[1] not in voided]
            if mine:
                args += ["--apply", mine[-1][1]]
        code, _ = ar(*args)
        if code == 0:
            posted.append((kind, ref, who, fen, day))
    for as_of in ("2026-03-01", "2026-12-31"):
        cutoff = date.fromisoformat(as_of)
        code, out = ar("--as-of", as_of, "balance", "--format", "json")
        rows = {r["customer"]: r for r in json.loads(out)["rows"]}
        for who in ("A", "B"):
            expected = 0
            for kind, ref, w, fen, day in posted:
                if w != who or day > cutoff:
                    continue
                sign = 1 if kind == "delivery" else -1
                expected += sign * fen
                if ref in voided and cutoff >= date(2026, 12, 31):
                    expected -= sign * fen
            r = rows[who]
            assert fen_of(r["open"]) - fen_of(r["credit"]) == expected, (who, as_of)
            assert fen_of(r["open"]) == fen_of(r["overdue"]) + fen_of(r["not_due"])
            code, out = ar("--as-of", as_of, "ledger", who, "--format", "json")
            assert fen_of(json.loads(out)["closing_balance"]) == expected
    con = sqlite3.connect(path)
    try:
        # aging as of past days (recomputed from the history, for the items that can be open then) equals the
        # open amount of every item summed from the whole history, and reconciles with the ledger balance
        for day in ("2026-01-15", "2026-03-01", "2026-06-30", "2026-09-01", "2026-10-28", "2026-12-30"):
            code, out = ar("report", "aging", "--as-of", day, "--by", "item", "--format", "json")
            report = json.loads(out)
            got = sorted((r["item"], fen_of(r["total"])) for r in report["rows"])
            want = con.execute(
                "select ref, o from (select i.ref, i.amount - coalesce((select sum(a.amount) from allocation a"
                " where a.item_id = i.id and a.date <= ?), 0) as o from item i where i.delivery_date <= ?"
                " and not exists (select 1 from entry r where r.reverses_id = i.entry_id and r.date <= ?))"
                " where o > 0 order by ref",
                (day, day, day),
            ).fetchall()
            assert got == sorted(want), day
            assert report["reconciled"], day
        # no item is paid beyond its amount, no payment gives more than it had
        assert con.execute(
            "select count(*) from item i where (select coalesce(sum(amount),0) from allocation a where a.item_id=i.id)"
            " not between 0 and i.amount"
        ).fetchone() == (0,)
        # the open items kept current equal the open items computed from the whole history
        assert (
            con.execute("select item_id, open from open_item order by item_id").fetchall()
            == con.execute(
                "select id, o from (select i.id, i.amount - coalesce((select sum(a.amount) from allocation a"
                " where a.item_id = i.id), 0) as o from item i"
                " where not exists (select 1 from entry r where r.reverses_id = i.entry_id)) where o > 0 order by id"
            ).fetchall()
        )
        assert (
            con.execute("select item_id, settled_on, delivery_date from settled_item order by item_id").fetchall()
            == con.execute(
                "select i.id, (select max(date) from allocation a where a.item_id = i.id and a.amount > 0),"
                " i.delivery_date from item i"
                " where not exists (select 1 from entry r where r.reverses_id = i.entry_id)"
                " and (select coalesce(sum(amount), 0) from allocation a where a.item_id = i.id) >= i.amount"
                " order by i.id"
            ).fetchall()
        )
        assert (
            con.execute("select payment_id, credit from open_credit order by payment_id").fetchall()
            == con.execute(
                "select id, c from (select p.id, -p.delta - coalesce((select sum(a.amount) from allocation a"
                " where a.payment_id = p.id), 0) as c from entry p where p.kind = 'payment'"
                " and not exists (select 1 from entry r where r.reverses_id = p.id)) where c > 0 order by id"
            ).fetchall()
        )
        # payments applied in full, some of it after their own date: the day their last money was applied
        assert (
            con.execute("select payment_id, date, settled_on from settled_credit order by payment_id").fetchall()
            == con.execute(
                "select p.id, p.date, (select max(date) from allocation a where a.payment_id = p.id) as last"
                " from entry p where p.kind = 'payment' and not exists (select 1 from entry r where r.reverses_id ="
                " p.id) and -p.delta - (select coalesce(sum(amount), 0) from allocation a where a.payment_id = p.id)"
                " <= 0 and last > p.date order by p.id"
            ).fetchall()
        )
        assert con.execute(
            "select count(*) from entry p where p.kind='payment' and"
            " (select coalesce(sum(amount),0) from allocation a where a.payment_id=p.id) not between 0 and -p.delta"
        ).fetchone() == (0,)
    finally:
        con.close()
