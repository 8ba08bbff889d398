"""Every test gets its own ledger file and a pinned "today"; the CLI runs for real (``arcli.cli.main``) in
process, and in a fresh process where start-up matters (``ar_process``)."""

from __future__ import annotations

import datetime as dt
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
    parser.addoption(
        "--engine",
        choices=("both", "sqlite", "postgresql"),
        default=os.environ.get("AR_TEST_ENGINE", "both"),
        help="the ledger engines the tests run on (env AR_TEST_ENGINE; default both: every test that uses a "
        "ledger runs once per engine). PostgreSQL needs a server at AR_TEST_PG_URL (default "
        "postgresql+psycopg://arcli:arcli-test@localhost:5432/arcli); its runs are skipped, with the reason, "
        "where none is reachable",
    )


def _engines(config) -> list[str]:
    chosen = config.getoption("--engine")
    return ["sqlite", "postgresql"] if chosen == "both" else [chosen]


def pytest_generate_tests(metafunc):
    """Every test that uses a ledger runs on each selected engine (ids ``[sqlite]``, ``[postgresql]``)."""
    if "db" in metafunc.fixturenames:
        metafunc.parametrize("db", _engines(metafunc.config), indirect=True)


PG_ADMIN_URL = os.environ.get("AR_TEST_PG_URL", "postgresql+psycopg://arcli:arcli-test@localhost:5432/arcli")


def pytest_configure(config):
    config.addinivalue_line("markers", "sqlite_only(why): the test is about the SQLite file itself")
    config.addinivalue_line("markers", "postgresql_only: the test needs a PostgreSQL server")


def pytest_report_header(config):
    engines = _engines(config)
    if "postgresql" in engines:
        where = pg_server() or f"NOT REACHABLE, its runs are skipped: {_PG['reason']}"
        return f"ledger engines: {', '.join(engines)} (PostgreSQL: {where})"
    return "ledger engines: sqlite"


_PG: dict[str, str | None] = {}


def pg_server() -> str | None:
    """'host:port' of the test server if it answers, else None (the reason is kept for skip messages)."""
    if "where" not in _PG:
        from sqlalchemy.engine import make_url

        url = make_url(PG_ADMIN_URL)
        _PG["where"] = f"{url.host or 'localhost'}:{url.port or 5432}"
        try:
            import psycopg

            with psycopg.connect(pg_dsn(PG_ADMIN_URL), connect_timeout=3):
                pass
            _PG["reason"] = None
        except Exception as exc:  # no driver, no server, no login: the tests say why they are skipped
            _PG["reason"] = f"PostgreSQL not reachable at {_PG['where']}: {str(exc).splitlines()[0]}"
    return None if _PG["reason"] else _PG["where"]


def pg_dsn(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


@dataclass(frozen=True)
class PgLedger:
    """A throw-away database on the test server, standing in for a ledger file."""

    url: str
    name: str

    def __str__(self) -> str:
        return self.url


def create_pg_database(name: str, template: str | None = None) -> PgLedger:
    import psycopg
    from sqlalchemy.engine import make_url

    with psycopg.connect(pg_dsn(PG_ADMIN_URL), autocommit=True) as conn:
        if template:
            try:  # FILE_COPY (PostgreSQL 15+) copies a small template faster than logging every block
                conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}" STRATEGY FILE_COPY')
            except psycopg.errors.SyntaxError:
                conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
        else:
            conn.execute(f'CREATE DATABASE "{name}"')
    url = make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    return PgLedger(url, name)


@pytest.fixture(scope="session")
def pg_template(request):
    """A database with the ledger schema, migrated once; each test's ledger is a copy of it (migrating a new
    database takes seconds, copying one a fraction of that)."""
    if "postgresql" not in _engines(request.config) or pg_server() is None:
        yield None
        return
    from arcli.storage.engine import ensure_schema, open_engine

    template = create_pg_database(f"arcli_t_template_{os.getpid()}")
    engine = open_engine(template.url, create=True)
    ensure_schema(engine)
    engine.dispose()
    yield template.name
    drop_pg_database(template.name)


