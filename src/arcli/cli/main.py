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
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from arcli import __version__
from arcli.domain.errors import ArError, Retry
from arcli.i18n import N_, UNITS, UnknownLanguage, _, detect, language, set_language, set_units

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
            formatter.write_dl([(name, _(summary)) for name, (_module, summary) in COMMANDS.items()])


def load_command(name: str):
    """Import the module that defines ``name`` (it registers itself on :data:`app`) and build its command."""
    import importlib

    importlib.import_module(f"arcli.cli.commands.{COMMANDS[name][0]}")
    for info in app.registered_commands:
        if info.name == name:
            return translate(
                typer.main.get_command_from_info(
                    info, pretty_exceptions_short=app.pretty_exceptions_short, rich_markup_mode=app.rich_markup_mode
                )
            )
    for group in app.registered_groups:
        if group.name == name:
            return translate(
                typer.main.get_group_from_info(
                    group,
                    pretty_exceptions_short=app.pretty_exceptions_short,
                    rich_markup_mode=app.rich_markup_mode,
                    suggest_commands=app.suggest_commands,
                )
            )
    return None


def help_texts(command) -> list[str]:
    """Every help text, summary and metavar a command (and its subcommands, loaded) shows: the catalog's
    msgids for help (tests/test_i18n.py checks each has its Chinese)."""
    out = [t for t in (command.help, command.short_help, command.epilog) if t]
    for p in command.params:
        out += [t for t in (getattr(p, "help", None), p.metavar) if t]
    for sub in getattr(command, "commands", {}).values():
        out += help_texts(sub)
    return out


def translate(command):
    """The click command, its parameters and subcommands, with their help in the language of this run (each
    language builds its own tree: see :func:`_command`)."""
    if language() == "en":
        return command
    for attr in ("help", "short_help", "epilog"):
        if getattr(command, attr, None):
            setattr(command, attr, _(getattr(command, attr)))
    for p in command.params:
        if getattr(p, "help", None):
            p.help = _(p.help)
        if p.metavar:
            p.metavar = _(p.metavar)
    for sub in getattr(command, "commands", {}).values():
        translate(sub)
    return command


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
    lang: Annotated[
        str | None,
        typer.Option(
            "--lang",
            metavar="zh|en",
            help="Language of the output: zh (中文) or en. Default: AR_LANG, else the locale (LANG=zh_CN.UTF-8), "
            "else en.",
        ),
    ] = None,
    units: Annotated[
        str,
        typer.Option(
            "--units",
            envvar="AR_UNITS",
            metavar="yuan|wan",
            help="Amounts for people in yuan (152,300.00) or wan (15.23万); JSON and CSV are always exact. "
            "Env: AR_UNITS.",
        ),
    ] = "yuan",
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version and exit.")
    ] = False,
) -> None:
    from arcli.domain.dates import parse_date

    if units not in UNITS:
        raise ArError(_("--units: {value!r} is not yuan or wan").format(value=units))
    set_units(units)
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


_COMMAND: dict[str, typer.core.TyperGroup] = {}


def _command():
    """The click command tree in the language of this run, built from the Typer app once per process and
    language (building it reads every command's signature: tens of milliseconds that a second in-process call
    need not pay again)."""
    lang = language()
    if lang not in _COMMAND:
        _COMMAND[lang] = translate(typer.main.get_command(app))
        _localize_click(_COMMAND[lang])
    return _COMMAND[lang]


def _localize_click(root) -> None:
    """Click's own words (Usage, Options, default: …) through arcli's catalog: typer's gettext calls, and a
    help formatter that translates section titles and the usage line."""
    import typer.core

    if getattr(typer.core, "_", None) is not _:
        typer.core._ = _  # typer.core calls gettext's _() for "default: {default}", "required", …
    base = root.context_class.formatter_class
    if getattr(base, "arcli", False):
        return

    class Formatter(base):
        """Click's help formatter, translated, and measuring Chinese as two cells a character (click counts
        characters, which misaligns and overfills lines of CJK text)."""

        arcli = True

        def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
            args = args.replace("[OPTIONS]", _("[OPTIONS]")).replace("COMMAND [ARGS]...", _("COMMAND [ARGS]..."))
            super().write_usage(prog, args, _("Usage: ") if prefix is None else prefix)

        def section(self, name: str):
            return super().section(_(name))

        def write_heading(self, heading: str) -> None:
            colon = "：" if language() == "zh" else ":"
            self.write(f"{'':>{self.current_indent}}{heading}{colon}\n")

        def write_text(self, text: str) -> None:
            if not _wide(text):
                return super().write_text(text)
            indent = " " * self.current_indent
            paragraphs = [" ".join(p.split("\n")) for p in text.split("\n\n")]
            width = max(self.width - self.current_indent, 20)
            self.write("\n\n".join("\n".join(indent + line for line in _wrap(p, width)) for p in paragraphs))
            self.write("\n")

        def write_dl(self, rows, col_max: int = 30, col_spacing: int = 2) -> None:
            rows = [(first, _(second) if second else second) for first, second in rows]
            if not any(_wide(first) or _wide(second) for first, second in rows):
                return super().write_dl(rows, col_max, col_spacing)
            first_col = min(max((_cells(first) for first, _second in rows), default=0), col_max) + col_spacing
            for first, second in rows:
                self.write(f"{'':>{self.current_indent}}{first}")
                if not second:
                    self.write("\n")
                    continue
                if _cells(first) <= first_col - col_spacing:
                    self.write(" " * (first_col - _cells(first)))
                else:
                    self.write("\n" + " " * (first_col + self.current_indent))
                lines = _wrap(second, max(self.width - first_col - self.current_indent - 2, 10))
                pad = " " * (first_col + self.current_indent)
                self.write("\n".join([lines[0], *(pad + line for line in lines[1:])]) + "\n")

    root.context_class.formatter_class = Formatter


