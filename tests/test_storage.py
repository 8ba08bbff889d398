"""The ledger file: location, permissions, SQLite settings, schema versions, concurrent writers."""

import sqlite3
import stat
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

import arcli.storage.engine as engine_mod
from arcli.domain.errors import Conflict
from arcli.storage.engine import HEAD, REVISIONS, open_engine
from arcli.storage.models import metadata
from conftest import PgLedger, rows


@pytest.mark.sqlite_only("the ledger file")
def test_new_ledger_is_private_and_in_wal_mode(ok, db):
    ok("customer", "add", "A")
    assert stat.S_IMODE(db.stat().st_mode) == 0o600
    assert rows(db, "pragma journal_mode") == [("wal",)]
    assert rows(db, "select version_num from alembic_version") == [(HEAD,)]


def test_default_location_is_the_user_data_directory(tmp_path, monkeypatch, capsys):
    from arcli.cli import main

    monkeypatch.delenv("AR_DB", raising=False)
    assert main(["init"]) == 0
    expected = tmp_path / "xdg-data" / "arcli" / "ledger.db"
    assert f"Ledger ready at {expected}" in capsys.readouterr().out
    assert expected.exists()


def test_every_connection_is_configured(tmp_path):
    eng = open_engine(f"sqlite:///{tmp_path / 'x.db'}", create=True)
    with eng.connect() as conn:
        get = lambda p: conn.exec_driver_sql(f"pragma {p}").scalar()  # noqa: E731
        assert get("foreign_keys") == 1
        assert get("synchronous") == 2  # FULL
        assert get("busy_timeout") == engine_mod.BUSY_TIMEOUT_MS
        assert get("journal_mode") == "wal"
    eng.dispose()


def test_migrations_match_the_models_and_the_known_revisions(tmp_path):
    eng = open_engine(f"sqlite:///{tmp_path / 'x.db'}", create=True)
    engine_mod.ensure_schema(eng)
    with eng.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), metadata) == []
    eng.dispose()
    cfg = Config()
    cfg.set_main_option("script_location", str(Path(engine_mod.__file__).parent / "migrations"))
    script = ScriptDirectory.from_config(cfg)
    assert [s.revision for s in reversed(list(script.walk_revisions()))] == list(REVISIONS)
    assert script.get_current_head() == HEAD


