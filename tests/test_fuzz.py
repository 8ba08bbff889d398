"""Hostile input, generated: random command lines against a real ledger, and random sequences of bookings
checked against a model after every step.

- CLI fuzzing: at least 2,000 random invocations (``--slow``: 20,000) of every command with options, Unicode,
  control characters, Rich markup, huge and malformed numbers, odd dates and ``../`` paths. Never a traceback
  or an internal error, exit 0, 1 or 2, every failure exactly one line on stderr, and a failed command leaves
  the ledger byte for byte as it was.
- A state machine books deliveries, payments, voids, promises and write-offs on advancing days; after every step
  ``ar check`` passes and each customer's balance equals the model's, and reports as of each past day are
  identical when run again later.

Hypothesis prints the failing example and how to reproduce it; the run's seed is printed up front.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path

import hypothesis
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from arcli.cli import main
from conftest import dump

COMMANDS = [
    "init", "check", "history", "backup", "restore", "due", "remind", "writeoff", "void", "balance", "ledger",
    "log", "log list", "customer add", "customer list", "customer show", "customer edit", "customer hold",
    "customer release", "sale add", "delivery add", "payment add", "promise add", "promise list", "promise show",
    "dispute add", "dispute resolve", "dispute list", "config set", "config list", "plan set", "report aging",
    "report collections", "report plan", "report allowance", "import customers", "import deliveries",
    "import payments", "import promises", "import writeoffs", "import sales", "export ledger",
]  # fmt: skip
OPTIONS = [
    "--date", "--ref", "--terms", "--due", "--note", "--format", "-f", "--as-of", "--apply", "--method", "--items",
    "--reason", "--by", "--grace", "--limit", "--rep", "--code", "--credit-limit", "--force", "--dry-run",
    "--errors", "--map", "--xlsx", "--buckets", "--basis", "--month", "--within", "--level", "--resolution",
    "--outcome", "--next", "--name", "--phone", "--explain", "--all", "--owing", "--from", "--to", "--customer",
    "--create-customers", "--encoding", "--delimiter", "--date-format", "--sale", "--rates", "--out", "--help",
]  # fmt: skip
VALUES = [
    # the demo's customers and refs
    "鸿达医药代理", "HONGDA", "市第一人民医院", "HD-2410", "HD-2411", "HD-2411#1", "CH-P-01", "1",
    # amounts
    "100", "1,234.50", "15万", "15.23万", "¥1234", "￥1,234", "１２３４", "0", "-5", "0.001", "1e5", "NaN", "inf",
    "99999999999999999999999", "999,999,999,999.99", "1,5", "1.2.3", "万", "",
    # dates
    "today", "tomorrow", "yesterday", "+3d", "-2w", "+1m", "fri", "last fri", "2026-02-29", "2026-02-30",
    "9999-12-31", "0001-01-01", "+99999999d", "-99999y", "2026/11/23", "11/12/2026", "2026-13", "2026-11",
    # terms, formats, enums
    "net 30", "eom+1m", "30% cod, 70% net 60", "cod", "prepaid", "net -1", "110% cod", "json", "csv", "table",
    "xml", "bank", "cash", "wechat", "call", "visit", "quality", "downstream", "due", "delivery", "rep", "item",
    "payment", "30,60,90", "0,0", "1%,2%", "ref=customer", "=", "rep:x",
    # hostile text
    "[bold]x[/]", "[/]", "[red]", "[link=file:///etc/passwd]x[/link]", "=1+1", "+cmd|' /C calc'!A0", "@SUM(A1)",
    "-2+3", "\t", "\r\n", "\x1b[31mred", "\u202eevil", "\ufeff", "😀" * 40, "x" * 5000, "a\x07b", "'", '"', "\\",
    "%s%n", "{0}", "${HOME}", "$(echo hi)", "; rm -rf /", "null", "None", "-", "--", "-h",
    # paths, inside the test's sandbox
    "../out.xlsx", "../../out.csv", "../x.db", "out", "out/", "missing.csv", "./dir/", "../", ".", "..",
]  # fmt: skip


def _safe_text(text: str) -> bool:
    """Random text must stay inside the sandbox when read as a path: no absolute or parent paths."""
    return not text.startswith(("/", "~")) and "/" not in text and "\\" not in text and not text.startswith("..")


token = st.one_of(
    st.sampled_from(OPTIONS),
    st.sampled_from(VALUES),
    st.sampled_from(VALUES),
    st.text(max_size=12).filter(_safe_text),
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.decimals(allow_nan=True, allow_infinity=True, places=3).map(str),
)
argv = st.tuples(
    st.lists(st.sampled_from(["--as-of", "--as-of", "-h", "--version", "--db"]).flatmap(
        lambda o: st.just([o]) if o in ("-h", "--version") else st.tuples(st.just(o), st.sampled_from(VALUES)).map(list)
    ), max_size=1),
    st.sampled_from(COMMANDS).map(str.split),
    st.lists(token, max_size=7),
).map(lambda t: [*(x for group in t[0] for x in group), *t[1], *t[2]])  # fmt: skip


@pytest.fixture
def fuzz_ledger(tmp_path, monkeypatch, capsys):
    """The demo ledger, and a working directory four levels deep so `../` paths stay in the test's sandbox."""
    work = tmp_path / "a" / "b" / "c" / "d"
    work.mkdir(parents=True)
    monkeypatch.chdir(work)
    ledger = tmp_path / "fuzz.db"
    assert main(["demo", "--out", str(ledger)]) == 0
    monkeypatch.setenv("AR_DB", str(ledger))
    capsys.readouterr()
    return ledger


