"""The `ar` command: global options, the one place the clock is read, and the one error boundary.

Command modules import their services inside the command body, so `ar --help` never loads the ORM.
"""

from __future__ import annotations

import datetime as dt
import getpass
import os
import sys
import time
from dataclasses import dataclass
from typing import Annotated

import typer

from arcli import __version__
from arcli.domain.errors import ArError, Retry

app = typer.Typer(
    name="ar",
    help=(
        "arcli: a receivables ledger and daily coach for field sales reps.\n\n"
        "A sale is finished only when the money is in. Record customers, deliveries (which make money due "
        "by their payment terms) and payments (applied oldest due first), then see who owes what: "
        "`ar balance`, `ar ledger CUSTOMER`. Try `ar demo` for a sample ledger."
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


@dataclass(frozen=True)
class Globals:
    db: str | None
    database_url: str | None
    today: dt.date
    now: dt.datetime
    actor: str | None


def _version(value: bool) -> None:
    if value:
        sys.stdout.write(f"arcli {__version__}\n")
        raise typer.Exit()


@app.callback()
def root(
    ctx: typer.Context,
    db: Annotated[
        str | None,
        typer.Option(
            "--db", envvar="AR_DB", metavar="PATH", help="The ledger file (SQLite). Default: the user data directory."
        ),
    ] = None,
    database_url: Annotated[
        str | None,
        typer.Option(
            "--database-url",
            envvar="AR_DATABASE_URL",
            metavar="URL",
            show_envvar=False,
            help="A ledger on a database server, e.g. postgresql+psycopg://wang@db.example/ar (team mode; keep "
            "the password in ~/.pgpass). Env: AR_DATABASE_URL.",
        ),
    ] = None,
    as_of: Annotated[
        str | None,
        typer.Option(
            "--as-of",
            envvar="AR_TODAY",
            metavar="DATE",
            help="Run as if today were DATE (any date form, e.g. 2026-11-23, yesterday, -1m). Env: AR_TODAY.",
        ),
    ] = None,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version and exit.")
    ] = False,
) -> None:
    from arcli.domain.dates import parse_date

    local = dt.datetime.now().astimezone()  # the only read of the clock in arcli
    today = local.date()
    now = local.astimezone(dt.UTC)  # audit timestamps are stored in UTC
    if as_of:
        today = parse_date(as_of, today)
    from arcli.services.userconfig import load

    conf = load()
    if database_url and db and _source(ctx, "database_url") == "COMMANDLINE" != _source(ctx, "db"):
        db = None  # --database-url given on the command line beats AR_DB from the environment
    if not db and not database_url:
        db, database_url = conf.db, conf.database_url
    actor = os.environ.get("AR_REP") or conf.rep or _login()
    ctx.obj = Globals(db=db, database_url=database_url, today=today, now=now, actor=actor)


def _source(ctx: typer.Context, name: str) -> str:
    source = ctx.get_parameter_source(name)
    return getattr(source, "name", "")


def _login() -> str | None:
    try:
        return getpass.getuser()
    except Exception:  # no user name in a container: not worth failing for
        return None


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


_COMMAND: list[typer.core.TyperGroup] = []


def _command():
    """The click command tree, built from the Typer app once per process (building it reads every command's
    signature: tens of milliseconds that a second in-process call need not pay again)."""
    if not _COMMAND:
        _COMMAND.append(typer.main.get_command(app))
    return _COMMAND[0]


RETRIES = 5


def main(argv: list[str] | None = None) -> int:
    """Run `ar` with ``argv``; return the exit code. Errors become one line on stderr."""
    from arcli.cli import commands  # noqa: F401  (registers the commands on `app`)

    if argv is not None and any("\x00" in a for a in argv):  # execve cannot pass these; a caller in-process can
        sys.stderr.write("error: an argument contains a NUL byte\n")
        return 2
    try:
        for attempt in range(RETRIES):
            try:
                rv = _command().main(args=argv, prog_name="ar", standalone_mode=False)
                return rv if isinstance(rv, int) else 0
            except Retry:  # nothing was written: run the whole command again, a little later each time
                if attempt == RETRIES - 1:
                    raise
                time.sleep(0.05 * 2**attempt)
        return 1  # not reached
    except ArError as e:
        sys.stderr.write(f"error: {_one_line(str(e))}\n")
        return e.exit_code
    except KeyboardInterrupt:
        sys.stderr.write("error: interrupted\n")
        return 130
    except BrokenPipeError:
        return 1
    except Exception as e:
        # Typer raises click's exceptions, or (typer >= 0.29) those of its vendored copy of click: tell them
        # apart by class name so both work.
        kinds = {c.__name__ for c in type(e).__mro__}
        if "Exit" in kinds:
            return int(getattr(e, "exit_code", 0) or 0)
        if "Abort" in kinds:
            sys.stderr.write("error: interrupted\n")
            return 130
        if "UsageError" in kinds:
            ctx = getattr(e, "ctx", None)
            hint = f" (see `{ctx.command_path} --help`)" if ctx is not None else ""
            sys.stderr.write(f"error: {_one_line(e.format_message())}{hint}\n")
            return 2
        if "ClickException" in kinds or "TyperException" in kinds:
            sys.stderr.write(f"error: {_one_line(e.format_message())}\n")
            return 1
        if os.environ.get("AR_DEBUG"):
            raise
        sys.stderr.write(
            f"error: internal error, a bug in arcli ({type(e).__name__}: {_one_line(str(e))[:200]}); "
            "run again with AR_DEBUG=1 for the traceback\n"
        )
        return 1


def run() -> None:
    code = main()
    sys.stdout.flush()
    sys.exit(code)
