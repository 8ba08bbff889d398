"""`ar import`: encodings, idempotency, conflicts, atomicity, the error report, and the public IBM sample."""

import csv
import io
import re
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from arcli.cli import main
from conftest import ar_process, dump, ledger_env, on_a_terminal, rows

CUSTOMERS = [
    ["name", "code", "terms", "credit_limit", "rep"],
    ["鸿达医药代理", "HD", "cod", "20万", "王磊"],
    ["市第一人民医院", "CH", "eom 30", "", "王磊"],
]
DELIVERIES = [
    ["ref", "customer", "date", "amount", "due", "terms"],
    ["HD-1", "鸿达医药代理", "2026-10-16", "152,300.00", "", ""],
    ["CH-1", "CH", "2026-09-24", "52,000", "", ""],
    ["CH-2", "CH", "2026-10-24", "38,000.50", "2026-12-15", ""],
]
PAYMENTS = [
    ["ref", "customer", "date", "amount", "method", "applies_to"],
    ["P-1", "CH", "2026-11-01", "12,000", "bank", "CH-1"],
    ["P-2", "HD", "2026-11-20", "50,000", "cash", ""],
]


def write(path: Path, table: list[list[str]], form: str) -> Path:
    if form == "xlsx":
        wb = openpyxl.Workbook()
        for r in table:
            wb.active.append(r)
        wb.save(path)
        return path
    delimiter = "\t" if form == "utf-16" else ","
    buf = io.StringIO()
    csv.writer(buf, delimiter=delimiter, lineterminator="\r\n").writerows(table)
    encoding = {"utf-8": "utf-8", "utf-8-bom": "utf-8-sig", "gb18030": "gb18030", "utf-16": "utf-16"}[form]
    path.write_bytes(buf.getvalue().encode(encoding))
    return path


def ledger_state(db: Path) -> list:
    """What a ledger holds, independent of ids and timestamps."""
    return [
        rows(db, "select name, code, terms, credit_limit, rep from customer order by name"),
        rows(
            db,
            "select e.kind, e.ref, c.name, e.date, e.delta, e.terms, e.due, e.method from entry e"
            " join customer c on c.id = e.customer_id order by e.kind, e.ref",
        ),
        rows(db, "select i.ref, i.due_date, i.amount from item i order by i.ref"),
        rows(
            db,
            "select i.ref, p.ref, a.amount, a.date from allocation a join item i on i.id = a.item_id"
            " join entry p on p.id = a.payment_id order by i.ref, p.ref, a.date, a.amount",
        ),
    ]


@pytest.mark.parametrize("form", ["utf-8", "utf-8-bom", "gb18030", "utf-16", "xlsx"])
def test_every_encoding_gives_the_same_ledger(tmp_path, capsys, monkeypatch, form):
    ext = "xlsx" if form == "xlsx" else ("txt" if form == "utf-16" else "csv")
    states = []
    for variant in ("utf-8", form):
        db = tmp_path / f"{variant}.db"
        for kind, table in (("customers", CUSTOMERS), ("deliveries", DELIVERIES), ("payments", PAYMENTS)):
            vext = "xlsx" if variant == "xlsx" else ("txt" if variant == "utf-16" else "csv")
            f = write(tmp_path / f"{kind}-{variant}.{vext if variant != form else ext}", table, variant)
            assert main(["--db", str(db), "import", kind, str(f)]) == 0, capsys.readouterr().err
        states.append(ledger_state(db))
    assert states[0] == states[1]
    assert states[0][0][0] == ("市第一人民医院", "CH", "eom 30", None, "王磊")
    assert ("HD-1", "2026-10-16", 15_230_000) in states[0][2]  # cod: due on delivery
    out = capsys.readouterr().out
    expected = {"utf-8": "utf-8", "utf-8-bom": "utf-8-sig", "gb18030": "gb18030", "utf-16": "utf-16", "xlsx": "xlsx"}
    assert f"({expected[form]})" in out


ZH_HEADERS = {
    "customers": ["客户名称", "客户编码", "账期", "信用额度", "业务员"],
    "deliveries": ["单号", "客户", "发货日期", "金额", "到期日", "账期"],
    "payments": ["收款单号", "客户", "收款日期", "收款金额", "收款方式", "核销单号"],
}


@pytest.mark.parametrize("form", ["gb18030", "xlsx"])
def test_chinese_column_names_give_the_same_ledger(tmp_path, capsys, form):
    """A Chinese spreadsheet's own headers (客户名称, 单号, 发货日期, 金额 …) are read as the fields, with no --map:
    the same ledger as the canonical files."""
    states = []
    for variant in ("canonical", "chinese"):
        db = tmp_path / f"{variant}.db"
        for kind, table in (("customers", CUSTOMERS), ("deliveries", DELIVERIES), ("payments", PAYMENTS)):
            if variant == "chinese":
                table = [ZH_HEADERS[kind], *table[1:]]
            f = write(tmp_path / f"{kind}-{variant}.{'xlsx' if form == 'xlsx' else 'csv'}", table, form)
            assert main(["--db", str(db), "import", kind, str(f)]) == 0, capsys.readouterr().err
        states.append(ledger_state(db))
    assert states[0] == states[1] and len(states[0][1]) == 5


def test_a_column_named_as_a_field_comes_before_a_chinese_name(ok, db, tmp_path):
    ok("customer", "add", "A", "--terms", "cod")
    ok("customer", "add", "B", "--terms", "cod")
    table = [["客户", "customer", "ref", "日期", "金额", "备注"], ["B", "A", "D1", "2026-11-01", "100", "x"]]
    r = ok("import", "deliveries", str(write(tmp_path / "d.csv", table, "utf-8")))
    assert "客户" in r.out  # listed among the columns ignored
    assert rows(db, "select c.name, e.note from entry e join customer c on c.id = e.customer_id") == [("A", "x")]
    r = ok("import", "deliveries", str(write(tmp_path / "d1.csv", [table[0], ["B", "A", "D2", "2026-11-01", "1", ""]],
                                              "utf-8")))  # fmt: skip
    assert "read 1 row: added 1" in r.out  # one row, in words that agree


def test_reimport_and_overlap_add_only_new_rows(ok, db, tmp_path):
    ok("import", "customers", str(write(tmp_path / "c.csv", CUSTOMERS, "utf-8")))
    d = write(tmp_path / "d.csv", DELIVERIES[:3], "utf-8")
    assert "added 2, unchanged 0" in ok("import", "deliveries", str(d)).out
    before = dump(db)
    assert "added 0, unchanged 2" in ok("import", "deliveries", str(d)).out
    assert dump(db) == before
    overlap = write(tmp_path / "d2.csv", DELIVERIES, "utf-8")  # the same two rows plus one new
    assert "read 3 rows: added 1, unchanged 2" in ok("import", "deliveries", str(overlap)).out
    assert rows(db, "select count(*) from entry where kind = 'delivery'") == [(3,)]