def test_random_command_lines_fail_cleanly(fuzz_ledger, capsys, seed, scale):
    failures = {"count": 0, "runs": 0}

    @settings(
        max_examples=2000 * scale,
        deadline=None,
        database=None,
        derandomize=False,
        suppress_health_check=list(HealthCheck),
    )
    @hypothesis.seed(seed)
    @given(args=argv)
    def run(args):
        before = dump(fuzz_ledger)
        capsys.readouterr()
        code = main(args)
        out, err = capsys.readouterr()
        failures["runs"] += 1
        shown = f"ar {args!r} -> {code}\nstderr: {err!r}"
        assert code in (0, 1, 2), shown
        assert "Traceback" not in err + out and "internal error" not in err, shown
        if code != 0:
            failures["count"] += 1
            assert err.count("\n") == 1 and err.startswith("error: ") and err.endswith("\n"), shown
            assert dump(fuzz_ledger) == before, f"a failed command changed the ledger: {shown}"
        else:
            assert all(line.startswith("warning: ") for line in err.splitlines()), shown

    run()
    assert failures["runs"] >= 2000 * scale
    assert 0 < failures["count"] < failures["runs"]  # both outcomes were exercised
    print(f"{failures['runs']} invocations, {failures['count']} refused")


# -- a model-checked sequence of bookings -------------------------------------------------------------------


