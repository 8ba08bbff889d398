"""One report value, three renderings: a Rich table for people, JSON and CSV for scripts.

JSON amounts are strings with two decimals ("152300.00") and dates are ISO; tables group thousands and
right-align amounts. Tables and workbooks are for people: headers and codes (statuses, channels, reasons) in
the run's language, amounts in its units (``--units wan``); JSON and CSV keep English keys and codes and exact
amounts for scripts. Colour follows Rich: off when stdout is not a terminal or when NO_COLOR is set. User
text is never read as Rich markup. CSV text cells that a spreadsheet would run as a formula (= + - @ first)
get a leading apostrophe.
"""

from __future__ import annotations

import csv
import datetime as dt
import enum
import json
import os
import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from rich import box
from rich.cells import cell_len
from rich.console import Console
from rich.measure import Measurement
from rich.table import Table
from rich.text import Text

from arcli.domain.importing import FORMULA_STARTS, formula_safe
from arcli.domain.money import format_amount
from arcli.domain.terms import describe_terms
from arcli.i18n import _, code, money, pgettext


class Format(enum.StrEnum):
    table = "table"
    json = "json"
    csv = "csv"


@dataclass(frozen=True)
class Col:
    key: str
    header: str  # an English msgid: shown translated
    kind: str = "text"  # text | money | date | int | num (a number already formatted, e.g. a rate)
    vocab: str | None = None  # the values are codes of this vocabulary (arcli.i18n.VOCABULARIES): shown translated
    context: str | None = None  # gettext context of the header, where one English word has two Chinese ones

    @property
    def title(self) -> str:
        """The header in the run's language."""
        return pgettext(self.context, self.header) if self.context else _(self.header)


def console() -> Console:
    """A console on stdout; when piped, wide enough not to wrap rows (COLUMNS overrides)."""
    out = Console(highlight=False, soft_wrap=False)
    if not out.is_terminal:
        out = Console(highlight=False, width=int(os.environ.get("COLUMNS") or 160))
    return out


#: A text column wraps to no fewer cells than this when the table must narrow to fit the terminal, nor splits a
#: word (a name, a status) of up to WORD_MAX cells; a longer one is folded (a CJK note without spaces, a URL)
TEXT_MIN = 12
WORD_MAX = 24


def print_table(t: Table) -> None:
    """Print a table; if even its narrowest layout does not fit, print it at that width (the terminal wraps the
    lines) rather than let Rich cut amounts short."""
    out = console()
    widest = getattr(t, "arcli_widest", None)
    fixed = getattr(t, "arcli_fixed", None)
    if widest is not None and widest <= out.width:
        # every cell fits at its widest: each column is as wide as its widest cell, which Rich would find by
        # measuring every cell (twice); told the widths, it measures none
        for column, width in zip(t.columns, fixed, strict=True):
            column.width = width
        out.print(t)
        return
    narrowest = getattr(t, "arcli_narrowest", None)
    if narrowest is not None and narrowest <= out.width:
        # it fits with its text wrapped: numbers and dates keep their widths (told, not measured); Rich shares
        # out the rest among the text columns (measuring it here first would cost as much again)
        for column, width in zip(t.columns, fixed, strict=True):
            if column.no_wrap:
                column.width = width
        out.print(t)
        return
    need = Measurement.get(out, out.options.update_width(10_000), t).minimum
    if need > out.width:
        out = Console(highlight=False, width=need)
    out.print(t)


def _plain(value: Any, kind: str) -> Any:
    if value is None:
        return None
    if kind == "money":
        return format_amount(value, grouped=False)
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _cell(value: Any, kind: str, vocab: str | None = None) -> Text:
    if value is None:
        return Text("")
    if kind == "money":
        return Text(money(value), style="red" if value < 0 else "")
    if isinstance(value, dt.date):
        return Text(value.isoformat())
    if vocab == "terms":
        return Text(describe_terms(str(value)))
    if vocab:
        return Text(code(vocab, str(value)))
    return Text(str(value))


def csv_safe_text(value: Any) -> Any:
    """Text a spreadsheet would run as a formula gets a leading apostrophe (`ar import` takes it off again)."""
    if isinstance(value, str):
        return formula_safe(value)
    return "" if value is None else value


def _csv_safe(value: Any, kind: str) -> Any:
    return csv_safe_text(value) if kind == "text" else value


def plain_rows(cols: Sequence[Col], rows: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{c.key: _plain(r.get(c.key), c.kind) for c in cols} for r in rows]


def emit_json(obj: Any) -> None:
    """Pretty JSON on stdout, written piece by piece (json.dumps with an indent builds the whole text from a
    million small strings first: 290 MB for the 48,000 open items of a million-delivery ledger)."""
    pieces: list[str] = []
    for chunk in json.JSONEncoder(ensure_ascii=False, indent=2).iterencode(obj):
        pieces.append(chunk)
        if len(pieces) == 20_000:  # a write per piece would cost more than the encoding
            sys.stdout.write("".join(pieces))
            pieces.clear()
    pieces.append("\n")
    sys.stdout.write("".join(pieces))