@pytest.mark.sqlite_only("the bulk path sets SQLite's balance trigger aside (PostgreSQL keeps it)")
def test_a_bulk_import_keeps_the_balances_and_puts_the_trigger_back(ok, db, tmp_path):
    """An import keeps each customer's balance with grouped statements while the per-row trigger is set aside;
    the trigger is back, word for word, when it commits, and keeps the balance of what is written next."""
    trigger = "select sql from sqlite_master where type = 'trigger' and name = 'entry_balance'"
    ok("init")
    before = rows(db, trigger)  # as migration 0006 wrote it
    ok("import", "customers", str(write(tmp_path / "c.csv", CUSTOMERS, "utf-8")))
    ok("import", "deliveries", str(write(tmp_path / "d.csv", DELIVERIES, "utf-8")))
    ok("import", "payments", str(write(tmp_path / "p.csv", PAYMENTS, "utf-8")))
    assert rows(db, trigger) == before and len(before) == 1
    balances = "select c.code, b.balance from customer_balance b join customer c on c.id = b.customer_id order by 1"
    assert rows(db, balances) == [("CH", 7_800_050), ("HD", 10_230_000)]  # 52,000 + 38,000.50 − 12,000; …
    ok("payment", "add", "HD", "230")
    assert rows(db, balances)[1] == ("HD", 10_207_000)
    ok("check")


@pytest.mark.sqlite_only("large imports set SQLite indexes aside (PostgreSQL keeps them)")
def test_a_large_import_sets_indexes_aside_and_builds_them_again(ok, ar, db, tmp_path, monkeypatch):
    """A large import drops the indexes its direct way does not read and builds them again before it commits
    (at once when a row takes the general way); the ledger is the one an import keeping them writes, every
    index is back word for word, and an import that fails leaves them as they were."""
    from arcli.storage import Tx

    indexes = "select name, sql from sqlite_master where type = 'index' order by name"
    payments = [PAYMENTS[0], PAYMENTS[2], PAYMENTS[1]]  # the second names an item: the general way
    files = [
        write(tmp_path / f"{k}.csv", t, "utf-8") for k, t in (("c", CUSTOMERS), ("d", DELIVERIES), ("p", payments))
    ]
    states = []
    for threshold in (10**9, 1):
        monkeypatch.setattr(Tx, "SET_ASIDE_ROWS", threshold)
        one = tmp_path / f"{threshold}.db"
        ok("--db", str(one), "init")
        before = rows(one, indexes)
        for kind, path in zip(("customers", "deliveries", "payments"), files, strict=True):
            ok("--db", str(one), "import", kind, str(path))
            assert rows(one, indexes) == before, kind
        ok("--db", str(one), "check")
        states.append(ledger_state(one))
    assert states[0] == states[1]
    bad = write(tmp_path / "bad.csv", [*DELIVERIES, ["X-1", "CH", "2026-10-40", "5", "", ""]], "utf-8")
    r = ar("--db", str(one), "import", "deliveries", str(bad))
    assert r.code != 0 and rows(one, indexes) == before and ledger_state(one) == states[1]


@pytest.mark.sqlite_only("large imports rebuild SQLite's open items (PostgreSQL deletes them)")
def test_a_large_import_of_payments_settles_the_items_it_paid_off_in_one_go(ok, db, tmp_path, monkeypatch):
    """Payments that pay off most open items leave the open items table written anew (those left, with what
    they still owe) instead of deleting row by row: the same open and settled items, table and indexes word
    for word, as an import that deletes them; a row on the general way in between sees them up to date."""
    from arcli.storage import Tx

    schema = "select type, name, sql from sqlite_master order by type, name"
    derived = [
        "select i.ref, o.due_date, o.delivery_date, o.open from open_item o join item i on i.id = o.item_id"
        " order by i.ref",
        "select i.ref, s.due_date, s.settled_on, s.amount, s.days_late from settled_item s"
        " join item i on i.id = s.item_id order by i.ref",
    ]
    deliveries = [
        DELIVERIES[0],
        *(["D-" + str(n), "HD", f"2026-10-{n:02}", "1,000", "", "net 10"] for n in range(1, 9)),
        ["E-1", "CH", "2026-09-01", "500", "", "net 5"],
        ["E-2", "CH", "2026-09-02", "700", "", "net 5"],
    ]
    payments = [
        PAYMENTS[0],
        ["P-1", "HD", "2026-10-20", "3,000", "bank", ""],  # D-1..D-3 in full
        ["P-2", "CH", "2026-09-30", "900", "bank", ""],  # E-1 in full, 400 of E-2
        ["P-3", "HD", "2026-10-25", "200", "bank", "D-8"],  # the general way: reads D-8 open in full
        ["P-4", "HD", "2026-11-05", "4,500", "cash", ""],  # D-4..D-7 in full, 500 of D-8
    ]
    files = [write(tmp_path / f"{k}.csv", t, "utf-8") for k, t in (("d", deliveries), ("p", payments))]
    states = []
    for threshold in (10**9, 1):
        monkeypatch.setattr(Tx, "SET_ASIDE_ROWS", threshold)
        one = tmp_path / f"{threshold}.db"
        ok("--db", str(one), "import", "customers", str(write(tmp_path / "c.csv", CUSTOMERS, "utf-8")))
        before = rows(one, schema)
        for kind, path in zip(("deliveries", "payments"), files, strict=True):
            ok("--db", str(one), "import", kind, str(path))
        assert rows(one, schema) == before
        ok("--db", str(one), "check")
        states.append([ledger_state(one), *(rows(one, q) for q in derived)])
    assert states[0] == states[1]
    open_items, settled = states[1][1:]
    assert [(ref, left) for ref, _, _, left in open_items] == [("D-8", 30_000), ("E-2", 30_000)]
    assert [ref for ref, *_ in settled] == ["D-1", "D-2", "D-3", "D-4", "D-5", "D-6", "D-7", "E-1"]


