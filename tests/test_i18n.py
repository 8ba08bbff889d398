"""中文界面 (issue 9): the whole tool in Chinese, from the standard gettext catalog, with tables that stay aligned.

The same ledger is rendered in both languages: the figures must agree, the Chinese output must hold no English
word beyond the ledger's own data (refs, codes, option names), and every table row must line up cell for cell
with Chinese customer names (two cells a character). The catalog test fails when a msgid shown to users (a
``_()`` string, a table header, a code, any command's or option's help) has no Chinese.
"""

from __future__ import annotations

import json
import re

import pytest
from rich.cells import cell_len

from arcli.domain.dates import parse_date

HD, CH = "鸿达医药代理", "市第一人民医院"
COMMAND_NAMES = list(__import__("arcli.cli.main", fromlist=["COMMANDS"]).COMMANDS)


@pytest.fixture
def ledger(ok):
    """Two customers with Chinese names and a history in Chinese: overdue items, a broken promise and a new
    one, a dispute, contacts, part payments."""
    ok("customer", "add", HD, "--code", "HD", "--terms", "cod", "--rep", "王磊")
    ok("customer", "add", CH, "--code", "CH", "--terms", "eom 30", "--rep", "王磊")
    ok("delivery", "add", "HD", "152,300", "--date", "2026-11-16", "--ref", "HD-1", "--note", "上周发货")
    ok("delivery", "add", "CH", "6万", "--date", "2026-07-26", "--ref", "CH-1")
    ok("delivery", "add", "CH", "45000", "--date", "2026-08-25", "--ref", "CH-2")
    ok("delivery", "add", "CH", "¥38000", "--date", "2026-10-24", "--ref", "CH-3")
    ok("payment", "add", "CH", "10000", "--date", "2026-09-14", "--ref", "CH-P1", "--method", "银行")
    ok("payment", "add", "CH", "8,000", "--date", "2026-10-29", "--ref", "CH-P2", "--method", "现金")
    ok("--as-of", "2026-11-18", "promise", "add", "HD", "152300", "--by", "2026-11-21", "--note", "周末前付")
    ok("--as-of", "2026-11-22", "promise", "add", "HD", "152300", "--by", "明天", "--note", "明天全额付")
    ok("--as-of", "2026-11-20", "promise", "add", "CH", "10000", "--by", "2026-11-26")
    ok("log", "CH", "电话", "--note", "财务说月底前付", "--next", "3天后")
    ok("dispute", "add", "CH", "--reason", "质量问题", "--items", "CH-3", "--amount", "4800", "--note", "包装破损")
    return ok


COMMANDS = [
    ("due", "today"),
    ("report", "aging"),
    ("promise", "list"),
    ("remind", "HD"),
    ("ledger", CH),
]

#: What may stay Latin in Chinese output: the ledger's own refs and codes, option names and commands to type,
#: ISO dates and numbers, the grade letters, and the currency abbreviations of the sample.
ALLOWED = re.compile(
    r"`[^`]*`|--[a-z][a-z-]*|\b(?:HD|CH)(?:-P?\d+)?\b|\b[A-D]\b|\d{4}-\d{2}-\d{2}|[\d,]+(?:\.\d+)?|\bvoid\b"
)


def english_words(text: str) -> list[str]:
    return re.findall(r"[A-Za-z]{2,}", ALLOWED.sub(" ", text))


@pytest.mark.parametrize("args", COMMANDS, ids=lambda a: " ".join(a))
def test_each_command_speaks_chinese_with_the_same_figures(ledger, args):
    en = ledger(*args).out
    zh = ledger("--lang", "zh", *args).out
    assert english_words(zh) == [], zh
    # the same amounts and dates (a Chinese sentence may order them differently): only the words changed
    figures = re.compile(r"\d[\d,]*\.\d\d|\d{4}-\d{2}-\d{2}")
    assert sorted(figures.findall(zh)) == sorted(figures.findall(en))
    assert len(re.findall(r"[\u4e00-\u9fff]", zh)) > len(re.findall(r"[\u4e00-\u9fff]", en))


def test_the_chinese_words_of_each_command(ledger):
    due = ledger("--lang", "zh", "due").out
    assert (
        "2026-11-23 要催的客户：2 个" in due and "就违约的承诺打电话；严肃电话或上门" in due and "书面答复争议" in due
    )
    assert "原因：1 次违约未跟进 · 承诺今天付 152,300.00 · 逾期 7 天" in due and "1 个未解决的争议" in due
    aging = ledger("--lang", "zh", "report", "aging").out
    assert "应收账龄表，截至 2026-11-23（按到期日）" in aging and "已对平" in aging and "未到期" in aging
    promises = ledger("--lang", "zh", "promise", "list").out
    assert all(w in promises for w in ("已违约", "未到期", "承诺付款日", "3 个承诺")), promises
    statement = ledger("--lang", "zh", "ledger", CH).out
    assert f"{CH} (CH) 对账单，截至 2026-11-23" in statement and "期末余额：" in statement
    assert "账期 月结 30 天" in statement and "银行转账 → CH-1" in statement and "贷方" in statement