def emit_csv(cols: Sequence[Col], rows: Iterable[dict[str, Any]]) -> None:
    w = csv.writer(sys.stdout, lineterminator="\n")
    w.writerow([c.key for c in cols])
    for r in rows:
        w.writerow([_csv_safe(_plain(r.get(c.key), c.kind), c.kind) for c in cols])


def _widest_line(text: Text) -> int:
    """The cells its widest line takes (a cell of several lines is as wide as its widest)."""
    plain = text.plain
    return text.cell_len if "\n" not in plain else max(cell_len(line) for line in plain.split("\n"))


def _longest_word(text: str) -> int:
    return max(map(cell_len, text.split()), default=0)


def table(
    cols: Sequence[Col],
    rows: Iterable[dict[str, Any]],
    *,
    title: str | None = None,
    totals: dict[str, Any] | None = None,
    caption: str | None = None,
) -> Table:
    t = Table(box=box.SIMPLE_HEAD, title=title, caption=caption, title_justify="left", caption_justify="left")
    cells = [[_cell(r.get(c.key), c.kind, c.vocab) for c in cols] for r in rows]
    total_cells = [_cell(totals.get(c.key), c.kind, c.vocab) for c in cols] if totals is not None else None
    everything = [*cells, total_cells] if total_cells is not None else cells
    # upper bounds of the table's width with no cell wrapped, and with text wrapped as narrow as it goes: the
    # separators and edges, then each cell and its padding
    widest_table = narrowest_table = len(cols) + 1
    widths = []
    for n, c in enumerate(cols):
        right = c.kind in ("money", "int", "num")
        # numbers and dates are never cut (at their widest); text wraps down to TEXT_MIN cells (CJK counts double)
        widest = max((_widest_line(row[n]) for row in everything), default=0)
        header = c.title
        fixed = max(widest, cell_len(header))
        widths.append(fixed)
        widest_table += fixed + 2
        floor = fixed
        if c.kind == "text":  # wrapped between words, none split that fits in WORD_MAX (a longer one is folded)
            words = (w for row in everything for w in row[n].plain.split())
            longest = max(max(map(cell_len, words), default=0), _longest_word(header))
            floor = max(min(TEXT_MIN, fixed), min(longest, WORD_MAX))
        narrowest_table += floor + 2
        t.add_column(
            header,
            justify="right" if right else "left",
            no_wrap=c.kind != "text",
            overflow="fold",  # text too long for its line is folded, never cut short with an ellipsis
            min_width=floor,
        )
    for row in cells:
        t.add_row(*row)
    if total_cells is not None:
        t.add_section()
        t.add_row(*total_cells, style="bold")
    t.arcli_narrowest = narrowest_table  # type: ignore[attr-defined]  # read by print_table
    t.arcli_fixed = widths  # type: ignore[attr-defined]  # each column's widest cell (or header)
    t.arcli_widest = widest_table  # type: ignore[attr-defined]  # read by print_table
    return t


def first_rows(
    rows: Sequence[Any], limit: int, fmt: Format = Format.table, *, totals: bool = False
) -> tuple[Sequence[Any], str | None]:
    """The rows a table for people shows (the first ``limit``; 0: all) and, when some are left out, the line
    that says so (``totals``: the table's totals count them all). JSON and CSV get every row."""
    if fmt is not Format.table or not limit or len(rows) <= limit:
        return rows, None
    said = (
        _("Showing the first {shown} of {total:,} rows (totals: all); --limit 0 shows all")
        if totals
        else _("Showing the first {shown} of {total:,} rows; --limit 0 shows all")
    )
    return rows[:limit], said.format(shown=limit, total=len(rows))


def emit(
    fmt: Format,
    cols: Sequence[Col],
    rows: Sequence[dict[str, Any]],
    *,
    title: str | None = None,
    totals: dict[str, Any] | None = None,
    meta: dict[str, Any] | None = None,
    caption: str | None = None,
) -> None:
    """Render rows as a table, as JSON (``meta`` keys, then ``rows`` and ``totals``), or as CSV (rows only)."""
    if fmt is Format.json:
        if meta is None and totals is None:
            emit_json(plain_rows(cols, rows))
            return
        obj = dict(meta or {})
        obj["rows"] = plain_rows(cols, rows)
        if totals is not None:
            obj["totals"] = plain_rows(cols, [totals])[0]
        emit_json(obj)
    elif fmt is Format.csv:
        emit_csv(cols, rows)
    else:
        print_table(table(cols, rows, title=title, totals=totals, caption=caption))


def say(message: str) -> None:
    """A line for people on stdout (never parsed as markup)."""
    sys.stdout.write(message + "\n")


def warn(message: str) -> None:
    sys.stderr.write(_("warning: {message}").format(message=message) + "\n")


def note(message: str) -> None:
    """A line for people on stderr that is neither a warning nor an error (the pipe's stdout stays clean)."""
    sys.stderr.write(_("note: {message}").format(message=message) + "\n")