@pytest.mark.sqlite_only("a ledger file started by an import (a server's database is made by its owner)")
def test_a_first_import_that_fails_leaves_no_ledger_behind(ar, ok, tmp_path):
    """An import that can start a ledger works on a new file beside it, which becomes the ledger only when the
    import succeeds: a failed one leaves no empty ledger and no stray file; a ledger started meanwhile by
    another command is kept, and the import fails instead of replacing it."""
    import datetime as dt

    from arcli.domain.errors import ArError
    from arcli.storage import Ledger, NewLedger

    books = tmp_path / "books"
    db = books / "ledger.db"
    bad = write(tmp_path / "bad.csv", [CUSTOMERS[0], CUSTOMERS[1], ["Broken", "", "net thirty", "", ""]], "utf-8")
    r = ar("--db", str(db), "import", "customers", str(bad))
    assert r.code == 1 and "errors 1" in r.err and not db.exists() and list(books.iterdir()) == []
    deliveries = write(tmp_path / "d.csv", [DELIVERIES[0], DELIVERIES[1], ["X", "CH", "2026-10-40", "1", "", ""]],
                       "utf-8")  # fmt: skip
    r = ar("--db", str(db), "import", "deliveries", str(deliveries), "--create-customers")
    assert r.code == 1 and not db.exists() and list(books.iterdir()) == []
    ok("--db", str(db), "import", "customers", str(write(tmp_path / "c.csv", CUSTOMERS, "utf-8")))
    assert [p.name for p in books.iterdir()] == ["ledger.db"]
    assert rows(db, "select name from customer order by name") == [("市第一人民医院",), ("鸿达医药代理",)]

    race = tmp_path / "race.db"
    with pytest.raises(ArError, match=r"started at .* while this command ran"), NewLedger(f"sqlite:///{race}") as new:
        mine = Ledger.open(new.url, create=True)
        with mine.transaction(write=True) as tx:
            tx.insert_customer(name="Mine", created_at=dt.datetime(2026, 11, 24, tzinfo=dt.UTC))
        mine.close()
        ok("--db", str(race), "customer", "add", "Theirs")  # another command starts the ledger meanwhile
        new.keep()
    assert rows(race, "select name from customer") == [("Theirs",)]
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith((".race", "race"))) == ["race.db"]


#: what the ledger derives from its history, by item and payment ref (compared between two ways of importing)
DERIVED = [
    "select i.ref, o.due_date, o.delivery_date, o.open from open_item o join item i on i.id = o.item_id order by 1",
    "select i.ref, s.due_date, s.settled_on, s.amount, s.days_late from settled_item s"
    " join item i on i.id = s.item_id order by 1",
    "select e.ref, c.date, c.credit from open_credit c join entry e on e.id = c.payment_id order by 1",
    "select e.ref, s.settled_on from settled_credit s join entry e on e.id = s.payment_id order by 1",
    "select c.name, b.balance from customer_balance b join customer c on c.id = b.customer_id order by 1",
    "select c.name, p.amount, p.by_date, pp.paid from promise_paid pp join promise p on p.id = pp.promise_id"
    " join customer c on c.id = p.customer_id order by 1, 3",
]

#: deliveries and payments with rows for the full path: CH has on-account credit when its deliveries come (a
#: prepayment), a payment names an item (its customer's later payments follow it), one is for nobody
TWO_WAYS = {
    "deliveries": [
        DELIVERIES[0],
        *(["D-" + str(n), "HD", f"2026-10-{n:02}", "1,000", "", "net 10"] for n in range(1, 9)),
        ["E-1", "CH", "2026-09-01", "500", "", "net 5"],
        ["E-2", "CH", "2026-09-02", "700", "", "net 5"],
        ["D-9", "HD", "2026-10-20", "2,000", "2026-11-30", ""],
    ],
    "payments": [
        PAYMENTS[0],
        ["P-1", "HD", "2026-10-20", "3,000", "bank", ""],
        ["P-2", "CH", "2026-09-30", "900", "bank", ""],
        ["P-3", "HD", "2026-10-25", "200", "bank", "D-8"],
        ["P-4", "HD", "2026-11-05", "4,500", "cash", ""],
        ["P-5", "CH", "2026-10-30", "50", "bank", ""],
    ],
}


def _import_both_ways(ar, tmp_path, monkeypatch, tables: dict, *extra: str, at_end: bool = False) -> list:
    """Import ``tables`` (kind → rows) into a ledger one process does and another a writer process does (every
    file, however small); the outputs, ledger states and what each ledger derives. ``at_end``: both in one
    process instead, one checking references row by row, the other once before it commits (as a file of
    importer.REFERENCES_AT_END_ROWS rows does)."""
    from arcli.services import import_writer, importer

    if not import_writer.available("sqlite:///x"):
        pytest.skip("the writer process needs fork and two cores")
    ran = []
    real_run = import_writer.Pipeline.run
    monkeypatch.setattr(import_writer.Pipeline, "run", lambda self, *a, **k: ran.append(1) or real_run(self, *a, **k))
    outcomes = []
    tmp_path.mkdir(exist_ok=True)
    ways = (("rowcheck", 10**12, 10**12), ("endcheck", 10**12, 0)) if at_end else (("one", 10**12, 0), ("two", 0, 0))
    for way, size, rows_at_end in ways:
        monkeypatch.setattr(importer, "PIPELINE_BYTES", size)
        monkeypatch.setattr(importer, "REFERENCES_AT_END_ROWS", rows_at_end)
        db = tmp_path / f"{way}.db"
        assert ar("--db", str(db), "import", "customers", str(write(tmp_path / "c.csv", CUSTOMERS, "utf-8"))).code == 0
        assert ar("--db", str(db), "payment", "add", "CH", "100", "--date", "2026-08-30", "--ref", "PRE").code == 0
        assert (
            ar("--db", str(db), "--as-of", "2026-11-01", "promise", "add", "HD", "4,000", "--by", "2026-11-10").code
            == 0
        )
        said = []
        for kind, table in tables.items():
            r = ar("--db", str(db), "import", kind, str(write(tmp_path / f"{way}-{kind}.csv", table, "utf-8")), *extra)
            said.append([r.code, *(re.sub(r"\([\d.]+ s\)", "", t.replace(way, "WAY")) for t in (r.out, r.err))])
        if said[-1][0] == 0 and not extra:
            assert ar("--db", str(db), "check").code == 0
        outcomes.append([said, ledger_state(db), *(rows(db, q) for q in DERIVED)])
    assert bool(ran) != at_end, "the writer process was not used" if not at_end else "the writer process was used"
    return outcomes


@pytest.mark.sqlite_only("the writer process is for SQLite (a server takes its writes as they come)")
def test_a_writer_process_imports_as_one_process_does(ar, tmp_path, monkeypatch):
    """Deliveries and payments imported by two processes (one reading, checking and allocating on a snapshot,
    one writing) give the same ledger, output and derived tables as one process, rows on the full path
    included; so does a file with a bad row (nothing written) and a dry run."""
    one, two = _import_both_ways(ar, tmp_path, monkeypatch, TWO_WAYS)
    assert one == two
    assert [s[0] for s in one[0]] == [0, 0] and "added 11" in one[0][0][1] and "added 5" in one[0][1][1]
    # E-2: 700 less the 100 prepaid and 900 of P-2 after E-1's 500, less P-5's 50; D-8: 1,000 less P-3 and P-4
    assert [(ref, left) for ref, _, _, left in one[2]] == [("D-8", 30_000), ("D-9", 200_000), ("E-2", 15_000)]
    # items paid off are settled as each run of payments is posted (by the writer, while the file is read on),
    # not once at the end: the same ledgers
    from arcli.services import importer

    settle_rows = importer.SETTLE_ROWS
    monkeypatch.setattr(importer, "SETTLE_ROWS", 1)
    each = _import_both_ways(ar, tmp_path / "each", monkeypatch, TWO_WAYS)
    monkeypatch.setattr(importer, "SETTLE_ROWS", settle_rows)
    assert [way[1:] for way in each] == [one[1:], one[1:]]
    bad = dict(TWO_WAYS, payments=[*TWO_WAYS["payments"], ["P-6", "HD", "2026-11-40", "1", "bank", ""]])
    one, two = _import_both_ways(ar, tmp_path / "bad", monkeypatch, bad)
    assert one == two and one[0][1][0] == 1 and "no such date" in one[0][1][1]
    one, two = _import_both_ways(ar, tmp_path / "dry", monkeypatch, TWO_WAYS, "--dry-run")
    assert one == two and "nothing written (dry run)" in one[0][0][1] and one[2] == one[3] == []  # no item