def drop_pg_database(name: str) -> None:
    import psycopg

    with psycopg.connect(pg_dsn(PG_ADMIN_URL), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _engine_of(request) -> str:
    callspec = getattr(request.node, "callspec", None)
    if callspec is not None and "db" in callspec.params:
        return callspec.params["db"]
    return _engines(request.config)[0]


@pytest.fixture
def engine(request) -> str:
    """The engine this test's ledger lives on ("sqlite" or "postgresql")."""
    return _engine_of(request)


@pytest.fixture(autouse=True)
def _engine_marks(request):
    engine = _engine_of(request)
    why = request.node.get_closest_marker("sqlite_only")
    if why and engine != "sqlite":
        pytest.skip(f"SQLite only: {why.args[0] if why.args else 'about the ledger file'}")
    if request.node.get_closest_marker("postgresql_only"):
        if engine != "postgresql":
            pytest.skip("needs PostgreSQL: runs as the test's [postgresql] case")
        if pg_server() is None:
            if os.environ.get("AR_TEST_REQUIRE_PG"):
                pytest.fail(_PG["reason"])
            pytest.skip(_PG["reason"])


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
    for var in (
        *("AR_DATABASE_URL", "AR_DEBUG", "AR_REP", "AR_CONFIG", "XDG_CONFIG_HOME", "NO_COLOR", "FORCE_COLOR"),
        *("AR_LANG", "AR_UNITS", "LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG", "AR_TEMPLATES"),
    ):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("AR_TODAY", TODAY)
    monkeypatch.setenv("COLUMNS", "160")
    from arcli.i18n import set_language, set_units

    set_language("en")  # as a run without --lang or AR_LANG starts: not whatever the previous test's run chose
    set_units("yuan")


@pytest.fixture
def db(tmp_path, monkeypatch, request, pg_template):
    """The test's ledger: a file (``AR_DB``), or with --engine postgresql a new database (``AR_DATABASE_URL``)."""
    if request.param == "postgresql":
        if pg_server() is None:
            if os.environ.get("AR_TEST_REQUIRE_PG"):  # CI starts a server: not reaching it is a failure
                pytest.fail(_PG["reason"])
            pytest.skip(_PG["reason"])
        import uuid

        ledger = create_pg_database(f"arcli_t_{uuid.uuid4().hex[:12]}", template=pg_template)
        monkeypatch.delenv("AR_DB", raising=False)
        monkeypatch.setenv("AR_DATABASE_URL", ledger.url)
        yield ledger
        drop_pg_database(ledger.name)
        return
    path = tmp_path / "ledger.db"
    monkeypatch.setenv("AR_DB", str(path))
    yield path


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


def ledger_env(db) -> dict[str, str]:
    """The environment that points a fresh `ar` process at the test's ledger, on either engine."""
    if isinstance(db, PgLedger):
        return {"AR_DATABASE_URL": db.url}
    return {"AR_DB": str(db)}


def ar_process(*args: str, env: dict[str, str] | None = None, **kw) -> subprocess.CompletedProcess:
    """Run the installed `ar` console script in a fresh process."""
    full_env = {**os.environ, **(env or {})}
    return subprocess.run([str(AR), *map(str, args)], capture_output=True, text=True, env=full_env, timeout=120, **kw)


def on_a_terminal(*args: str, env: dict[str, str]) -> tuple[int, str, str]:
    """Run `ar ARGS…` in a fresh process whose stderr is a terminal (a pseudo-terminal read here) and stdout a
    pipe: (exit code, stdout, what the terminal showed)."""
    import pty
    import select

    master, slave = pty.openpty()
    p = subprocess.Popen(
        [str(AR), *args], stdout=subprocess.PIPE, stderr=slave, env={**os.environ, **env, "COLUMNS": "120"}
    )
    os.close(slave)
    shown = b""
    while True:
        ready, _, _ = select.select([master], [], [], 0.2)
        if ready:
            try:
                chunk = os.read(master, 65536)
            except OSError:  # the process closed the terminal
                break
            if not chunk:
                break
            shown += chunk
        elif p.poll() is not None:
            break
    os.close(master)
    out = p.stdout.read().decode()
    p.stdout.close()
    return p.wait(timeout=60), out, shown.decode(errors="replace")


def dump(path) -> list[str]:
    """Every row of every table: two dumps are equal only if nothing was written."""
    if isinstance(path, PgLedger):
        import psycopg

        with psycopg.connect(pg_dsn(path.url)) as conn:
            tables = [
                r[0]
                for r in conn.execute(
                    "select tablename from pg_tables where schemaname = 'public' order by tablename"
                ).fetchall()
            ]
            out = []
            for t in tables:
                out += [f"{t}: {r!r}" for r in conn.execute(f'select * from "{t}" order by 1').fetchall()]
            return out
    if not path.exists():
        return []
    con = sqlite3.connect(path)
    try:
        return list(con.iterdump())
    finally:
        con.close()


def rows(path, sql: str, *params) -> list[tuple]:
    """A query on the ledger (SQLite's ``?`` placeholders work on both engines)."""
    if isinstance(path, PgLedger):
        import psycopg

        with psycopg.connect(pg_dsn(path.url)) as conn:
            found = conn.execute(sql.replace("?", "%s"), params).fetchall() if params else conn.execute(sql).fetchall()
        # as SQLite gives them: dates as ISO text
        return [tuple(v.isoformat() if type(v) is dt.date else v for v in r) for r in found]
    con = sqlite3.connect(path)
    try:
        return con.execute(sql, params).fetchall()
    finally:
        con.close()
