"""The `ar` command: global options, the one place the clock is read, and the one error boundary.

Start-up pays only for what the command line uses: the root knows each command's module and summary
(:data:`COMMANDS`), imports a command's module when that command runs, and prints `ar --help` from the summaries;
command modules import their services inside the command body, so no help text loads the ORM. Help is click's
plain format (Rich's help formatter costs more to import than all of typer).
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
from typer.core import TyperGroup

from arcli import __version__
from arcli.domain.errors import ArError, Retry

#: Every top-level command: the module of ``arcli.cli.commands`` that defines it, and the summary `ar --help`
#: shows (the first paragraph of its help; tests/test_startup.py checks they agree).
COMMANDS: dict[str, tuple[str, str]] = {
    "init": ("admin", "Create the ledger (or upgrade an older one) and say where it is."),
    "demo": ("admin", "Build a sample ledger in a fresh file and show what the rep must chase."),
    "check": ("admin", "Verify the ledger's invariants; one line per fault, exit 1 if any."),
    "history": (
        "admin",
        "The audit trail of one customer: every record written, when, by which command and which rep.",
    ),
    "backup": (
        "admin",
        "Copy the ledger to FILE: a consistent snapshot even while others write (SQLite's backup API).",
    ),
    "restore": (
        "admin",
        "Replace the ledger with a backup, after checking it (integrity, schema, every invariant of `ar check`).",
    ),
    "due": ("collections", "Who to chase today, in what order, and why."),
    "remind": (
        "collections",
        "Draft a ready-to-send reminder (SMS, WeChat or email text) in the tone of the escalation level.",
    ),
    "writeoff": (
        "entries",
        "Write off bad debt (呆账/坏账) on named items: it leaves the aging, and is never counted as collected.",
    ),
    "void": (
        "entries",
        "Void a delivery, payment or write-off with a reversal entry; the original stays in the history.",
    ),
    "balance": (
        "reports",
        "What each customer owes: open, overdue, not yet due, on-account credit; most overdue first.",
    ),
    "ledger": (
        "reports",
        "A customer's statement (对账单): opening balance, every entry with a running balance, open items.",
    ),
    "import": (
        "transfer",
        "Import a file: all of it or none of it, idempotent by ref, with a report of every bad row.",
    ),
    "promise": ("collections", "Promises to pay: record them after each call, and see which were kept."),
    "log": (
        "collections",
        "The contact log: `ar log CUSTOMER CHANNEL [--note N] [--outcome O] [--next DATE]`, `ar log list`.",
    ),
    "dispute": ("collections", "Disputes and excuses: recorded, answered in writing, never a reason to stop."),
    "config": ("collections", "The collection policy: grace days, keep threshold, escalation ladder, cadence."),
    "customer": ("customer", "Customers: who you sell to, on what terms."),
    "sale": ("entries", "Sales: contracts or orders, with the terms agreed before the deal."),
    "delivery": ("entries", "Deliveries: each makes money due by its terms."),
    "payment": ("entries", "Payments: applied oldest due first, or to the items you name."),
    "report": ("report", "Month-end reports, exact as of any date."),
    "plan": ("report", "Monthly collection plans: a target per customer and month."),
    "export": ("transfer", "Export the ledger in the canonical import format."),
}


class LazyGroup(TyperGroup):
    """The root command: a command's module is imported, and its click command built, when it is used."""

    def list_commands(self, ctx) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx, cmd_name: str):
        if cmd_name not in self.commands and cmd_name in COMMANDS:
            built = load_command(cmd_name)
            if built is not None:
                self.commands[cmd_name] = built
        return self.commands.get(cmd_name)

    def format_commands(self, ctx, formatter) -> None:
        with formatter.section("Commands"):
            formatter.write_dl([(name, summary) for name, (_, summary) in COMMANDS.items()])


def load_command(name: str):
    """Import the module that defines ``name`` (it registers itself on :data:`app`) and build its command."""
    import importlib

    importlib.import_module(f"arcli.cli.commands.{COMMANDS[name][0]}")
    for info in app.registered_commands:
        if info.name == name:
            return typer.main.get_command_from_info(
                info, pretty_exceptions_short=app.pretty_exceptions_short, rich_markup_mode=app.rich_markup_mode
            )
    for group in app.registered_groups:
        if group.name == name:
            return typer.main.get_group_from_info(
                group,
                pretty_exceptions_short=app.pretty_exceptions_short,
                rich_markup_mode=app.rich_markup_mode,
                suggest_commands=app.suggest_commands,
            )
    return None


app = typer.Typer(
    name="ar",
    help=(
        "arcli: a receivables ledger and daily coach for field sales reps.\n\n"
        "A sale is finished only when the money is in. Record customers, deliveries (which make money due "
        "by their payment terms) and payments (applied oldest due first), then see who owes what: "
        "`ar balance`, `ar ledger CUSTOMER`. Try `ar demo` for a sample ledger."
    ),
    cls=LazyGroup,
    rich_markup_mode=None,
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