_NO_LINE_START = set("，。；：、）》」』！？,.;:!?)]")
_NO_LINE_END = set("（《「『([")


def _cell(ch: str) -> int:
    """Cells a character takes (rich.cells.cell_len says the same, but `ar --help` must not import Rich)."""
    import unicodedata

    return 2 if unicodedata.east_asian_width(ch) in "WF" else 0 if unicodedata.combining(ch) else 1


def _cells(text: str) -> int:
    return sum(_cell(ch) for ch in text)


def _wide(text: str) -> bool:
    return any(_cell(ch) == 2 for ch in text)


def _wrap(text: str, width: int) -> list[str]:
    """Lines of at most ``width`` cells: breaks at spaces and between Chinese characters, never before closing
    punctuation."""
    import re

    lines: list[str] = []
    line = ""
    for token in re.findall(r"\s+|[\x21-\x7e]+|.", text):
        if token.isspace():
            line += " " if line else ""
            continue
        breakable = token[0] not in _NO_LINE_START and line.rstrip()[-1:] not in _NO_LINE_END
        if line and _cells(line.rstrip() + token) > width and breakable:
            lines.append(line.rstrip())
            line = token
        else:
            line += token
    lines.append(line.rstrip())
    return lines or [""]


def _language(argv: list[str]) -> str:
    """The language, decided before the command line is parsed (help and parse errors speak it too): the last
    `--lang X` or `--lang=X` before a lone `--`, else AR_LANG, else the locale."""
    chosen = None
    for i, a in enumerate(argv):
        if a == "--":
            break
        if a == "--lang" and i + 1 < len(argv):
            chosen = argv[i + 1]
        elif a.startswith("--lang="):
            chosen = a.split("=", 1)[1]
    return detect(chosen)


RETRIES = 5


def _error(message: str) -> None:
    sys.stderr.write(_("error: {message}").format(message=_one_line(message)) + "\n")


#: Click's usage errors, recognised by their English text (typer's vendored click has no catalog of its own) and
#: said again through arcli's: (pattern, msgid with the pattern's groups as {0}, {1}).
_CLICK_ERRORS = [
    (r"No such option: (\S+) Did you mean (.+)\?", N_("No such option: {0} (did you mean {1}?)")),
    (r"No such option: (\S+) \(Possible options: (.+)\)", N_("No such option: {0} (did you mean {1}?)")),
    (r"No such option: (\S+)", N_("No such option: {0}")),
    (r"No such command '(.+)'\.", N_("No such command: {0}")),
    (r"Missing command\.", N_("Missing command.")),
    (r"Missing argument '(.+)'\.(?: .*)?", N_("Missing argument {0}.")),
    (r"Missing option '(.+)'\.(?: .*)?", N_("Missing option {0}.")),
    (r"Missing parameter: (.+)", N_("Missing argument {0}.")),
    (r"Option '(.+)' requires an argument\.", N_("Option {0} needs a value.")),
    (r"Option '(.+)' requires (\d+) arguments\.", N_("Option {0} needs {1} values.")),
    (r"Option '(.+)' does not take a value\.", N_("Option {0} does not take a value.")),
    (r"Got unexpected extra arguments? \((.+)\)", N_("Unexpected extra arguments: {0}")),
    (r"Invalid value for (.+?): '(.+)' is not a valid integer\.", N_("{0}: {1!r} is not a whole number.")),
    (r"Invalid value for (.+?): '.+' is not a valid int range\.", N_("{0}: not a whole number.")),
    (r"Invalid value for (.+?): \S+ is not in the range x>=(\S+)\.", N_("{0}: must be {1} or more.")),
    (r"Invalid value for (.+?): \S+ is not in the range x<=(\S+)\.", N_("{0}: must be {1} or less.")),
    (r"Invalid value for (.+?): Input should be a valid integer.*", N_("{0}: not a whole number.")),
    (r"Invalid value for (.+?): Input should be greater than or equal to (\S+)", N_("{0}: must be {1} or more.")),
    (r"Invalid value for (.+?): Input should be less than or equal to (\S+)", N_("{0}: must be {1} or less.")),
    (r"Invalid value for (.+?): Value error, '(.+)' is not one of (.+)\.", N_("{0}: {1!r} is not one of {2}.")),
    (r"Invalid value for (.+?): (\S+) is not in the range (.+)\.", N_("{0}: {1} is not in the range {2}.")),
    (r"Invalid value for (.+?): '(.+)' is not one of (.+)\.", N_("{0}: {1!r} is not one of {2}.")),
    (r"Invalid value for (.+?): (.+)", N_("Invalid value for {0}: {1}")),
]