@pytest.mark.parametrize("older", [None, *REVISIONS[:-1]])
def test_an_older_ledger_is_upgraded_on_open(tmp_path, ok, db, older):
    # an empty file or database (a ledger from before any schema), or each earlier revision
    if isinstance(db, PgLedger):
        eng = open_engine(db.url, create=True)
        with eng.begin() as conn:  # the test's database starts from the migrated template: empty it
            conn.exec_driver_sql("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
    else:
        eng = open_engine(f"sqlite:///{db}", create=True)
    if older:
        engine_mod.migrate(eng, older)
    eng.dispose()
    ok("customer", "add", "A")
    assert rows(db, "select version_num from alembic_version") == [(HEAD,)]


def take_back(db, revision: str) -> None:
    """Downgrade the ledger's schema to an older revision (as an older arcli left it)."""
    url = db.url if isinstance(db, PgLedger) else f"sqlite:///{db}"
    eng = open_engine(url, create=False)
    engine_mod.migrate(eng, revision, down=True)
    eng.dispose()
    assert rows(db, "select version_num from alembic_version") == [(revision,)]


def test_schema_0006_backfills_a_ledger_with_history(ok, db):
    """A ledger written at 0005 (made here by taking a current one back down) gets its new derived rows from the
    history when opened: settled items' delivery days, payments whose credit was used later, each customer's
    balance and the trigger that keeps it. `ar check` compares each with the history, and a write after the
    upgrade moves the balance."""

    ok("customer", "add", "Pre", "--terms", "net 30")
    ok("customer", "add", "Late", "--terms", "cod")
    ok("payment", "add", "Pre", "500", "--date", "2026-01-05", "--ref", "P1")  # credit until the deliveries
    ok("delivery", "add", "Pre", "300", "--date", "2026-01-10", "--ref", "D1")
    ok("delivery", "add", "Pre", "400", "--date", "2026-01-20", "--ref", "D2")
    ok("delivery", "add", "Late", "900", "--date", "2026-02-01", "--ref", "D3")
    ok("payment", "add", "Late", "900", "--date", "2026-03-01", "--ref", "P2")
    ok("payment", "add", "Late", "50", "--date", "2026-03-02", "--ref", "P3")
    ok("void", "payment", "P3", "--reason", "bounced", "--date", "2026-03-05")
    before = ok("--as-of", "2026-01-15", "report", "aging", "--format", "json").json()["totals"]
    take_back(db, "0005")
    ok("check")  # opening it upgrades it, and every check passes (the derived tables equal the history)
    assert rows(db, "select version_num from alembic_version") == [(HEAD,)]
    assert rows(db, "select count(*) from settled_credit") == [(1,)]  # P1, applied on the 10th and the 20th
    assert ok("--as-of", "2026-01-15", "report", "aging", "--format", "json").json()["totals"] == before
    ok("delivery", "add", "Late", "10", "--date", "2026-03-10", "--ref", "D4")
    ok("check")
    assert rows(db, "select balance from customer_balance order by customer_id") == [(20_000,), (1_000,)]


def test_schema_0009_backfills_the_money_counted_towards_promises(ok, db):
    """A ledger written at 0008 gets ``promise_paid`` from its promises and payments when opened: the oldest
    promise takes a payment first, a superseded one takes nothing, a voided payment counts for none."""

    ok("customer", "add", "Hosp", "--terms", "net 30")
    ok("delivery", "add", "Hosp", "100,000", "--date", "2026-09-01", "--ref", "D1")
    ok("--as-of", "2026-11-01", "promise", "add", "Hosp", "30,000", "--by", "2026-11-20", "--items", "D1")
    ok("--as-of", "2026-11-02", "promise", "add", "Hosp", "20,000", "--by", "2026-11-10")
    ok("--as-of", "2026-11-03", "promise", "add", "Hosp", "25,000", "--by", "2026-11-25", "--items", "D1")  # replaces 1
    ok("payment", "add", "Hosp", "40,000", "--date", "2026-11-05", "--ref", "P1")
    ok("payment", "add", "Hosp", "9,000", "--date", "2026-11-06", "--ref", "P2")
    ok("void", "payment", "P2", "--reason", "bounced", "--date", "2026-11-07")
    listed = ok("promise", "list", "--format", "json").json()
    assert [(p["id"], p["status"], p["paid"]) for p in listed] == [
        (2, "kept", "20000.00"),
        (1, "superseded", "0.00"),
        (3, "open", "20000.00"),  # by 11-25: still open today
    ]
    kept = rows(db, "select promise_id, paid from promise_paid order by promise_id")
    assert kept == [(1, 0), (2, 2_000_000), (3, 2_000_000)]
    take_back(db, "0008")
    ok("check")  # opening it upgrades it, and `ar check` compares promise_paid with the history
    assert rows(db, "select promise_id, paid from promise_paid order by promise_id") == kept
    assert ok("promise", "list", "--format", "json").json() == listed
    # after the upgrade, writes keep it current: a new promise, then a payment in two promises' windows
    ok("--as-of", "2026-11-24", "promise", "add", "Hosp", "5,000", "--by", "2026-11-30")
    ok("payment", "add", "Hosp", "8,000", "--date", "2026-11-24", "--ref", "P3")
    ok("check")
    after = rows(db, "select promise_id, paid from promise_paid order by promise_id")
    assert after == [(1, 0), (2, 2_000_000), (3, 2_500_000), (4, 300_000)]  # the older promise is filled first


def test_schema_0010_keeps_every_entry_and_what_guards_them(ok, ar, db):
    """A ledger written at 0009 gets the entry table's cheaper checks when opened (on SQLite the table is built
    again): every entry keeps its id, fields and seal, its triggers come back, an entry is still reversed at
    most once, and the balance trigger still moves the balance."""

    ok("customer", "add", "Hosp", "--terms", "net 30")
    ok("delivery", "add", "Hosp", "1,000", "--date", "2026-09-01", "--ref", "D1")
    ok("payment", "add", "Hosp", "400", "--date", "2026-10-01", "--ref", "P1")
    ok("payment", "add", "Hosp", "50", "--date", "2026-10-02", "--ref", "P2")
    ok("void", "payment", "P2", "--reason", "bounced", "--date", "2026-10-03")
    pg = isinstance(db, PgLedger)
    triggers = (
        "select tgname from pg_trigger where tgrelid = 'entry'::regclass and not tgisinternal order by 1"
        if pg
        else "select name from sqlite_master where tbl_name = 'entry' and type = 'trigger' order by 1"
    )
    entries, before = rows(db, "select * from entry order by id"), rows(db, triggers)
    assert len(before) == 3  # no update, no delete (no truncate), the balance
    take_back(db, "0009")
    upgraded = ok("check")  # opening it upgrades it; seals, balances and derived tables agree with the history
    assert upgraded.err.startswith(f"note: upgrading the ledger from schema 0009 to {HEAD} (once;")
    assert upgraded.err.count("\n") == 1 and ok("check").err == ""  # said once, before it starts
    assert rows(db, "select version_num from alembic_version") == [(HEAD,)]
    assert rows(db, "select * from entry order by id") == entries
    assert rows(db, triggers) == before
    again = ar("void", "payment", "P2", "--reason", "twice", "--date", "2026-10-04")
    assert again.code == 1 and "voided already" in again.err
    ok("delivery", "add", "Hosp", "10", "--date", "2026-10-10", "--ref", "D2")
    assert rows(db, "select balance from customer_balance") == [(61_000,)]
    ok("check")


def test_commands_opening_an_older_ledger_at_once_upgrade_it_once(ok, db):
    """Four processes start on a ledger at 0009 at the same moment: each sees the old schema and sets out to
    upgrade it; one does, the others wait for its lock, find the schema current and go on. All succeed."""
    import os
    import subprocess

    from conftest import AR, ledger_env

    ok("customer", "add", "Hosp", "--terms", "net 30")
    ok("delivery", "add", "Hosp", "1,000", "--date", "2026-09-01", "--ref", "D1")
    take_back(db, "0009")
    env = {**os.environ, **ledger_env(db), "AR_TODAY": "2026-11-23"}
    procs = [
        subprocess.Popen(
            [str(AR), "balance", "--format", "csv"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        for _ in range(4)
    ]
    results = [(*p.communicate(timeout=120), p.returncode) for p in procs]
    assert [code for _out, _err, code in results] == [0, 0, 0, 0], [err for _out, err, _code in results]
    assert all(b"1000.00" in out for out, _err, _code in results)
    assert rows(db, "select version_num from alembic_version") == [(HEAD,)]
    ok("check")


@pytest.mark.sqlite_only("holds the file's write lock with sqlite3")
def test_a_command_waits_for_an_upgrade_longer_than_for_a_writer(ok, ar, db, monkeypatch):
    """Another process upgrading a large ledger holds its write lock for longer than writers ever do (24 s for
    two million entries): a command that finds the old schema waits for it (up to UPGRADE_WAIT_MS) instead of
    failing after the writers' busy timeout, here shortened to 0.1 s while the lock is held for 1 s."""
    import threading

    ok("customer", "add", "Hosp")
    take_back(db, "0009")
    monkeypatch.setattr(engine_mod, "BUSY_TIMEOUT_MS", 100)
    holder = sqlite3.connect(db, isolation_level=None, check_same_thread=False)
    holder.execute("BEGIN IMMEDIATE")
    release = threading.Timer(1.0, lambda: holder.execute("COMMIT"))
    release.start()
    try:
        r = ar("balance", "--format", "csv")
    finally:
        release.join()
        holder.close()
    assert r.code == 0, r.err
    assert rows(db, "select version_num from alembic_version") == [(HEAD,)]


@pytest.mark.sqlite_only("writes to the file with sqlite3")
def test_schema_0010_guards_reversals_and_kinds_and_foreign_keys_after_the_rebuild(ok, db):
    ok("customer", "add", "Hosp")
    ok("payment", "add", "Hosp", "50", "--date", "2026-10-02", "--ref", "P2")
    ok("void", "payment", "P2", "--reason", "bounced", "--date", "2026-10-03")
    take_back(db, "0009")
    eng = open_engine(f"sqlite:///{db}", create=False)
    engine_mod.ensure_schema(eng)  # the upgrade builds the entry table again with foreign keys off ...
    with eng.connect() as conn:  # ... and the pool's connection has them on again
        assert conn.exec_driver_sql("pragma foreign_keys").scalar() == 1
    eng.dispose()
    con = sqlite3.connect(db, isolation_level=None)
    assert con.execute("select count(*) from sqlite_master where name = 'entry_reverses'").fetchone() == (1,)
    row = (
        "insert into entry (kind, ref, customer_id, date, delta, reverses_id, created_at, command)"
        " values (?, ?, ?, ?, ?, ?, ?, ?)"
    )
    with pytest.raises(sqlite3.IntegrityError, match=r"UNIQUE constraint failed: entry\.reverses_id"):
        con.execute(row, ("reversal", "X1", 1, "2026-10-05", 5000, 1, "2026-10-05 00:00:00", "t"))
    with pytest.raises(sqlite3.IntegrityError, match="CHECK constraint failed"):
        con.execute(row, ("gift", "X2", 1, "2026-10-05", 5000, None, "2026-10-05 00:00:00", "t"))
    con.execute("pragma foreign_keys = on")
    with pytest.raises(sqlite3.IntegrityError, match="FOREIGN KEY constraint failed"):
        con.execute(row, ("reversal", "X3", 1, "2026-10-05", 5000, 999, "2026-10-05 00:00:00", "t"))
    con.close()


@pytest.mark.sqlite_only("counts the steps of SQLite's virtual machine")
def test_a_few_payments_credit_and_a_sale_deliveries_are_read_by_id_however_many_entries(ok, db, tmp_path):
    """Recomputing the credit of a few payments (each `ar payment add`, each void, each import batch) and
    summing a sale's deliveries (each delivery against a sale) read those rows only: the work does not grow
    with the ledger. Before schema 0010 the second read every delivery ever recorded (1.4 s on a
    million-delivery ledger)."""
    from arcli.storage import Ledger

    ok("customer", "add", "Hosp", "--terms", "net 30")
    ok("sale", "add", "Hosp", "1000", "--ref", "S1", "--date", "2026-01-01")
    ok("delivery", "add", "Hosp", "400", "--sale", "S1", "--ref", "D1", "--date", "2026-01-02")
    ok("payment", "add", "Hosp", "500", "--ref", "P1", "--date", "2026-01-03")  # 100 of it is credit
    ok("payment", "add", "Hosp", "50", "--ref", "P2", "--date", "2026-01-04")

    def steps() -> int:
        ledger = Ledger.open(f"sqlite:///{db}", create=False)
        count = [0]
        try:
            with ledger.transaction(write=True) as tx:
                payments = [r[0] for r in tx.conn.exec_driver_sql("select id from entry where ref in ('P1', 'P2')")]
                sale = tx.conn.exec_driver_sql("select id from sale").scalar_one()
                raw = tx.conn.connection.driver_connection
                raw.set_progress_handler(lambda: count.__setitem__(0, count[0] + 1), 10)
                tx.refresh_credit(payments)
                assert tx.delivered_on_sale(sale) == 40_000
                raw.set_progress_handler(None, 0)
        finally:
            ledger.close()
        return count[0]

    few = steps()
    ok("customer", "add", "Other", "--terms", "net 30")
    deliveries = "".join(f"X{n},Other,2026-02-01,3\n" for n in range(3000))
    (tmp_path / "d.csv").write_text("ref,customer,date,amount\n" + deliveries)
    ok("import", "deliveries", str(tmp_path / "d.csv"))
    payments = "".join(f"Q{n},Other,2026-03-01,1,bank\nE{n},Other,2026-03-01,2,cash\n" for n in range(3000))
    (tmp_path / "p.csv").write_text("ref,customer,date,amount,method\n" + payments)
    ok("import", "payments", str(tmp_path / "p.csv"))
    many = steps()
    assert rows(db, "select count(*) from entry") == [(9_003,)]
    assert many <= few + 5, (few, many)  # 9,000 more entries, the same work


@pytest.mark.sqlite_only("edits the file with sqlite3")
def test_a_ledger_from_a_newer_arcli_is_refused(ok, ar, db):
    ok("customer", "add", "A")
    con = sqlite3.connect(db)
    con.execute("update alembic_version set version_num='9999'")
    con.commit()
    con.close()
    r = ar("balance")
    assert r.code == 1
    assert "written by a newer arcli (schema 9999" in r.err and r.err.count("\n") == 1


@pytest.mark.sqlite_only("opens the file's engine directly")
def test_foreign_keys_are_enforced(ok, db):
    ok("customer", "add", "A")
    eng = open_engine(f"sqlite:///{db}", create=False)
    with pytest.raises(Exception, match="FOREIGN KEY"), eng.begin() as conn:
        conn.exec_driver_sql(
            "insert into item (entry_id, customer_id, seq, ref, delivery_date, due_date, amount)"
            " values (999, 999, 1, 'x', '2026-01-01', '2026-01-01', 1)"
        )
    eng.dispose()


@pytest.mark.sqlite_only("SQLite's enforcement set aside for a transaction")
@pytest.mark.parametrize(
    ("table", "row", "parent", "gap"),
    [
        ("allocation", "(payment_id, item_id, amount, date, created_at)"
         " values ({p}, 999, 1, '2026-01-02', 'x')", "item", False),
        ("item", "(entry_id, customer_id, seq, ref, delivery_date, due_date, amount)"
         " values ({p}, 999, 2, 'D1/2', '2026-01-01', '2026-01-01', 1)", "customer", False),
        ("item", "(entry_id, customer_id, seq, ref, delivery_date, due_date, amount)"
         " values ({p}, 999, 2, 'D1/2', '2026-01-01', '2026-01-01', 1)", "customer", True),
        ("open_item", "(item_id, customer_id, due_date, delivery_date, open)"
         " values (999, 1, '2026-01-01', '2026-01-01', 1)", "item", False),
    ],
)  # fmt: skip
def test_references_left_to_the_end_are_checked_before_commit(ok, db, table, row, parent, gap):
    """A bulk import's transaction on SQLite checks its references once, before it commits, instead of row by
    row: a row added pointing at nothing is refused there (tables numbered by id: the rows added; the others
    whole), nothing is written, and the connection enforces foreign keys again for the next transaction. A
    table whose ids are 1…n is checked by range; with a gap (`gap`: customers 1 and 1000, the row pointing at
    999) each reference is looked up."""
    from arcli.domain.errors import ArError
    from arcli.storage import Ledger

    ok("customer", "add", "A", "--terms", "net 30")
    if gap:
        con = sqlite3.connect(db)
        con.execute("insert into customer (id, name, created_at) values (1000, 'Z', '2026-01-01 00:00:00.000000')")
        con.commit()
        con.close()
    ok("delivery", "add", "A", "100", "--ref", "D1", "--date", "2026-01-01")
    ok("payment", "add", "A", "10", "--ref", "P1", "--date", "2026-01-02")
    before = rows(db, f"select count(*) from {table}")
    ledger = Ledger.open(f"sqlite:///{db}", create=False)
    try:
        p = rows(db, "select id from entry where ref = 'P1'")[0][0]
        refused = f"^the ledger refused the change: a row of {table} points at a missing row of {parent}$"
        with pytest.raises(ArError, match=refused), ledger.transaction(write=True, references_at_end=True) as tx:
            tx.conn.exec_driver_sql(f"insert into {table} " + row.format(p=p))
        assert rows(db, f"select count(*) from {table}") == before
        with ledger.transaction(write=True, references_at_end=True) as tx:  # what points at rows that exist
            tx.conn.exec_driver_sql(
                "insert into allocation (payment_id, item_id, amount, date, created_at)"
                " values (?, 1, 1, '2026-01-02', 'x')",
                (p,),
            )
        assert rows(db, "select count(*) from allocation where amount = 1") == [(1,)]
        with pytest.raises(Conflict, match="FOREIGN KEY"), ledger.transaction(write=True) as tx:
            tx.conn.exec_driver_sql(f"insert into {table} " + row.format(p=p))
    finally:
        ledger.close()


def test_a_directory_is_not_a_ledger(ar, tmp_path):
    r = ar("--db", str(tmp_path), "balance")
    assert r.code == 1 and "is a directory" in r.err


def test_a_url_given_as_the_ledger_file_is_refused(ar, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for args, env in ((("--db", "postgresql+psycopg://rep@db/ar"), None), ((), "postgresql://rep@db/ar")):
        if env:
            monkeypatch.setenv("AR_DB", env)
        r = ar(*args, "customer", "add", "A")
        assert r.code == 2 and "--database-url" in r.err.strip() and r.err.count("\n") == 1
    assert list(tmp_path.iterdir()) == []  # no file named after the URL


def test_database_url_selects_the_ledger(ar, ok, tmp_path, monkeypatch):
    target = tmp_path / "via-url.db"
    monkeypatch.delenv("AR_DB", raising=False)
    monkeypatch.setenv("AR_DATABASE_URL", f"sqlite:///{target}")
    ok("customer", "add", "Via URL")
    assert rows(target, "select name from customer") == [("Via URL",)]


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("::::", "cannot be parsed"),
        ("postgresql+pg8000://rep:s3cret@db.invalid:5432/ar", "driver pg8000 is not installed"),
        ("nosuchdialect://x", "cannot open the ledger database"),
    ],
)
def test_bad_database_urls_are_one_line_without_the_password(ar, monkeypatch, url, says):
    monkeypatch.delenv("AR_DB", raising=False)
    monkeypatch.setenv("AR_DATABASE_URL", url)
    r = ar("balance")
    assert r.code == 1 and says in r.err and r.err.count("\n") == 1
    assert "s3cret" not in r.err


def test_a_file_that_is_not_a_ledger(ar, tmp_path):
    junk = tmp_path / "notes.txt"
    junk.write_text("not a database, just notes\n" * 50)
    r = ar("--db", str(junk), "balance")
    assert r.code == 1 and "file is not a database" in r.err
    r = ar("--db", str(tmp_path / "no" / "such" / "\0dir" / "x.db"), "customer", "add", "A")
    assert r.code in (1, 2) and r.err.count("\n") == 1


def test_a_templated_seal_is_the_rows_seal():
    """The bulk writers seal from a template (Sealing), `ar check` from the values as stored (seal_of_stored):
    both must give exactly what seal() gives for the row."""
    import datetime as dt
    import random

    from arcli.storage.seal import NUL, SEALED, Sealing, seal, seal_of_stored

    rnd = random.Random(7)
    now = dt.datetime(2026, 11, 24, 4, 51, 17, 158642)
    texts = [None, "", "x", "100%", "%s", "%(a)s", "中文", "a\x1fb", "D-1#2"]
    for table, columns in SEALED.items():
        for _ in range(200):
            row = {}
            for c in columns:
                row[c] = rnd.choice(
                    [
                        rnd.choice(texts),
                        rnd.randint(-(10**15), 10**15),
                        dt.date(2026, 1, 1) + dt.timedelta(rnd.randint(0, 900)),
                        now,
                    ]
                )
            fixed_names = rnd.sample(columns, rnd.randint(0, len(columns)))
            varying = [c for c in columns if c not in fixed_names]
            rnd.shuffle(varying)
            fixed = {c: row[c] for c in fixed_names}

            def text(v):
                return (
                    NUL
                    if v is None
                    else v.isoformat(sep=" ")
                    if isinstance(v, dt.datetime)
                    else v.isoformat()
                    if isinstance(v, dt.date)
                    else v
                )

            # an import's rows, sealed where they are written: the values somewhere in a tuple, None as it is
            tup = [rnd.randint(0, 9) for _ in range(len(varying) + 3)]
            at = rnd.sample(range(len(tup)), len(varying))
            for n, c in zip(at, varying, strict=True):
                tup[n] = None if row[c] is None else text(row[c])
            sealing = Sealing(table, tuple(fixed.items()), tuple(varying), tuple(at))
            assert sealing.apply([tuple(tup)]) == [(*tup, seal(table, row))]
            # `ar check` on SQLite seals the columns as stored: dates and timestamps in their canonical text
            stored = [row[c] if row[c] is None else text(row[c]) for c in columns]
            assert seal_of_stored(stored) == seal(table, row)
        # a batch sealed at once (a bulk import's way): rows with and without NULLs among the same columns
        varying = [c for c in columns if rnd.random() < 0.6] or [columns[0]]
        fixed = {c: now for c in columns if c not in varying and rnd.random() < 0.5}
        at = rnd.sample(range(len(varying) + 2), len(varying))
        batch, whole = [], []
        for _ in range(50):
            row = {c: rnd.choice([None, rnd.randint(-9, 10**12), rnd.choice(texts[1:])]) for c in varying}
            tup = [rnd.randint(0, 9) for _ in range(len(varying) + 2)]
            for n, c in zip(at, varying, strict=True):
                tup[n] = row[c]
            batch.append(tuple(tup))
            whole.append(seal(table, {**fixed, **row}))
        sealed_batch = Sealing(table, tuple(fixed.items()), tuple(varying), tuple(at)).apply(batch)
        assert sealed_batch == [(*tup, s) for tup, s in zip(batch, whole, strict=True)]
