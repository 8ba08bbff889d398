"""The sample ledger tells the seed articles' story, and the morning list acts on it (issue 3's acceptance)."""

import pytest


@pytest.fixture
def demo(ar, ok, tmp_path, monkeypatch):
    path = tmp_path / "demo.db"
    r = ok("demo", "--out", str(path))
    assert "Chase on 2026-11-23" in r.out
    monkeypatch.setenv("AR_DB", str(path))
    return ok


def test_the_agent_is_chased_first_until_it_pays(demo):
    # AR_TODAY is 2026-11-23: one week after the agent's cash-on-delivery delivery
    rows = demo("due", "today", "--format", "json").json()
    first = rows[0]
    assert first["customer"] == "鸿达医药代理" and first["rank"] == 1
    assert first["why"] == "promised 152,300.00 today · 7 days overdue · 152,300.00 overdue · grade D"
    assert first["promise"] == "open" and first["days_overdue"] == 7
    assert first["action"].startswith("check today's promised payment")
    promises = demo("promise", "list", "--customer", "HONGDA", "--format", "json").json()
    assert [p["status"] for p in promises] == ["broken", "open"]

    demo("payment", "add", "HONGDA", "152,300", "--ref", "HD-R-2411")
    promises = demo("promise", "list", "--customer", "HONGDA", "--format", "json").json()
    assert [p["status"] for p in promises] == ["broken", "kept"]
    assert "鸿达医药代理" not in [r["customer"] for r in demo("due", "today", "--format", "json").json()]


def test_the_hospital_pays_a_little_and_keeps_few_promises(demo):
    s = demo("customer", "show", "CITYHOSP", "--format", "json").json()
    assert s["grade"] == "D" and s["keep_rate"] == "25"
    assert s["level_name"] == "stop supply"
    rows = {r["customer"]: r for r in demo("due", "--format", "json").json()}
    assert rows["市第一人民医院"]["action"] == "answer the dispute in writing"
    excuses = demo("dispute", "list", "--format", "json").json()
    assert [(d["customer"], d["reason"], d["status"]) for d in excuses] == [
        ("市第一人民医院", "quality", "open"),
        ("鸿达医药代理", "downstream", "resolved"),
    ]
    assert "  1 open dispute: see `ar dispute list --customer CITYHOSP`" in demo("customer", "show", "CITYHOSP").out
    assert "History of 市第一人民医院: " in demo("history", "CITYHOSP").out


@pytest.mark.parametrize("today", ["2026-01-31", "2026-02-28", "2026-06-15", "2026-12-31", "2027-03-01"])
def test_the_story_holds_whatever_day_the_demo_runs(ok, tmp_path, monkeypatch, today):
    monkeypatch.setenv("AR_TODAY", today)
    path = tmp_path / f"demo-{today}.db"
    ok("demo", "--out", str(path))
    rows = ok("--db", str(path), "due", "--format", "json").json()
    assert rows[0]["customer"] == "鸿达医药代理"
    assert {r["customer"] for r in rows} == {"鸿达医药代理", "市第一人民医院"}


def test_its_tables_fit_a_terminal_of_120_columns(demo, monkeypatch):
    """Text columns wrap down to 12 cells, never splitting a name or a status, so the promise and dispute
    lists fit 120 columns (they took 126 and 134 while text kept 24 cells); a table that cannot fit is
    printed at its narrowest, never narrower than its numbers."""
    from rich.cells import cell_len

    monkeypatch.setenv("COLUMNS", "120")
    for args in (("promise", "list"), ("dispute", "list"), ("due",), ("log", "list"), ("ledger", "CITYHOSP")):
        out = demo(*args).out
        assert max(cell_len(line) for line in out.splitlines()) <= 120, (args, out)
        assert "市第一人民医院" in out, args  # the customer's name whole, on one line
    monkeypatch.setenv("COLUMNS", "60")
    out = demo("promise", "list").out
    assert "市第一人民医院" in out and "152,300.00" in out and "2026-11-26" in out
