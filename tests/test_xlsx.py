"""Every report's --xlsx: opens with openpyxl, holds numbers and no formula cells, never overwrites silently."""

import openpyxl
import pytest


@pytest.fixture
def ledger(ok):
    ok("customer", "add", '=HYPERLINK("http://x","click")', "--code", "EVIL", "--terms", "net 30", "--rep", "@rep")
    ok("delivery", "add", "EVIL", "12,345.67", "--date", "2026-09-01")
    ok("payment", "add", "EVIL", "345.67", "--date", "2026-11-02")
    ok("plan", "set", "EVIL", "5,000")
    return ok


@pytest.mark.parametrize("report", ["aging", "collections", "plan", "allowance"])
def test_each_report_writes_a_safe_workbook(ledger, ar, tmp_path, report):
    path = tmp_path / f"{report}.xlsx"
    r = ledger("report", report, "--xlsx", str(path))
    assert r.out == f"Wrote {path}\n"
    wb = openpyxl.load_workbook(path)
    cells = [c for ws in wb for row in ws.iter_rows() for c in row if c.value is not None]
    assert cells and not [c.coordinate for c in cells if c.data_type == "f"]
    texts = [c.value for c in cells if isinstance(c.value, str)]
    if report in ("aging", "plan"):
        assert '=HYPERLINK("http://x","click")' in texts  # written as text, not run as a formula
        assert any(isinstance(c.value, (int, float)) and c.number_format == "#,##0.00" for c in cells)
    assert all(ws.freeze_panes == "A2" for ws in wb)
    # never overwritten without --force; nothing half-written is left behind
    before = path.read_bytes()
    r = ar("report", report, "--xlsx", str(path))
    assert r.code == 1 and "add --force" in r.err and path.read_bytes() == before
    assert ledger("report", report, "--xlsx", str(path), "--force").code == 0
    assert sorted(p.name for p in tmp_path.iterdir() if p.suffix != ".db" and "ledger" not in p.name) == [path.name]


def test_aging_workbook_values(ledger, tmp_path):
    path = tmp_path / "a.xlsx"
    ledger("report", "aging", "--xlsx", str(path))
    ws = openpyxl.load_workbook(path).active
    header = [c.value for c in ws[1]]
    row = dict(zip(header, [c.value for c in ws[2]], strict=True))
    assert row["31-60"] == 12000 and row["Total"] == 12000  # due 2026-10-01: 53 days
    assert ws[3][0].value == "TOTAL" and ws[3][0].font.bold