@pytest.mark.sqlite_only("SQLite's enforcement is what is left to the end")
def test_an_import_checking_references_at_the_end_imports_as_row_by_row(ar, tmp_path, monkeypatch):
    """A large file of deliveries or payments in one process has its references checked once, before it commits
    (importer.REFERENCES_AT_END_ROWS; set to 0 here): the same ledger, output and derived tables as with each
    row checked as it goes in, rows on the full path included; so for a file with a bad row (nothing written)."""
    row, end = _import_both_ways(ar, tmp_path, monkeypatch, TWO_WAYS, at_end=True)
    assert row == end
    bad = {kind: [*rows, [rows[-1][0] + "X", *rows[-1][1:3], "x", *rows[-1][4:]]] for kind, rows in TWO_WAYS.items()}
    row, end = _import_both_ways(ar, tmp_path / "bad", monkeypatch, bad, at_end=True)
    assert row == end and [s[0] for s in row[0]] == [1, 1]


@pytest.mark.sqlite_only("the writer process is for SQLite (a server takes its writes as they come)")
def test_what_the_writer_process_refuses_is_reported_as_one_process_would(ar, tmp_path, monkeypatch):
    """A row on the full path that fails (an item no delivery has) is reported from the writer, and nothing is
    written; a ref the file gives again in a later batch (not in the snapshot the reading process sees) makes
    the file go the one-process way: the same fields count as unchanged, others as a conflict."""
    from arcli.services import importer

    nope = dict(TWO_WAYS, payments=[*TWO_WAYS["payments"], ["P-6", "CH", "2026-11-01", "10", "bank", "NOPE"]])
    one, two = _import_both_ways(ar, tmp_path, monkeypatch, nope)
    assert one == two and one[0][1][0] == 1 and "NOPE" in one[0][1][1]
    monkeypatch.setattr(importer, "BATCH", 3)
    again = dict(TWO_WAYS, deliveries=[*TWO_WAYS["deliveries"], TWO_WAYS["deliveries"][2]])
    one, two = _import_both_ways(ar, tmp_path / "again", monkeypatch, again)
    assert one == two and "added 11, unchanged 1" in one[0][0][1]
    clash = dict(TWO_WAYS, deliveries=[*TWO_WAYS["deliveries"], ["D-2", "HD", "2026-10-03", "5", "", "net 10"]])
    one, two = _import_both_ways(ar, tmp_path / "clash", monkeypatch, clash)
    assert one == two and one[0][0][0] == 1 and "delivery D-2 exists already with a different" in one[0][0][1]


def test_an_import_runs_without_the_cycle_collector_and_puts_it_back(ok, ar, db, tmp_path, monkeypatch):
    """Python's cyclic garbage collector is off while an import posts its rows (it took a quarter of a large
    import's time and found next to nothing to free) and on again when the import ends, whether it wrote or
    failed; an import run with the collector off leaves it off."""
    import gc

    from arcli.services import importer

    on_while_posting = []
    post = importer._Poster.post
    monkeypatch.setattr(
        importer._Poster, "post", lambda self, rows: on_while_posting.append(gc.isenabled()) or post(self, rows)
    )
    assert gc.isenabled()
    ok("import", "customers", str(write(tmp_path / "c.csv", CUSTOMERS, "utf-8")))
    bad = write(tmp_path / "bad.csv", [*DELIVERIES, ["X-1", "CH", "2026-10-40", "5", "", ""]], "utf-8")
    assert ar("import", "deliveries", str(bad)).code == 1 and gc.isenabled()
    ok("import", "deliveries", str(write(tmp_path / "d.csv", DELIVERIES, "utf-8")))
    assert gc.isenabled() and len(on_while_posting) >= 2 and not any(on_while_posting)
    gc.disable()
    try:
        ok("import", "payments", str(write(tmp_path / "p.csv", PAYMENTS, "utf-8")))
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_an_import_shows_its_progress_on_a_terminal_only(ok, db, tmp_path):
    ok("import", "customers", str(write(tmp_path / "c.csv", CUSTOMERS, "utf-8")))
    code, out, shown = on_a_terminal("import", "deliveries", str(write(tmp_path / "d.csv", DELIVERIES, "utf-8")),
                                     env=ledger_env(db))  # fmt: skip
    assert code == 0 and "added 3" in out
    assert "posting" in shown and "3/3" in shown  # rows posted of the rows in the file
    assert "committing" in shown  # then the indexes a large import set aside, and the commit
    again = ar_process("import", "deliveries", str(tmp_path / "d.csv"), env=ledger_env(db))
    assert again.returncode == 0 and "unchanged 3" in again.stdout and again.stderr == ""


def test_a_conflicting_ref_is_reported_and_nothing_is_written(ok, ar, db, tmp_path):
    ok("import", "customers", str(write(tmp_path / "c.csv", CUSTOMERS, "utf-8")))
    ok("import", "deliveries", str(write(tmp_path / "d.csv", DELIVERIES[:2], "utf-8")))
    changed = [DELIVERIES[0], ["HD-1", "鸿达医药代理", "2026-10-17", "152,300.00", "", ""], DELIVERIES[2]]
    before = dump(db)
    errors = tmp_path / "errors.csv"
    r = ar("import", "deliveries", str(write(tmp_path / "d2.csv", changed, "utf-8")), "--errors", str(errors))
    assert r.code == 1 and r.err.startswith("error: nothing imported from") and "conflicts 1" in r.err
    assert "conflict: delivery HD-1 exists already with a different date" in r.out
    assert dump(db) == before  # CH-1, valid and new, was not written either
    got = list(csv.DictReader(io.StringIO(errors.read_text(encoding="utf-8-sig"))))
    assert [(g["line"], g["ref"], g["date"]) for g in got] == [("2", "HD-1", "2026-10-17")]