def progress_bar(label: str, *, counts: bool = True) -> tuple[Callable[..., None] | None, Callable[[], None]]:
    """A progress bar on stderr for long work, drawn only when stderr is a terminal (a pipe or a log gets
    nothing; the bar is gone when the work ends): ``(tick, stop)``, ``tick`` None when nothing is drawn.
    ``tick(done, total, what=None)``: ``total`` 0 while it is not known, ``what`` to say what is being done now
    instead of ``label``; ``counts``: show "done/total" rather than a percentage."""
    err = Console(stderr=True)
    if not err.is_terminal:
        return None, lambda: None
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskProgressColumn, TextColumn, TimeElapsedColumn

    done_column = MofNCompleteColumn() if counts else TaskProgressColumn()
    bar = Progress(TextColumn("{task.description}"), BarColumn(), done_column, TimeElapsedColumn(), console=err,
                   transient=True)  # fmt: skip
    task = bar.add_task(label, total=None)
    bar.start()

    shown = [label]

    def tick(done: int, total: int, what: str | None = None) -> None:
        description = what or label
        # drawn at once when it says something new (a step can end before the next regular redraw)
        bar.update(task, completed=done, total=total or None, description=description, refresh=description != shown[0])
        shown[0] = description

    return tick, bar.stop


def _is_number(value: Any) -> bool:
    from decimal import Decimal, InvalidOperation

    try:
        return Decimal(str(value)).is_finite()
    except InvalidOperation:
        return False


@dataclass(frozen=True)
class Sheet:
    title: str
    cols: Sequence[Col]
    rows: Sequence[dict[str, Any]]
    totals: dict[str, Any] | None = None


#: Rows of an Excel sheet (2^20)
EXCEL_ROWS = 1_048_576


def fits_excel(sheet: Sheet) -> None:
    """Refuse, in one line, a sheet with more rows than Excel holds."""
    from arcli.domain.errors import ArError

    rows = len(sheet.rows) + 1 + (sheet.totals is not None)  # with the header (and the totals)
    if rows > EXCEL_ROWS:
        raise ArError(
            _("{sheet}: {rows:,} rows are more than an Excel sheet holds ({most:,}); write CSV instead").format(
                sheet=sheet.title, rows=rows, most=EXCEL_ROWS
            )
        )


def write_xlsx(path: str, sheets: Sequence[Sheet], *, force: bool = False, for_people: bool = True) -> str:
    """Write a formatted workbook atomically (a temporary file renamed into place); refuse to overwrite
    without ``force``. Amounts are numbers with two decimals and thousands separators, dates are dates, the
    header row is frozen, the totals row bold, and no cell is ever a formula (text starting with = stays text).
    A workbook ``for_people`` has headers and codes in the run's language; otherwise (an export to re-import)
    they stay as they are.
    """
    import tempfile
    from decimal import Decimal
    from pathlib import Path

    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    from arcli.domain.errors import ArError

    target = Path(path).expanduser()
    if target.exists() and not force:
        raise ArError(_("{path} exists: add --force to replace it").format(path=target))
    if not target.parent.is_dir():
        raise ArError(_("no folder {folder} to write {name} in").format(folder=target.parent, name=target.name))
    for sheet in sheets:
        fits_excel(sheet)
    wb = Workbook()
    wb.remove(wb.active)
    for sheet in sheets:
        ws = wb.create_sheet(sheet.title[:31])
        ws.append([c.title if for_people else c.header for c in sheet.cols])
        for cell in ws[1]:
            cell.font = Font(bold=True)
        body = [*sheet.rows, *([sheet.totals] if sheet.totals is not None else [])]
        for r in body:
            ws.append([None] * len(sheet.cols))
            for n, c in enumerate(sheet.cols, start=1):
                value = r.get(c.key)
                cell = ws.cell(row=ws.max_row, column=n)
                if value is None:
                    continue
                if c.kind == "money":
                    cell.value = Decimal(int(value)) / 100
                    cell.number_format = "#,##0.00"
                elif c.kind == "date":
                    cell.value = value
                    cell.number_format = "yyyy-mm-dd"
                elif c.kind == "int":
                    cell.value = int(value)
                elif c.kind == "num" and _is_number(value):
                    cell.value = Decimal(str(value))
                    cell.number_format = "0.00"
                else:
                    cell.value = _cell(value, c.kind, c.vocab).plain if for_people else str(value)
                    cell.data_type = "s"  # never a formula
                    if cell.value[:1] in FORMULA_STARTS:
                        cell.quotePrefix = True  # and it stays text when someone edits it
        if sheet.totals is not None:
            for cell in ws[ws.max_row]:
                cell.font = Font(bold=True)
        ws.freeze_panes = "A2"
        for n, c in enumerate(sheet.cols, start=1):
            widest = max([cell_len(c.title), *(cell_len(_cell(r.get(c.key), c.kind, c.vocab).plain) for r in body)])
            ws.column_dimensions[get_column_letter(n)].width = min(60, widest + 2)
    with tempfile.NamedTemporaryFile(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp", delete=False) as tmp:
        tmp_path = Path(tmp.name)
    try:
        wb.save(tmp_path)
        os.replace(tmp_path, target)
    except BaseException:
        tmp_path.unlink(missing_ok=True)
        raise
    return str(target)