def table_rows(text: str, marker: str) -> list[str]:
    """The lines of the table whose header line contains ``marker``: the header, then every row to the blank
    line that ends the body."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if marker in line)
    body = [lines[start]]
    for line in lines[start + 2 :]:  # skip the rule under the header
        if not line.strip():
            break
        body.append(line)
    return body


def column_ends(line: str) -> list[int]:
    """The cell offsets where each amount of a row ends (right-aligned columns end at the same offset)."""
    return [cell_len(line[: m.end()]) for m in re.finditer(r"\d[\d,]*\.\d\d", line)]


@pytest.mark.parametrize(
    ("args", "marker", "name"),
    [
        (("due",), "行动", HD),
        (("report", "aging"), "未到期", CH),
        (("promise", "list"), "承诺付款日", CH),
        (("balance",), "最早逾期", HD),
        (("ledger", CH), "借方", "CH-1"),
    ],
)
def test_tables_stay_aligned_with_chinese_names(ledger, args, marker, name):
    for lang in ("zh", "en"):
        out = ledger("--lang", lang, *args).out
        rows = table_rows(out, marker if lang == "zh" else marker_en(marker))
        widths = {cell_len(line.rstrip()) for line in rows}
        assert len(rows) >= 3
        # every row is as wide as the header (Rich pads in cells: a Chinese name counts two a character)
        assert len({cell_len(line) for line in rows}) == 1, rows
        # the last amount of every row (a right-aligned column) ends at the same cell, Chinese names or not
        main = [line for line in rows[1:] if re.match(r"\s+(?:\d{4}-\d{2}-\d{2}|\d+\s|\S)", line)]
        main = [line for line in main if HD in line or CH in line or re.match(r"\s+\d{4}-", line)]
        ends = {column_ends(line)[-1] for line in main if column_ends(line)}
        assert len(main) >= 2 and any(name in line for line in main) and len(ends) == 1, rows
        assert max(widths) <= 160


def marker_en(marker: str) -> str:
    return {"行动": "Action", "未到期": "not due", "承诺付款日": "Pay by", "最早逾期": "Oldest", "借方": "Debit"}[
        marker
    ]


def test_every_shown_string_has_its_chinese():
    """The catalog holds Chinese for every msgid in use (source strings, table headers, codes, the help of every
    command and option), and the compiled catalog is the one the .po file gives."""
    catalog = pytest.importorskip("arcli.i18n.catalog", reason="needs Babel (the test extra)")
    missing = [m.key for m in catalog.missing()]
    assert missing == [], f"no Chinese for {len(missing)} msgids, e.g. {missing[:5]}"
    assert not catalog.stale(), "arcli.mo is stale: run `python -m arcli.i18n.catalog update`"
    # and the collection finds what it should: help texts, headers, codes, plurals, framework words
    keys = set(catalog.collect())
    assert {"Who to chase today, in what order, and why.", "Pay by", "promise\x04partly_kept", "Usage: "} <= keys


def test_help_is_chinese_and_fits_the_terminal(ar, monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    for args in (("--help",), ("due", "--help"), ("promise", "add", "--help"), ("report", "aging", "--help")):
        r = ar("--lang", "zh", *args)
        assert r.code == 0
        assert r.out.startswith("用法：ar") and "选项：" in r.out and "显示本帮助并退出。" in r.out
        assert all(cell_len(line) <= 80 for line in r.out.splitlines()), r.out
        # left in Latin: what is typed (options, choices, env vars, types), nothing to read
        typed = re.sub(
            r"zh_CN\.UTF-8|<[^>]*>|\[[^\]]*\]|[A-Z_]{3,}\w*|\S+://\S+|~/\S+|\S+\.(?:csv|tsv|txt|xlsx|db)\b|%\w/%\w/%\w|"
            r"\b(?:ar|zh|en|yuan|wan|json|csv|table|xlsx|Excel|arcli|SQLite|PostgreSQL|tab|net|eom|cod|prepaid|"
            r"yesterday|fri|add|list|show|resolve|set|edit|hold|release|aging|" + "|".join(COMMAND_NAMES) + r")\b",
            "",
            r.out,
        )
        assert english_words(typed) == [], english_words(typed)


def test_language_from_option_environment_and_locale(ar, ok, monkeypatch):
    ok("init")
    assert ar("due").out.startswith("Nobody")
    assert ar("--lang", "zh", "due").out.startswith("2026-11-23 没有需要催款的客户")
    assert ar("--lang=zh", "due").out.startswith("2026-11-23 没有")
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    assert ar("due").out.startswith("2026-11-23 没有")
    assert ar("--lang", "en", "due").out.startswith("Nobody")
    monkeypatch.setenv("LC_ALL", "C")  # LC_ALL outranks LANG
    assert ar("due").out.startswith("Nobody")
    monkeypatch.setenv("AR_LANG", "zh")  # AR_LANG outranks the locale
    assert ar("due").out.startswith("2026-11-23 没有")
    r = ar("--lang", "fr", "due")
    assert r.code == 2 and r.out == "" and r.err.count("\n") == 1 and "unknown language 'fr'" in r.err


def test_errors_are_one_chinese_line(ledger, ar):
    cases = [
        (("promise", "add", "HD", "5x", "--by", "明天"), "错误：金额: 不是金额：'5x'"),
        (("promise", "add"), "错误：缺少参数 客户。"),
        (("due", "--frobnicate"), "错误：没有这个选项：--frobnicate"),
        (("customer", "show", "不存在的客户"), "错误：没有客户 '不存在的客户'"),
        (("promise", "add", "HD", "100", "--by", "昨天"), "错误：--by 2026-11-22 已经过去"),
        (("report", "aging", "--limit", "x"), "错误：'--limit'：不是整数。"),
        (("report", "aging", "--limit", "-1"), "错误：'--limit'：不能小于 0。"),
        (("promise", "show", "99"), "错误：没有承诺 99"),
    ]
    for args, expected in cases:
        r = ar("--lang", "zh", *args)
        assert r.code != 0 and r.out == ""
        assert r.err.count("\n") == 1 and expected in r.err, r.err
        assert english_words(r.err) == [], r.err
    # a word that names no code lists the accepted ones (the codes are what scripts type)
    r = ar("--lang", "zh", "log", "HD", "飞鸽传书")
    assert r.code != 0 and r.err.startswith("错误：方式：'飞鸽传书' 不是可选值之一：call/电话, visit/拜访")
    r = ar("--lang", "zh", "void", "sale", "x", "--reason", "y")
    assert r.code == 2 and r.err.startswith("错误：'类型' 的值无效：'sale' 不是 delivery、payment、writeoff 之一")


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("今天", "2026-11-23"),
        ("明天", "2026-11-24"),
        ("昨天", "2026-11-22"),
        ("后天", "2026-11-25"),
        ("前天", "2026-11-21"),
        ("下周五", "2026-12-04"),
        ("周五", "2026-11-27"),
        ("本周五", "2026-11-27"),
        ("上周五", "2026-11-20"),
        ("星期日", "2026-11-29"),
        ("本月底", "2026-11-30"),
        ("月底", "2026-11-30"),
        ("下月底", "2026-12-31"),
        ("下月初", "2026-12-01"),
        ("3天后", "2026-11-26"),
        ("３天后", "2026-11-26"),
        ("2天前", "2026-11-21"),
        ("2周后", "2026-12-07"),
        ("1个月后", "2026-12-23"),
        ("12月5日", "2026-12-05"),
        ("2027年1月2日", "2027-01-02"),
    ],
)
def test_chinese_dates(word, expected):
    import datetime as dt

    assert parse_date(word, dt.date(2026, 11, 23)).isoformat() == expected  # a Monday


def test_chinese_dates_through_the_cli(ledger, ar):
    p = ledger("promise", "add", "CH", "5000", "--by", "下周五", "--format", "json").json()
    assert p["by"] == "2026-12-04"
    assert ledger("--as-of", "本月底", "balance", "--format", "json").json()["as_of"] == "2026-11-30"
    r = ar("--lang", "zh", "promise", "add", "CH", "5000", "--by", "2月30日")
    assert r.code == 2 and r.err == "错误：--by: 没有这一天：'2月30日'\n"


def test_chinese_terms_through_the_cli(ledger, ar, tmp_path):
    """Terms typed as the Chinese screen words them (or as reps write them) are kept in their English form."""
    ledger("customer", "add", "华康药房", "--code", "HK", "--terms", "月结30天")
    assert ledger("customer", "show", "HK", "--format", "json").json()["terms"] == "eom 30"
    assert "月结 30 天" in ledger("--lang", "zh", "customer", "show", "HK").out
    d = ledger("delivery", "add", "HK", "1000", "--date", "2026-10-15", "--terms", "30% 货到付款，70% 发货后 60 天",
               "--ref", "HK-1", "--format", "json").json()  # fmt: skip
    assert d["terms"] == "30% cod, 70% net 60"
    assert [(i["due"], i["amount"]) for i in d["items"]] == [("2026-10-15", "300.00"), ("2026-12-14", "700.00")]
    (tmp_path / "d.csv").write_text("ref,customer,date,amount,terms\nHK-2,HK,2026-10-20,500,次月底\n", "utf-8")
    ledger("import", "deliveries", str(tmp_path / "d.csv"))
    due = {i["ref"]: i["due"] for i in ledger("ledger", "HK", "--format", "json").json()["open_items"]}
    assert due["HK-2"] == "2026-11-30"
    r = ar("--lang", "zh", "delivery", "add", "HK", "1000", "--terms", "货到")
    assert r.code == 2 and r.err.startswith("错误：未知的账期 '货到'：") and r.err.count("\n") == 1


def test_chinese_words_for_channels_reasons_and_methods(ledger):
    ledger("log", "HD", "微信", "--note", "发了对账单")
    ledger("log", "HD", "拜访")
    contacts = ledger("log", "list", "--customer", "HD", "--format", "json").json()
    assert [c["channel"] for c in contacts] == ["visit", "wechat"]  # JSON keeps the codes
    ledger("dispute", "add", "HD", "--reason", "下游未回款")
    reasons = [d["reason"] for d in ledger("dispute", "list", "--format", "json").json()]
    assert reasons == ["quality", "downstream"]
    ledger("payment", "add", "HD", "1000", "--method", "抵账", "--ref", "HD-P9")
    zh = ledger("--lang", "zh", "log", "list").out
    assert "微信" in zh and "拜访" in zh and "电话" in zh
    assert "下游未回款" in ledger("--lang", "zh", "dispute", "list").out
    assert "抵账" in ledger("--lang", "zh", "ledger", "HD").out
    # English output shows the codes, whichever language they were typed in
    assert "wechat" in ledger("log", "list").out


def test_units_wan_for_people_never_for_scripts(ledger, ar, monkeypatch):
    table = ledger("--units", "wan", "balance").out
    assert "15.23万" in table and "152,300.00" not in table
    rows = ledger("--units", "wan", "balance", "--format", "json").json()["rows"]
    assert {r["customer"]: r["open"] for r in rows}[HD] == "152300.00"
    csv = ledger("--units", "wan", "balance", "--format", "csv").out
    assert "152300.00" in csv and "万" not in csv
    monkeypatch.setenv("AR_UNITS", "wan")
    assert "15.23万" in ledger("--lang", "zh", "due").out
    r = ar("--lang", "zh", "--units", "lakh", "balance")
    assert r.code == 1 and r.err == "错误：--units：'lakh' 不是 yuan 或 wan\n"


@pytest.mark.parametrize(
    ("level", "words"),
    [
        (0, ("温馨提醒", "感谢")),
        (1, ("麻烦您今天回复",)),
        (2, ("全额付清", "致电确认")),
        (3, ("催款函", "停止向贵司供货")),
        (4, ("停止供货通知", "法务部门")),
        (5, ("诉前最后通知", "法律途径")),
    ],
)
def test_reminders_in_chinese_business_style(ledger, level, words):
    text = ledger("--lang", "zh", "remind", "CH", "--level", str(level)).out
    assert all(w in text for w in words), text
    assert CH in text and "元" in text
    assert english_words(text) == [], text
    data = json.loads(ledger("--lang", "zh", "remind", "CH", "--level", str(level), "--format", "json").out)
    assert data["level"] == level and data["text"] == text


def test_the_workbook_in_chinese(ledger, tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    path = tmp_path / "账龄.xlsx"
    ledger("--lang", "zh", "report", "aging", "--xlsx", str(path))
    ws = openpyxl.load_workbook(path).active
    header = [c.value for c in ws[1]]
    assert header[:3] == ["客户", "业务员", "未到期"] and "合计" in header and "预收" in header
    assert ws.title.startswith("账龄")
    assert ws.cell(row=ws.max_row, column=1).value == "合计"
    # an export for re-import keeps its field names whatever the language
    ledger("--lang", "zh", "export", "ledger", str(tmp_path / "out"), "--format", "xlsx")
    ws = openpyxl.load_workbook(tmp_path / "out" / "customers.xlsx").active
    assert [c.value for c in ws[1]][:2] == ["name", "code"]