def test_bad_rows_are_listed_with_line_column_and_reason(ok, ar, db, tmp_path):
    ok("import", "customers", str(write(tmp_path / "c.csv", CUSTOMERS, "utf-8")))
    bad = [
        DELIVERIES[0],
        ["X-1", "HD", "2026-02-30", "100", "", ""],
        ["X-2", "HD", "2026-10-01", "1e5", "", ""],
        ["X-3", "Nobody", "2026-10-01", "100", "", ""],
        ["X-4", "HD", "2026-10-01", "100", "", "soon"],
    ]
    errors = tmp_path / "e.csv"
    r = ar("import", "deliveries", str(write(tmp_path / "bad.csv", bad, "utf-8")), "--errors", str(errors))
    assert r.code == 1 and r.err.count("\n") == 1
    got = {g["line"]: g["error"] for g in csv.DictReader(io.StringIO(errors.read_text(encoding="utf-8-sig")))}
    assert got["2"].startswith("date: no such date") and got["3"].startswith("amount: not an amount")
    assert got["5"].startswith("terms: unknown terms")
    # a valid row naming no customer is found in the same run, after a bad row as before one
    assert got["4"].startswith("customer: no customer 'Nobody'") and "--create-customers" in got["4"]
    assert list(got) == ["2", "3", "4", "5"] and "errors 4" in r.err
    assert rows(db, "select count(*) from entry") == [(0,)]
    r = ar("import", "deliveries", str(write(tmp_path / "b2.csv", [DELIVERIES[0], bad[3], bad[1]], "utf-8")))
    assert r.code == 1 and "no customer 'Nobody'" in r.out and "no such date" in r.out
    assert r.out.index("no customer") < r.out.index("no such date")  # by line: the row before the bad one too
    # with --create-customers a name no customer has is no error
    r = ar("import", "deliveries", str(write(tmp_path / "b3.csv", [DELIVERIES[0], bad[3], bad[1]], "utf-8")),
           "--create-customers")  # fmt: skip
    assert r.code == 1 and "no customer" not in r.out and "errors 1" in r.err


def test_an_unknown_customer_suggests_the_names_it_may_mean(ok, ar, db, tmp_path):
    """For the first ten names the file gives that are no customer's; the rest say only what to do."""
    ok("customer", "add", "Acme Trading", "--terms", "net 30")
    table = [DELIVERIES[0], *([f"D-{n}", f"Acme Trading {n}", "2026-10-01", "100", "", ""] for n in range(1, 13))]
    table.insert(1, ["D-0", "acme", "2026-10-01", "100", "", ""])
    errors = tmp_path / "e.csv"
    before = dump(db)
    r = ar("import", "deliveries", str(write(tmp_path / "d.csv", table, "utf-8")), "--errors", str(errors))
    assert r.code == 1 and dump(db) == before
    got = [g["error"] for g in csv.DictReader(io.StringIO(errors.read_text(encoding="utf-8-sig")))]
    assert got[0] == (
        "customer: no customer 'acme' (did you mean 'Acme Trading'? add it first, or use --create-customers)"
    )
    assert sum("did you mean 'Acme Trading'?" in e for e in got) == 10 and len(got) == 13
    assert got[-1] == "customer: no customer 'Acme Trading 12' (add it first, or use --create-customers)"


def test_a_corrupt_byte_fails_with_its_position(ar, db, tmp_path):
    good = "name,code\n鸿达医药代理,HD\n市第一人民医院,CH\n".encode()
    broken = good[:30] + b"\xff" + good[31:]
    f = tmp_path / "broken.csv"
    f.write_bytes(broken)
    r = ar("import", "customers", str(f))
    assert r.code == 2 and "line 2, byte 31" in r.err and "damaged UTF-8" in r.err
    assert (isinstance(db, Path) and not db.exists()) or rows(db, "select count(*) from customer") == [(0,)]


def test_dry_run_writes_nothing_and_map_renames(ok, db, tmp_path):
    ok("customer", "add", "A", "--terms", "net 30")
    table = [["单号", "客户", "日期", "金额"], ["N1", "A", "2026-11-01", "1,000"]]
    f = write(tmp_path / "erp.csv", table, "gb18030")
    before = dump(db)
    r = ok(
        "import",
        "deliveries",
        str(f),
        "--map",
        "单号=ref",
        "--map",
        "客户=customer",
        "--map",
        "日期=date",
        "--map",
        "金额=amount",
        "--dry-run",
    )
    assert "Checked deliveries" in r.out and "added 1" in r.out and "nothing written" in r.out
    assert dump(db) == before
    ok(
        "import",
        "deliveries",
        str(f),
        "--map",
        "单号=ref",
        "--map",
        "客户=customer",
        "--map",
        "日期=date",
        "--map",
        "金额=amount",
    )
    assert rows(db, "select ref, delta from entry") == [("N1", 100_000)]


def test_xlsx_numbers_and_serial_dates_are_exact(ok, db, tmp_path):
    ok("customer", "add", "A", "--terms", "net 30")
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["ref", "customer", "date", "amount"])
    ws.append(["X1", "A", 46326, 0.1 + 0.2])  # a serial date (2026-10-31) and a float with an artefact
    ws.append(["X2", "A", "2026-11-01", 1234.5])
    wb.save(tmp_path / "d.xlsx")
    ok("import", "deliveries", str(tmp_path / "d.xlsx"))
    assert rows(db, "select ref, date, delta from entry order by ref") == [
        ("X1", "2026-10-31", 30),
        ("X2", "2026-11-01", 123_450),
    ]


IBM = (
    Path(__file__).resolve().parents[2]
    / "shared"
    / "data"
    / "ibm-accounts-receivable"
    / "WA_Fn-UseC_-Accounts-Receivable.csv"
)


@pytest.mark.slow
@pytest.mark.skipif(not IBM.exists(), reason=f"the public sample is not at {IBM} (../shared is absent)")
def test_the_ibm_sample_imports_as_documented(ok, db):
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    block = readme.split("F=../shared/data/ibm-accounts-receivable/WA_Fn-UseC_-Accounts-Receivable.csv\n")[1]
    commands = block.split("```")[0].replace("\\\n", " ").strip().split("\n")
    assert len(commands) == 2
    for command in commands:
        args = command.split()[1:]  # drop "ar"
        ok(*[str(IBM) if a == "$F" else a for a in args])
    assert rows(db, "select count(*) from customer") == [(100,)]
    ((count, total),) = rows(db, "select count(*), sum(delta) from entry where kind = 'delivery'")
    assert count == 2466 and Decimal(total) / 100 == Decimal("147703.18")
    aging = ok("report", "aging", "--as-of", "2014-01-31", "--format", "json").json()
    assert aging["totals"]["total"] == "0.00" and aging["reconciled"]
    mid = ok("report", "aging", "--as-of", "2013-06-30", "--format", "json").json()
    assert mid["totals"]["total"] != "0.00" and mid["reconciled"]