class Bookings(RuleBasedStateMachine):
    """Deliveries, payments, voids, promises and write-offs on days that move forward; after every step the
    ledger passes `ar check` and matches the model; past days' reports never change."""

    customers = ("Alpha", "Beta", "甲方医药")

    def __init__(self):
        super().__init__()
        self.dir = Path(tempfile.mkdtemp(prefix="arcli-sm-"))
        self.db = str(self.dir / "ledger.db")
        self.day = 0  # days after 2026-01-01
        self.balance = dict.fromkeys(self.customers, 0)
        self.entries: list[tuple[str, str, str, int]] = []  # kind, ref, customer, signed effect
        self.voided: set[str] = set()
        self.written_off: dict[str, set[str]] = {}  # delivery ref -> write-offs standing against it
        self.snapshots: dict[str, tuple[str, ...]] = {}
        self.n = 0

    def ar(self, *args: str, day: str | None = None, expect: int | None = 0) -> str:
        import contextlib
        import io

        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(["--db", self.db, "--as-of", day or self.today, *args])
        if expect is not None:
            assert code == expect, f"ar {' '.join(args)} -> {code}: {err.getvalue()}"
        return out.getvalue()

    @property
    def today(self) -> str:
        import datetime as dt

        return (dt.date(2026, 1, 1) + dt.timedelta(days=self.day)).isoformat()

    def ref(self, prefix: str) -> str:
        self.n += 1
        return f"{prefix}{self.n}"

    @initialize()
    def setup(self):
        for name, terms in zip(self.customers, ("net 30", "cod", "30% cod, 70% net 60"), strict=True):
            self.ar("customer", "add", name, "--terms", terms)

    @rule(days=st.integers(1, 20))
    def advance(self, days):
        # what today looks like, before anything more is booked on it; checked again at the end
        self.snapshots[self.today] = self.reports()
        self.day += days

    def reports(self, day: str | None = None) -> tuple[str, ...]:
        """What must read the same on a day whenever it is asked (the morning list and the promises: from the
        figures kept current today, from the history for a past day)."""
        return tuple(
            self.ar(*args, "-f", "json", day=day)
            for args in (("report", "aging"), ("balance",), ("due", "--within", "7"), ("promise", "list"))
        )

    @rule(customer=st.sampled_from(customers), fen=st.integers(1, 5_000_000))
    def deliver(self, customer, fen):
        ref = self.ref("D")
        self.ar("delivery", "add", customer, f"{fen / 100:.2f}", "--ref", ref, "--force")
        self.balance[customer] += fen
        self.entries.append(("delivery", ref, customer, fen))

    @rule(customer=st.sampled_from(customers), fen=st.integers(1, 3_000_000))
    def pay(self, customer, fen):
        ref = self.ref("P")
        self.ar("payment", "add", customer, f"{fen // 100}.{fen % 100:02d}", "--ref", ref)
        self.balance[customer] -= fen
        self.entries.append(("payment", ref, customer, -fen))

    @precondition(lambda self: any(ref not in self.voided for _, ref, _, _ in self.entries))
    @rule(data=st.data())
    def void(self, data):
        live = [e for e in self.entries if e[1] not in self.voided]
        kind, ref, customer, effect = data.draw(st.sampled_from(live))
        if kind == "delivery" and self.written_off.get(ref):  # refused: the write-offs must go first
            self.ar("void", kind, ref, "--reason", "state machine", expect=1)
            return
        self.ar("void", kind, ref, "--reason", "state machine")
        self.voided.add(ref)
        self.balance[customer] -= effect
        for refs in self.written_off.values():
            refs.discard(ref)

    @rule(customer=st.sampled_from(customers), fen=st.integers(1, 1_000_000), days=st.integers(0, 14))
    def promise(self, customer, fen, days):
        import datetime as dt

        by = (dt.date.fromisoformat(self.today) + dt.timedelta(days=days)).isoformat()
        self.ar("promise", "add", customer, f"{fen // 100}.{fen % 100:02d}", "--by", by)

    @rule(customer=st.sampled_from(customers), next_in=st.one_of(st.none(), st.integers(0, 10)))
    def contact(self, customer, next_in):
        import datetime as dt

        nxt = (
            []
            if next_in is None
            else ["--next", (dt.date.fromisoformat(self.today) + dt.timedelta(next_in)).isoformat()]
        )
        self.ar("log", customer, "call", *nxt)

    @rule(customer=st.sampled_from(customers), data=st.data())
    def write_off(self, customer, data):
        shown = json.loads(self.ar("customer", "show", customer, "-f", "json"))
        items = [i for i in shown["open_items"] if i["ref"]]
        if not items:
            return
        item = data.draw(st.sampled_from(items))
        open_fen = int(item["open"].replace(".", ""))
        fen = data.draw(st.integers(1, open_fen))
        ref = self.ref("W")
        self.ar("writeoff", customer, f"{fen // 100}.{fen % 100:02d}", "--items", item["ref"], "--reason", "bad debt",
                "--ref", ref)  # fmt: skip
        self.balance[customer] -= fen
        self.entries.append(("writeoff", ref, customer, -fen))
        self.written_off.setdefault(item["ref"].split("#")[0], set()).add(ref)

    @invariant()
    def ledger_is_sound(self):
        if not Path(self.db).exists():
            return
        out = self.ar("check")
        assert out.startswith("ok: "), out
        # the first rows of the morning list, ranked from bounds, are those of the whole list
        whole = json.loads(self.ar("due", "--within", "3", "-f", "json"))
        for k in (1, 2):
            assert json.loads(self.ar("due", "--within", "3", "--limit", str(k), "-f", "json")) == whole[:k]
        table = self.ar("due", "--within", "3", "--limit", "1")
        assert (f": {len(whole)} customer" in table) if whole else "Nobody" in table
        rows = json.loads(self.ar("balance", "--all", "-f", "json"))["rows"]
        got = {r["customer"]: int(r["open"].replace(".", "")) - int(r["credit"].replace(".", "")) for r in rows}
        assert got == self.balance

    def teardown(self):
        try:
            for day, reports in self.snapshots.items():
                assert self.reports(day) == reports, day
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)


def test_bookings_state_machine(scale, seed):
    from hypothesis.stateful import run_state_machine_as_test

    run_state_machine_as_test(
        hypothesis.seed(seed)(type("SeededBookings", (Bookings,), {})),
        settings=settings(
            max_examples=12 * scale,
            stateful_step_count=15,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        ),
    )


@pytest.fixture(autouse=True)
def _no_stray_files():
    """Nothing the fuzzer wrote may land in the repository."""
    repo = Path(__file__).resolve().parents[1]
    before = set(os.listdir(repo))
    yield
    assert set(os.listdir(repo)) - before <= {".hypothesis"}
