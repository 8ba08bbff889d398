"""Options shared by several commands, and the bridge from the CLI's globals to a service Context."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import typer

from arcli.cli import render
from arcli.cli.render import Format
from arcli.domain.dates import parse_date
from arcli.domain.errors import InputError
from arcli.domain.money import parse_amount
from arcli.i18n import N_, _

RepFilterOpt = Annotated[str | None, typer.Option("--rep", metavar="REP", help="Only this rep's customers.")]
FormatOpt = Annotated[Format, typer.Option("--format", "-f", help="Output: table for people, json or csv for scripts.")]
AsOfOpt = Annotated[
    str | None,
    typer.Option("--as-of", metavar="DATE", help="Report as of DATE (exact history: later entries are ignored)."),
]
DateOpt = Annotated[str | None, typer.Option("--date", metavar="DATE", help="Entry date (default: today).")]
RefOpt = Annotated[
    str | None,
    typer.Option("--ref", metavar="REF", help="Your reference; also an idempotency key (same ref again = no-op)."),
]
NoteOpt = Annotated[str | None, typer.Option("--note", metavar="TEXT", help="A free-text note.")]
#: Rows of a long table for people unless --limit says otherwise (JSON, CSV and xlsx carry every row): Rich
#: draws under two thousand rows a second, and a table of thousands is read by no one (`render.first_rows`).
TABLE_ROWS = 50
RowsOpt = Annotated[
    int, typer.Option("--limit", min=0, help="Table rows to show (0: all). JSON, CSV and xlsx: every row.")
]


def context(ctx: typer.Context, command: str = "", *, as_of: str | None = None):
    """The service Context for this run: ledger URL, today (a local --as-of wins), wall clock, actor."""
    from arcli.services.context import Context

    g = ctx.find_root().obj
    today = day(as_of, ctx, "--as-of") if as_of else g.today
    return Context.create(
        g.db, g.database_url, today=today, now=g.now, command=command, actor=g.actor, notice=render.note
    )


def code_of(vocabulary: str, text: str, what: str) -> str:
    """A code typed in English or Chinese (`电话` → call); an unknown word is one line naming the accepted ones."""
    from arcli.i18n import VOCABULARIES, parse_code, words_for

    found = parse_code(vocabulary, text)
    if found is None:
        accepted = ", ".join("/".join(words_for(vocabulary, c)[:2]) for c in VOCABULARIES[vocabulary])
        raise InputError(
            _("{what}: {value!r} is not one of {accepted}").format(what=_(what), value=text, accepted=accepted)
        )
    return found


def amount(text: str, what: str = N_("amount"), **kw) -> int:
    try:
        return parse_amount(text, **kw)
    except InputError as e:
        raise InputError(f"{_(what)}: {e}") from None


def day(text: str | None, ctx: typer.Context, what: str = "--date") -> dt.date | None:
    if text is None:
        return None
    try:
        return parse_date(text, ctx.find_root().obj.today)
    except InputError as e:
        raise InputError(f"{_(what)}: {e}") from None


XlsxOpt = Annotated[
    str | None, typer.Option("--xlsx", metavar="FILE", help="Also write a formatted Excel workbook to FILE.")
]
ForceOpt = Annotated[bool, typer.Option("--force", help="Replace the --xlsx file if it exists.")]
