"""`ar` as a user runs it: a fresh process, real exit codes, stderr, and the sample ledger."""

import json

import pytest

from conftest import ar_process

pytestmark = pytest.mark.slow


def test_version_and_help():
    r = ar_process("--version")
    assert r.returncode == 0 and r.stdout.startswith("arcli ")
    r = ar_process("--help")
    assert r.returncode == 0 and "delivery" in r.stdout and "payment" in r.stdout


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (["delivery", "add", "X", "1e5"], 2),
        (["payment", "add", "X", "100", "--date", "31/12/2026"], 2),
        (["--as-of", "someday", "balance"], 2),
        (["nosuchcommand"], 2),
        (["ledger", "Nobody"], 1),
    ],
)
def test_errors_are_one_line_without_traceback(tmp_path, args, code):
    env = {"AR_DB": str(tmp_path / "l.db")}
    assert ar_process("customer", "add", "X", "--terms", "cod", env=env).returncode == 0
    r = ar_process(*args, env=env)
    assert r.returncode == code
    assert r.stdout == ""
    assert r.stderr.count("\n") == 1 and r.stderr.startswith("error: "), r.stderr
    assert "Traceback" not in r.stderr


def test_demo_tells_the_story(tmp_path):
    out = tmp_path / "demo.db"
    r = ar_process("demo", "--out", str(out), env={"AR_TODAY": "2026-11-23"})
    assert r.returncode == 0, r.stderr
    assert "鸿达医药代理" in r.stdout and "reconciled" in r.stdout
    bal = json.loads(ar_process("--db", str(out), "balance", "--format", "json").stdout)
    rows = {x["customer"]: x for x in bal["rows"]}
    agent = rows["鸿达医药代理"]
    assert (agent["overdue"], agent["oldest_overdue_days"]) == ("152300.00", 7)  # a week overdue on COD
    hosp = rows["市第一人民医院"]
    assert hosp["overdue"] != "0.00" and hosp["credit"] == "0.00"
    led = json.loads(ar_process("--db", str(out), "ledger", "CITYHOSP", "--format", "json").stdout)
    payments = [e for e in led["entries"] if e["kind"] == "payment"]
    assert len(payments) >= 5 and all(float(p["credit"]) <= 12_000 for p in payments)  # a little each time
    assert any(e["kind"] == "reversal" for e in led["entries"])
    green = rows["Greenfield Pharmacy"]
    assert green["overdue"] == "0.00" and green["not_due"] != "0.00"
    lotus = rows["Lotus Health Store"]
    assert (lotus["open"], lotus["credit"]) == ("0.00", "18000.00")
    # the demo refuses to overwrite a file it was pointed at
    r = ar_process("demo", "--out", str(out))
    assert r.returncode == 1 and "exists already" in r.stderr