@pytest.mark.parametrize("form", ["csv", "xlsx"])
def test_export_then_import_reproduces_the_ledger(ok, ar, db, tmp_path, monkeypatch, form):
    ok("customer", "add", "=Evil Co", "--code", "EV", "--terms", "net 30", "--credit-limit", "1万", "--rep", "王磊")
    ok("customer", "add", "Lotus", "--terms", "prepaid")
    ok("sale", "add", "EV", "5,000", "--ref", "S1", "--date", "2026-08-01")
    ok("delivery", "add", "EV", "3,000", "--date", "2026-08-02", "--sale", "S1", "--ref", "D1")
    ok("delivery", "add", "EV", "1,000", "--date", "2026-09-01", "--terms", "30% cod, 70% net 60", "--ref", "D2")
    ok("delivery", "add", "EV", "500", "--date", "2026-10-01", "--due", "2026-12-01", "--ref", "D3")
    ok("payment", "add", "EV", "1,200", "--date", "2026-10-05", "--ref", "P1")
    ok("payment", "add", "EV", "700", "--date", "2026-10-06", "--apply", "D2#2=200", "--apply", "D1", "--ref", "P2")
    ok("payment", "add", "EV", "999", "--date", "2026-10-07", "--ref", "P3")
    ok("void", "payment", "P3", "--reason", "bounced", "--date", "2026-10-08")
    ok("writeoff", "EV", "100", "--items", "D3", "--reason", "damaged goods", "--date", "2026-11-01")
    ok("payment", "add", "Lotus", "5,000", "--date", "2026-11-01", "--ref", "L-PRE")
    ok("delivery", "add", "Lotus", "3,200", "--date", "2026-11-05", "--ref", "L1")
    ok("--as-of", "2026-11-10", "promise", "add", "EV", "800", "--by", "2026-11-20", "--note", "after the holiday")
    views = [
        ("report", "aging", "--format", "json"),
        ("balance", "--format", "json"),
        ("ledger", "EV", "--format", "json"),
        ("promise", "list", "--format", "json"),
    ]
    before = [ok(*v).json() for v in views]
    from arcli.storage.ledger import Tx

    monkeypatch.setattr(Tx, "EXPORT_PAGE", 2)  # read in pages of 2 (a payment's allocations are read per page)
    out = tmp_path / "export"
    r = ok("export", "ledger", str(out), "--format", form)
    assert "Exported 2 customers, 1 sales, 4 deliveries, 3 payments, 1 writeoffs, 1 promises" in r.out
    assert ar("export", "ledger", str(out), "--format", form).code == 1  # no overwrite without --force
    copy = tmp_path / "copy.db"
    monkeypatch.setenv("AR_DB", str(copy))
    for kind in ("customers", "sales", "deliveries", "payments", "writeoffs", "promises"):
        ok("import", kind, str(out / f"{kind}.{form}"))
    after = [ok(*v).json() for v in views]
    assert after[0] == before[0] and after[1] == before[1]  # aging and balances, exactly
    strip = lambda led: [(e["date"], e["kind"], e["ref"], e["debit"], e["credit"]) for e in led["entries"]]  # noqa: E731
    assert strip(after[2]) == [e for e in strip(before[2]) if "P3" not in e[2]]  # the voided pair is left out
    assert (
        after[2]["open_items"] == before[2]["open_items"]
        and after[2]["closing_balance"] == before[2]["closing_balance"]
    )
    assert [(p["customer"], p["amount"], p["status"], p["paid"]) for p in after[3]] == [
        (p["customer"], p["amount"], p["status"], p["paid"]) for p in before[3]
    ]
    assert rows(copy, "select name from customer order by name") == [("=Evil Co",), ("Lotus",)]


@pytest.mark.parametrize("form", ["csv", "xlsx"])
def test_an_export_that_fails_part_way_replaces_no_file(ok, ar, db, tmp_path, monkeypatch, form):
    """The files of an export are replaced together: a failure while writing the payments (here, the disk
    filling up) leaves the earlier export whole, its customers and deliveries not mixed with newer ones."""
    import errno

    from arcli.storage.ledger import Tx

    ok("customer", "add", "A", "--terms", "net 30")
    ok("delivery", "add", "A", "100", "--ref", "D1", "--date", "2026-11-01")
    ok("payment", "add", "A", "40", "--ref", "P1", "--date", "2026-11-02")
    out = tmp_path / "export"
    ok("export", "ledger", str(out), "--format", form)
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    assert sorted(before) == sorted(f"{k}.{form}" for k in ("customers", "sales", "deliveries", "payments",
                                                             "writeoffs", "promises"))  # fmt: skip
    ok("customer", "add", "B", "--terms", "net 60")
    ok("delivery", "add", "B", "200", "--ref", "D2", "--date", "2026-11-03")
    ok("payment", "add", "B", "50", "--ref", "P2", "--date", "2026-11-04")
    full = OSError(errno.ENOSPC, "No space left on device")
    if form == "csv":  # the payments' file fails after its first row
        real = Tx.export_entries

        def failing(self, kind):
            for n, row in enumerate(real(self, kind)):
                if kind == "payment" and n == 1:
                    raise full
                yield row

        monkeypatch.setattr(Tx, "export_entries", failing)
    else:  # a workbook is written whole: the payments' fails
        from openpyxl import Workbook

        save = Workbook.save

        def failing(self, filename):
            if "payments" in str(filename):
                raise full
            return save(self, filename)

        monkeypatch.setattr(Workbook, "save", failing)
    r = ar("export", "ledger", str(out), "--format", form, "--force")
    assert r.code == 1 and r.err.count("\n") == 1 and "No space left on device" in r.err
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before  # every file as it was, nothing left over
    monkeypatch.setattr(*((Tx, "export_entries", real) if form == "csv" else (Workbook, "save", save)))
    ok("export", "ledger", str(out), "--format", form, "--force")
    assert sorted(p.name for p in out.iterdir()) == sorted(before)
    assert all((out / name).read_bytes() != data for name, data in before.items() if "customers" in name)


def test_a_sheet_too_long_for_excel_is_refused_in_one_line(ok, ar, db, tmp_path, monkeypatch):
    from arcli.cli import render

    ok("customer", "add", "A", "--terms", "net 30")
    for n in range(3):
        ok("delivery", "add", "A", "100", "--ref", f"D{n}", "--date", "2026-11-01")
    monkeypatch.setattr(render, "EXCEL_ROWS", 3)  # an Excel sheet holds 1,048,576 rows: here, 3
    r = ar("export", "ledger", str(tmp_path / "x"), "--format", "xlsx")
    assert r.code == 1 and r.err == (
        "error: deliveries: 4 rows are more than an Excel sheet holds (3); write CSV instead\n"
    )
    assert not (tmp_path / "x").exists()  # nothing written
    assert "Exported 1 customers, 0 sales, 3 deliveries" in ok("export", "ledger", str(tmp_path / "c")).out


def test_a_ref_twice_in_one_file(ok, ar, db, tmp_path):
    ok("customer", "add", "A", "--terms", "net 30")
    same = [["ref", "customer", "date", "amount"], ["R1", "A", "2026-11-01", "100"], ["R1", "A", "2026-11-01", "100"]]
    assert "added 1, unchanged 1" in ok("import", "deliveries", str(write(tmp_path / "s.csv", same, "utf-8"))).out
    other = [["ref", "customer", "date", "amount"], ["R2", "A", "2026-11-01", "100"], ["R2", "A", "2026-11-01", "101"]]
    before = dump(db)
    r = ar("import", "deliveries", str(write(tmp_path / "o.csv", other, "utf-8")))
    assert r.code == 1 and "R2 appears twice in the file with different fields" in r.out and dump(db) == before


