"""The benchmark's correctness smoke test (issue 6): the generator is deterministic, and a 10,000-delivery ledger
built through `ar import` shows exactly the generator's own answers. Times are printed, never asserted."""

import hashlib
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "benchmarks"


def digest(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def test_the_generator_is_deterministic(tmp_path):
    for name in ("a", "b"):
        subprocess.run(
            [sys.executable, str(BENCH / "make_ledger.py"), str(tmp_path / name), "--deliveries", "3000"],
            check=True,
            capture_output=True,
        )
    assert digest(tmp_path / "a") == digest(tmp_path / "b")
    assert set(digest(tmp_path / "a")) == {
        "customers.csv",
        "deliveries.csv",
        "payments.csv",
        "promises.csv",
        "journal.ledger",
        "expected.json",
    }
    other = tmp_path / "c"
    subprocess.run(
        [sys.executable, str(BENCH / "make_ledger.py"), str(other), "--deliveries", "3000", "--seed", "8"],
        check=True,
        capture_output=True,
    )
    assert digest(other)["payments.csv"] != digest(tmp_path / "a")["payments.csv"]


@pytest.mark.sqlite_only("the benchmark builds SQLite ledgers")
def test_benchmark_smoke_at_10k(tmp_path):
    bench = [sys.executable, str(BENCH / "bench.py"), "--deliveries", "10000", "--smoke", "--builds", "2"]
    r = subprocess.run(
        [*bench, "--work", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert r.returncode == 0, r.stdout + r.stderr
    assert "ar check: ok" in r.stdout
    for command in ("ar due today", "ar report aging --as-of", "ar ledger C00042", "ar --help"):
        assert command in r.stdout
    # two builds, each from nothing (the answers are checked on the second): median, min and max of both
    assert "2 time(s)" in r.stdout
    assert re.search(r"import deliveries \+ payments \(target 60 s\)( +[\d.]+){3}", r.stdout)
    print(r.stdout)  # the figures, in the test log


@pytest.mark.sqlite_only("the benchmark builds SQLite ledgers")
def test_import_phases_at_10k(tmp_path):
    """The import's breakdown runs on the code as it is (it wraps the storage layer's calls by name), each part
    is its own (a call's time without the calls it makes), and the ledger it builds passes `ar check`."""
    r = subprocess.run(
        [sys.executable, str(BENCH / "import_phases.py"), "--deliveries", "10000", "--work", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert r.returncode == 0, r.stdout + r.stderr
    assert "ar check: ok" in r.stdout
    for kind, calls in (("deliveries", "append_deliveries"), ("payments", "append_allocations")):
        section = r.stdout.split(f"## ar import {kind}: ")[1]
        total = float(section.split(" rows in ")[1].split(" s")[0])
        table = section.split("\nSQLite ")[0].splitlines()[1:]  # under the title
        lines = {line[:34].strip(): line[34:].split() for line in table if line.strip()}
        assert calls in lines and "the importer (Python)" in lines
        # each call's own seconds leave out the calls it makes: none below zero, SQLite's share within it
        for k, v in lines.items():
            if k not in ("storage call", "total"):
                own, sql = float(v[-2]), float(v[-1])
                assert own >= 0 and sql <= own + 0.01, (k, v)
        assert float(lines["total"][-1]) <= total  # SQLite's seconds of the import
    print(r.stdout)
