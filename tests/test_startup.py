"""Start-up pays only for what the command line uses (issue 6: `ar --help` and `ar --version` cost about what
`import typer` does). Times are for benchmarks/bench.py; these tests check the imports that decide them."""

import subprocess
import sys

import typer

from arcli.cli import app
from arcli.cli.main import COMMANDS


def modules_after(*argvs: list[str]) -> set[str]:
    code = (
        "import sys\nfrom arcli.cli import main\n"
        + "".join(f"main({argv!r})\n" for argv in argvs)
        + "sys.stderr.write(repr(sorted(sys.modules)))\n"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    return set(eval(r.stderr.strip().splitlines()[-1]))


def test_help_and_version_import_no_command_module_nor_rich_nor_the_database():
    loaded = modules_after(["--help"], ["--version"], [])
    heavy = {m for m in loaded if m.split(".")[0] in ("rich", "sqlalchemy", "sqlmodel", "alembic", "openpyxl")}
    commands = {m for m in loaded if m.startswith(("arcli.cli.commands", "arcli.services", "arcli.storage"))}
    assert heavy == set() and commands == set()


def test_a_command_loads_its_own_module_only():
    loaded = modules_after(["promise", "--help"])
    assert "arcli.cli.commands.collections" in loaded
    assert not {"arcli.cli.commands.report", "arcli.cli.commands.transfer", "arcli.cli.commands.admin"} & loaded
    assert "sqlalchemy" not in loaded


def test_every_command_is_listed_with_its_own_summary():
    from arcli.cli.commands import load_all

    load_all()  # registers every command on the app

    registered = {c.name: c.callback.__module__ for c in app.registered_commands}
    for g in app.registered_groups:
        sub = g.typer_instance
        registered[g.name] = (sub.registered_commands[0].callback or sub.registered_callback.callback).__module__
    assert set(registered) == set(COMMANDS)
    assert {n: m.rsplit(".", 1)[1] for n, m in registered.items()} == {n: m for n, (m, _) in COMMANDS.items()}
    group = typer.main.get_command(app)
    for name, (_, summary) in COMMANDS.items():
        first = " ".join(group.get_command(None, name).help.split("\n\n")[0].split())
        assert first == summary, name


def test_help_lists_every_command(capsys):
    from arcli.cli import main

    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    assert all(f"\n  {name} " in out for name in COMMANDS)
    assert main(["nosuch"]) == 2
    assert "No such command 'nosuch'" in capsys.readouterr().err


def test_a_command_with_options_does_not_import_pydantic(tmp_path):
    """typer 0.29 coerces every option through a pydantic TypeAdapter, which costs each command about 0.15 s
    of imports and adapters (docs/performance.md); arcli's options need only click's types, and arcli itself
    has no pydantic model, so no command should load it (the reason for `typer<0.29` in pyproject.toml)."""
    db = str(tmp_path / "l.db")
    loaded = modules_after(
        ["--db", db, "init"],
        ["--db", db, "--as-of", "2026-11-23", "customer", "add", "Acme", "--terms", "net 30"],
        ["--db", db, "--as-of", "2026-11-23", "report", "aging", "--limit", "5", "--basis", "due"],
        ["--db", db, "due", "--within", "3", "--format", "json"],
    )
    assert "arcli.services.aging" in loaded and "arcli.services.collections" in loaded  # the commands ran
    assert not {m for m in loaded if m.split(".")[0] in ("pydantic", "pydantic_core", "sqlmodel")}


def test_a_command_on_a_sqlite_ledger_loads_neither_postgresql_nor_the_migrations(tmp_path):
    """Loading SQLAlchemy's PostgreSQL dialect costs about 40 ms: a table or index declared with a dialect
    option (``postgresql_where=``) loads it at import; a ledger file already at the current schema needs no
    migration tooling either."""
    db = str(tmp_path / "l.db")
    modules_after(["--db", db, "init"])
    loaded = modules_after(["--db", db, "--as-of", "2026-11-23", "due", "today"])
    assert "arcli.services.collections" in loaded and "sqlalchemy.dialects.sqlite" in loaded  # it ran on SQLite
    assert not {m for m in loaded if m.startswith(("sqlalchemy.dialects.postgresql", "alembic", "psycopg"))}