def test_imported_deliveries_consume_credit_like_the_command(ok, db, tmp_path):
    ok("customer", "add", "Lotus", "--terms", "prepaid")
    ok("customer", "add", "Other", "--terms", "cod")
    ok("payment", "add", "Lotus", "5,000", "--date", "2026-11-01", "--ref", "PRE")
    table = [
        ["ref", "customer", "date", "amount"],
        ["L1", "Lotus", "2026-11-05", "3,200"],
        ["O1", "Other", "2026-11-05", "700"],
        ["L2", "Lotus", "2026-11-06", "2,500"],
    ]
    ok("import", "deliveries", str(write(tmp_path / "d.csv", table, "utf-8")))
    assert rows(
        db, "select i.ref, a.amount, a.date from allocation a join item i on i.id = a.item_id order by i.ref"
    ) == [
        ("L1", 320_000, "2026-11-05"),
        ("L2", 180_000, "2026-11-06"),
    ]
    rows_ = {r["customer"]: r for r in ok("balance", "--format", "json").json()["rows"]}
    assert (rows_["Lotus"]["open"], rows_["Lotus"]["credit"], rows_["Other"]["open"]) == ("700.00", "0.00", "700.00")


@pytest.mark.parametrize("batch", [2000, 7])
def test_imported_payments_post_exactly_as_one_by_one(ok, ar, db, tmp_path, monkeypatch, batch):
    """Payments import in bulk (allocated in memory per run of rows); the ledger must be the one that posting
    each row with `ar payment add`, in the file's order, gives: partial payments, overpayments (credit),
    named items, a ref twice, and several payments of one customer in one batch (or, in batches of 7 rows,
    an item paid in part in one batch and in full in a later one)."""
    import random

    from arcli.services import importer

    monkeypatch.setattr(importer, "BATCH", batch)

    rng = random.Random(20261123)
    deliveries = [["ref", "customer", "date", "amount", "terms"]]
    for n in range(40):
        day = f"2026-{rng.randrange(7, 11):02d}-{rng.randrange(1, 29):02d}"
        deliveries.append(
            [f"D{n}", rng.choice("ABC"), day, str(rng.randrange(100, 5000)), rng.choice(["net 30", "cod"])]
        )
    payments = [["ref", "customer", "date", "amount", "method", "applies_to"]]
    for n in range(60):
        ref = f"P{n}"
        applies = f"D{rng.randrange(40)}" if n % 11 == 3 else ""
        payments.append(
            [
                ref,
                rng.choice("ABC"),
                f"2026-11-{rng.randrange(1, 23):02d}",
                str(rng.randrange(50, 4000)),
                "bank",
                applies,
            ]
        )
    payments.append(list(payments[7]))  # the same ref and fields again: unchanged
    valid = [p for p in payments[1:] if not p[5] or any(d[0] == p[5] and d[1] == p[1] for d in deliveries[1:])]
    payments = [payments[0], *valid]
    one_by_one = tmp_path / "one-by-one.db"  # a SQLite file, whatever engine the imported ledger is on
    files = [write(tmp_path / f"{k}.csv", t, "utf-8") for k, t in (("d", deliveries), ("p", payments))]

    def build(*args):
        for name in "ABC":
            ok(*args, "customer", "add", name)
        ok(*args, "import", "deliveries", str(files[0]))
        # A's oldest items paid and reopened by a void dated later: A's payments must be dated around it
        ok(*args, "payment", "add", "A", "2000", "--date", "2026-10-01", "--ref", "PRE")
        ok(*args, "void", "payment", "PRE", "--reason", "bounced", "--date", "2026-11-22")

    build()
    out = ok("import", "payments", str(files[1])).out
    assert f"added {len(payments) - 2}, unchanged 1" in out
    ok("check")
    one = ["--db", str(one_by_one)]
    build(*one)
    seen = set()
    for ref, customer, day, amount, method, applies in payments[1:]:
        if ref in seen:
            continue
        seen.add(ref)
        ok(
            *one,
            "payment",
            "add",
            customer,
            amount,
            "--date",
            day,
            "--method",
            method,
            "--ref",
            ref,
            *(["--apply", applies] if applies else []),
        )
    assert ledger_state(db) == ledger_state(one_by_one)


def test_imported_payments_dated_before_the_deliveries_they_pay(ok, db, tmp_path):
    """A payment imported after the deliveries it pays, but dated before them, was credit until each delivery:
    as of the days between, the credit shows; `ar check` finds the kept-current tables equal to the history."""
    ok("customer", "add", "Lotus", "--terms", "net 30")
    deliveries = [["ref", "customer", "date", "amount"], ["L1", "Lotus", "2026-11-10", "300"]]
    deliveries.append(["L2", "Lotus", "2026-11-20", "400"])
    payments = [["ref", "customer", "date", "amount"], ["P1", "Lotus", "2026-11-01", "500"]]
    ok("import", "deliveries", str(write(tmp_path / "d.csv", deliveries, "utf-8")))
    ok("import", "payments", str(write(tmp_path / "p.csv", payments, "utf-8")))
    ok("check")
    credit = {}
    for day in ("2026-11-05", "2026-11-15", "2026-11-25"):
        report = ok("--as-of", day, "report", "aging", "--format", "json").json()
        assert report["reconciled"], day
        credit[day] = (report["totals"]["total"], report["totals"]["credit"])
    assert credit == {
        "2026-11-05": ("0.00", "500.00"),
        "2026-11-15": ("0.00", "200.00"),
        "2026-11-25": ("200.00", "0.00"),
    }


def test_customer_import_is_idempotent_and_names_each_conflict(ok, ar, db, tmp_path):
    ok("customer", "add", "Lotus Trading", "--code", "LT", "--terms", "net 30")
    table = [
        ["name", "code", "terms", "rep"],
        ["Lotus Trading", "LT", "net 30", ""],  # the same: unchanged
        ["New One", "N1", "cod", "王磊"],
        ["New Two", "", "", ""],
    ]
    f = write(tmp_path / "c.csv", table, "utf-8")
    assert "added 2, unchanged 1" in ok("import", "customers", str(f)).out
    assert "added 0, unchanged 3" in ok("import", "customers", str(f)).out
    bad = [
        ["name", "code", "terms"],
        ["Lotus Trading", "LT", "cod"],  # other terms
        ["Lotus Two", "LT", ""],  # another customer's code
        ["N1", "", ""],  # a name that is another customer's code
        ["Fresh", "F1", ""],
        ["Fresh Again", "F1", ""],  # a code this very file gave to another customer
    ]
    before = dump(db)
    r = ar("import", "customers", str(write(tmp_path / "bad.csv", bad, "utf-8")), "--errors", str(tmp_path / "e.csv"))
    assert r.code == 1 and dump(db) == before
    report = (tmp_path / "e.csv").read_text(encoding="utf-8")
    assert "Lotus Trading exists already with a different terms" in report
    assert report.count("exists already for another customer") == 3
    got = {c["name"]: (c["code"], c["terms"], c["rep"]) for c in ok("customer", "list", "-f", "json").json()}
    assert got == {
        "Lotus Trading": ("LT", "net 30", None),
        "New One": ("N1", "cod", "王磊"),
        "New Two": (None, None, None),
    }


