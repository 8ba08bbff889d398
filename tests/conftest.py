"""Every test gets its own ledger file and a pinned "today"; the CLI runs for real (``arcli.cli.main``) in
process, and in a fresh process where start-up matters (``ar_process``)."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from arcli.cli import main

TODAY = "2026-11-23"
AR = Path(sys.executable).with_name("ar")


@dataclass
class Result:
    code: int
    out: str
    err: str

    def json(self):
        assert self.code == 0, self.err
        return json.loads(self.out)


def pytest_addoption(parser):
    parser.addoption(
        "--slow",
        action="store_true",
        help="the slow tier: run every fault-injection test 10 times as long (more kills, writers, fuzz inputs)",
    )


@pytest.fixture
def scale(request) -> int:
    """How many times the fault-injection tests repeat their rounds: 1, or 10 with --slow."""
    return 10 if request.config.getoption("--slow") else 1


@pytest.fixture
def seed(request) -> int:
    """A random seed for a fault-injection test, printed so a failure replays (AR_SEED=… to replay)."""
    import random

    value = int(os.environ.get("AR_SEED") or random.SystemRandom().randrange(2**32))
    line = f"{request.node.name}: seed {value} (replay with AR_SEED={value})"
    reporter = request.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None:  # shown in every run's log, not only on failure
        reporter.write_line(f"\n{line}")
    print(line)
    return value


@pytest.fixture(autouse=True)
def _isolated(tmp_path, monkeypatch):
    """No test touches the real user data directory or depends on the clock, the terminal or the locale."""
    for var in ("AR_DATABASE_URL", "AR_DEBUG", "AR_REP", "AR_CONFIG", "XDG_CONFIG_HOME", "NO_COLOR", "FORCE_COLOR"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("AR_TODAY", TODAY)
    monkeypatch.setenv("COLUMNS", "160")


@pytest.fixture
def db(tmp_path, monkeypatch) -> Path:
    path = tmp_path / "ledger.db"
    monkeypatch.setenv("AR_DB", str(path))
    return path


@pytest.fixture
def ar(db, capsys):
    """Run `ar ARGS…` in process on the test's ledger; returns (code, stdout, stderr)."""

    def run(*args: str) -> Result:
        capsys.readouterr()
        code = main([str(a) for a in args])
        out, err = capsys.readouterr()
        return Result(code, out, err)

    return run


@pytest.fixture
def ok(ar):
    """Run `ar ARGS…` and insist it succeeds."""

    def run(*args: str) -> Result:
        r = ar(*args)
        assert r.code == 0, f"ar {' '.join(map(str, args))} failed ({r.code}): {r.err}"
        return r

    return run


def ar_process(*args: str, env: dict[str, str] | None = None, **kw) -> subprocess.CompletedProcess:
    """Run the installed `ar` console script in a fresh process."""
    full_env = {**os.environ, **(env or {})}
    return subprocess.run([str(AR), *map(str, args)], capture_output=True, text=True, env=full_env, timeout=120, **kw)


def dump(path: Path) -> list[str]:
    """Every row of every table: two dumps are equal only if nothing was written."""
    if not path.exists():
        return []
    con = sqlite3.connect(path)
    try:
        return list(con.iterdump())
    finally:
        con.close()


def rows(path: Path, sql: str, *params) -> list[tuple]:
    con = sqlite3.connect(path)
    try:
        return con.execute(sql, params).fetchall()
    finally:
        con.close()