#: Arguments that start with "-" and so read to click as unknown options: what each is, and what to say
_DASHED = (
    (
        r"-[¥￥]?[0-9０-９][0-9０-９,，.．]*(万|元)?",  # `ar payment add ACME -500`
        N_("{value}: amounts are never negative; to take a record back, void it (`ar void KIND REF --reason …`)"),
    ),
    (r"(?i)-\d+[dwmy]", N_("{value} reads as an option: put `--` before it to give it as a date (`-- {value}`)")),
)


def _dashed_argument(e: Exception, argv: list[str]) -> str | None:
    """`ar payment add ACME -500` reads to click as an unknown option "-5" (then "0"…), as does `ar due -1d`:
    say what is wrong instead of "No such option"."""
    import re

    name = getattr(e, "option_name", None)
    if type(e).__name__ != "NoSuchOption" or not isinstance(name, str):
        return None
    for pattern, msgid in _DASHED:
        given = next((a for a in argv if a.startswith(name) and re.fullmatch(pattern, a)), None)
        if given is not None:
            return _(msgid).format(value=given)
    return None


def _misplaced_command(e: Exception, ctx: Any) -> str | None:
    """`ar payment void P3` or `ar customer due`: a command of its own given under a group. Say where it is."""
    import re

    m = re.fullmatch(r"No such command '(.+)'\.", _one_line(e.format_message()))
    if m is None or ctx is None or ctx.parent is None:
        return None
    name, root = m.group(1), ctx.find_root()
    if name not in root.command.list_commands(root):
        return None
    if name == "void" and ctx.info_name in ("delivery", "payment", "writeoff"):
        return _("to void a {kind}: `ar void {kind} REF --reason …`").format(kind=ctx.info_name)
    return _("`ar {name}` is a command of its own (see `ar {name} --help`)").format(name=name)


def _usage_message(e: Exception) -> str:
    import re

    text = _one_line(e.format_message())
    if language() == "en":
        return text
    for pattern, msgid in _CLICK_ERRORS:
        m = re.fullmatch(pattern, text)
        if m:
            return _(msgid).format(*m.groups())
    return text


def main(argv: list[str] | None = None) -> int:
    """Run `ar` with ``argv``; return the exit code. Errors become one line on stderr, in the run's language."""
    if argv is not None and any("\x00" in a for a in argv):  # execve cannot pass these; a caller in-process can
        sys.stderr.write("error: an argument contains a NUL byte\n")
        return 2
    try:
        set_language(_language(sys.argv[1:] if argv is None else argv))
    except UnknownLanguage as e:
        set_language("en")
        _error(f"unknown language {str(e)!r}: use zh or en (--lang or AR_LANG)")
        return 2
    set_units("yuan")
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
        _error(str(e))
        return e.exit_code
    except KeyboardInterrupt:
        _error(_("interrupted"))
        return 130
    except BrokenPipeError:
        return 1
    except OSError as e:
        # The system refused a file arcli was told to use (a name too long, a read-only disk, no room left):
        # the user's environment, not a bug, so one line naming the file.
        target = e.filename if e.filename is not None else _("a file")
        _error(_("cannot use {path}: {reason}").format(path=target, reason=e.strerror or type(e).__name__))
        return 1
    except Exception as e:
        # Typer raises click's exceptions, or (typer >= 0.29) those of its vendored copy of click: tell them
        # apart by class name so both work.
        kinds = {c.__name__ for c in type(e).__mro__}
        if "Exit" in kinds:
            return int(getattr(e, "exit_code", 0) or 0)
        if "Abort" in kinds:
            _error(_("interrupted"))
            return 130
        if "UsageError" in kinds:
            ctx = getattr(e, "ctx", None)
            hint = _(" (see `{command} --help`)").format(command=ctx.command_path) if ctx is not None else ""
            said = _dashed_argument(e, sys.argv[1:] if argv is None else argv) or _misplaced_command(e, ctx)
            _error(said if said is not None else _usage_message(e) + hint)
            return 2
        if "ClickException" in kinds or "TyperException" in kinds:
            _error(_usage_message(e))
            return 1
        if os.environ.get("AR_DEBUG"):
            raise
        _error(
            _("internal error, a bug in arcli ({kind}: {detail}); run again with AR_DEBUG=1 for the traceback").format(
                kind=type(e).__name__, detail=_one_line(str(e))[:200]
            )
        )
        return 1


def run() -> None:
    code = main()
    sys.stdout.flush()
    sys.exit(code)