def test_promise_import_is_idempotent_and_refuses_unknown_customers(ok, ar, db, tmp_path):
    ok("customer", "add", "Lotus", "--code", "LT")
    ok("--as-of", "2026-11-01", "promise", "add", "Lotus", "800", "--by", "2026-11-20")
    table = [
        ["customer", "amount", "by", "made", "note"],
        ["LT", "800", "2026-11-20", "", ""],  # recorded already (by the command)
        ["Lotus", "1,200", "2026-11-30", "2026-11-02", "after the holiday"],
        ["Lotus", "1200", "2026-11-30", "", ""],  # the same promise again in the file
    ]
    f = write(tmp_path / "p.csv", table, "utf-8")
    assert "added 1, unchanged 2" in ok("import", "promises", str(f)).out
    assert "added 0, unchanged 3" in ok("import", "promises", str(f)).out
    got = [(p["amount"], p["by"]) for p in ok("promise", "list", "--format", "json").json()]
    assert sorted(got) == [("1200.00", "2026-11-30"), ("800.00", "2026-11-20")]
    before = dump(db)
    bad = write(tmp_path / "bad.csv", [["customer", "amount", "by"], ["Nobody", "5", "2026-12-01"]], "utf-8")
    r = ar("import", "promises", str(bad))
    assert r.code == 1 and "no customer 'Nobody'" in r.out and dump(db) == before


# The direct way through deliveries and payments (a million-row file's path) must read each row exactly as the
# general way does: the same fields, or the general way's error for anything it does not take.
DIRECT_CASES = {
    "deliveries": (
        ["ref", "customer", "date", "amount", "note", "terms", "due", "sale"],
        [
            ["D1", "HD", "2026-10-16", "152300.50", "", "", "", ""],
            [" D2 ", " HD ", " 2026-10-16 ", " 15万 ", " a note ", " NET 30 ", "", ""],
            ["D3", "HD", "today", "１２３", "", "30% cod, 70% net 60", "+3d", ""],
            ["D4", "HD", "monday", "¥1,234.50", "", "", "2026-10-01", ""],  # due before the date
            ["D5", "HD", "2026-10-16", "0", "", "", "", ""],
            ["D6", "HD", "2026-10-16", "12.345", "", "", "", ""],
            ["D7", "HD", "2026-02-30", "1", "", "", "", ""],
            ["D8", "HD", "2026-10-16", "1", "", "net 9999", "", ""],
            ["'=D9", "HD", "2026-10-16", "1", "'+x", "", "", ""],
            ["''D10", "HD", "2026-10-16", "1", "", "", "", ""],
            ["", "HD", "2026-10-16", "1", "", "", "", ""],
            ["D11", "", "2026-10-16", "1", "", "", "", ""],
            ["D12", "HD", "", "1", "", "", "", ""],
            ["D13", "HD", "2026-10-16", "", "", "", "", ""],
            ["D14", "HD", "2026-10-16", "1", "", "eom 30", "2026-11-30", "S-1"],
            ["D15", "HD", "2026-10-16", "1", "", "", ""],  # a short row
            ["D16", "HD", "2026-10-16", "99999999999999999", "", "", "", ""],
            ["D17", "HD", "2026-10-16", "-5", "", "", "", ""],
        ],
    ),
    "payments": (
        ["ref", "customer", "date", "amount", "method", "applies_to", "note"],
        [
            ["P1", "HD", "2026-10-16", "100", "", "", ""],
            ["P2", "HD", "2026-10-16", "100", " CASH ", "", "n"],
            ["P3", "HD", "2026-10-16", "100", "cheque", "", ""],
            ["P4", "HD", "2026-10-16", "100", "bank", "D1;D2=5", ""],
            ["P5", "HD", "yesterday", "1,000", "'=bank", "", ""],
            ["P6", "HD", "2026-13-01", "100", "", "", ""],
        ],
    ),
}


@pytest.mark.parametrize("kind", sorted(DIRECT_CASES))
def test_the_direct_way_reads_rows_as_the_general_way(kind):
    import datetime as dt

    from arcli.domain import importing
    from arcli.services import importer

    header, cases = DIRECT_CASES[kind]
    columns, _ignored = importing.map_header(kind, header, {})
    today = dt.date(2026, 11, 23)
    reader = importer._Reader(kind, header, columns, today, None, False)
    assert reader.direct
    direct = 0
    for line, cells in enumerate(cases, start=2):
        for _twice in range(2):  # the second time from what the reader remembers
            got = reader(line, list(cells))
            want = importer._row(kind, header, columns, line, list(cells), today, None, False)
            assert (got.fields, got.error) == (want.fields, want.error), cells
            assert got.raw == want.raw
        if len(cells) == len(header):
            way = reader._deliveries if kind == "deliveries" else reader._payments
            direct += way([*cells, ""]) is not None  # as __call__ gives it: a blank cell for absent fields
    assert 2 <= direct < len(cases)  # both ways were taken


def test_a_delivery_ref_that_is_another_deliverys_instalment(ok, ar, db, tmp_path):
    """Instalments are items REF#1, REF#2: a delivery whose own ref is one of them cannot be imported (its item
    would have that ref too), whether the instalments are in the ledger already or earlier in the file."""
    ok("customer", "add", "A", "--terms", "net 30")
    split = [["ref", "customer", "date", "amount", "terms"], ["Z", "A", "2026-11-01", "100", "50% cod, 50% net 30"]]
    ok("import", "deliveries", str(write(tmp_path / "z.csv", split, "utf-8")))
    before = dump(db)
    clash = [["ref", "customer", "date", "amount"], ["Z#2", "A", "2026-11-02", "100"]]
    r = ar("import", "deliveries", str(write(tmp_path / "c.csv", clash, "utf-8")))
    assert r.code == 1 and "an open item Z#2 exists already" in r.out and dump(db) == before
    both = [["ref", "customer", "date", "amount", "terms"], ["Y", "A", "2026-11-01", "100", "50% cod, 50% net 30"]]
    both.append(["Y#1", "A", "2026-11-02", "100", ""])
    r = ar("import", "deliveries", str(write(tmp_path / "b.csv", both, "utf-8")))
    assert r.code == 1 and "Y#1" in r.out and "Traceback" not in r.out + r.err and dump(db) == before
