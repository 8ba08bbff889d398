"""`ar import`: customers, sales, deliveries, payments and promises from CSV, TSV or .xlsx."""

from __future__ import annotations

import csv
import enum
from collections.abc import Iterable
from pathlib import Path
from typing import Annotated

import typer

from arcli.cli.common import context
from arcli.cli.main import app
from arcli.cli.render import Col, csv_safe_text, print_table, progress_bar, say, table, warn
from arcli.domain.errors import ArError
from arcli.domain.importing import FORMULA_STARTS
from arcli.i18n import _, code, ngettext


class Kind(enum.StrEnum):
    customers = "customers"
    sales = "sales"
    deliveries = "deliveries"
    payments = "payments"
    promises = "promises"
    writeoffs = "writeoffs"


@app.command("import")
def import_cmd(
    ctx: typer.Context,
    kind: Annotated[
        Kind,
        typer.Argument(
            metavar="KIND",
            help="What the file holds: customers, sales, deliveries, payments, promises or writeoffs.",
        ),
    ],
    file: Annotated[str, typer.Argument(metavar="FILE", help="A .csv, .tsv/.txt or .xlsx file.")],
    encoding: Annotated[
        str | None, typer.Option("--encoding", metavar="ENCODING", help="Override detection (BOM, UTF-8, GB18030).")
    ] = None,
    delimiter: Annotated[
        str | None, typer.Option("--delimiter", metavar="CHAR", help="A character, or 'tab' (default: detected).")
    ] = None,
    date_format: Annotated[
        str | None, typer.Option("--date-format", metavar="FMT", help="strptime format of the dates, e.g. %m/%d/%Y.")
    ] = None,
    mapping: Annotated[
        list[str] | None,
        typer.Option("--map", metavar="COLUMN=FIELD", help="Read a column of yours as a field (repeatable)."),
    ] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Check everything; write nothing.")] = False,
    errors: Annotated[
        str | None, typer.Option("--errors", metavar="FILE", help="Write the bad rows, with the reason, as CSV.")
    ] = None,
    create_customers: Annotated[
        bool, typer.Option("--create-customers", help="Create customers the file names that do not exist yet.")
    ] = False,
) -> None:
    """Import a file: all of it or none of it, idempotent by ref, with a report of every bad row."""
    from arcli.services.importer import import_file

    tick, stop = progress_bar(_("posting"))
    try:
        r = import_file(
            context(ctx, f"import {kind.value}"),
            kind.value,
            file,
            encoding=encoding,
            delimiter=delimiter,
            date_format=date_format,
            mapping=mapping,
            dry_run=dry_run,
            create_customers=create_customers,
            progress=tick,
        )
    finally:
        stop()
    bad = r.errors
    if errors:
        _write_errors(errors, r)
    counts = ngettext(
        "read {read:,} row: added {added:,}, unchanged {unchanged:,}, conflicts {conflicts:,}, errors {errors:,} "
        "({seconds:.1f} s)",
        "read {read:,} rows: added {added:,}, unchanged {unchanged:,}, conflicts {conflicts:,}, errors {errors:,} "
        "({seconds:.1f} s)",
        r.read,
    ).format(
        read=r.read,
        added=r.added,
        unchanged=r.unchanged,
        conflicts=r.conflicts,
        errors=len(bad) - r.conflicts,
        seconds=r.seconds,
    )
    if bad:
        # nothing was added: what the rows before the first bad one would have added is no figure to give
        counts = ngettext(
            "read {read:,} row: conflicts {conflicts:,}, errors {errors:,} ({seconds:.1f} s)",
            "read {read:,} rows: conflicts {conflicts:,}, errors {errors:,} ({seconds:.1f} s)",
            r.read,
        ).format(read=r.read, conflicts=r.conflicts, errors=len(bad) - r.conflicts, seconds=r.seconds)
        shown = [{"line": x.line, "problem": x.error} for x in bad[:50]]
        print_table(
            table(
                [Col("line", "Line", "int"), Col("problem", "Problem")],
                shown,
                title=ngettext(
                    "{n} row of {path} cannot be imported", "{n} rows of {path} cannot be imported", len(bad)
                ).format(n=f"{len(bad):,}", path=r.path),
            )
        )
        if len(bad) > 50:
            more = len(bad) - 50
            say(
                _("… and {n} more").format(n=more)
                if errors
                else _("… and {n} more (--errors FILE lists them all)").format(n=more)
            )
        if errors:
            raise ArError(
                _("nothing imported from {path}: {counts}; bad rows in {errors}").format(
                    path=r.path, counts=counts, errors=errors
                )
            )
        raise ArError(_("nothing imported from {path}: {counts}").format(path=r.path, counts=counts))
    if dry_run:
        said = _("Checked {kind} from {path} ({encoding}): {counts}; nothing written (dry run)")
    else:
        said = _("Imported {kind} from {path} ({encoding}): {counts}")
    say(said.format(kind=code("import", r.kind), path=r.path, encoding=r.encoding, counts=counts))
    if r.created_customers:
        n = len(r.created_customers)
        if dry_run:
            said = ngettext("  created {n:,} customer (would be)", "  created {n:,} customers (would be)", n)
        else:
            said = ngettext("  created {n:,} customer", "  created {n:,} customers", n)
        say(said.format(n=n))
    if r.ignored_columns:
        say(_("  ignored columns: {value}").format(value=", ".join(r.ignored_columns)))


def _write_errors(path: str, r) -> None:
    try:
        with open(path, "w", newline="", encoding="utf-8-sig") as fh:
            w = csv.writer(fh)
            w.writerow(["line", "error", *r.header])
            for x in r.errors:
                w.writerow([x.line, x.error, *(x.raw.get(h, "") for h in r.header)])
    except OSError as exc:
        warn(_("cannot write {path}: {reason}").format(path=path, reason=exc.strerror))


export_app = typer.Typer(help="Export the ledger in the canonical import format.", no_args_is_help=True)
app.add_typer(export_app, name="export")


class FileFormat(enum.StrEnum):
    csv = "csv"
    xlsx = "xlsx"


#: What a text must start with to need csv_safe_text: a formula's first character, or an apostrophe before one
_RISKY = frozenset("".join(FORMULA_STARTS) + "'")


def _cell(value: str | None) -> str:
    """An export's text value as a CSV cell (a million rows: only a text that may need it goes through
    ``csv_safe_text``)."""
    if value is None:
        return ""
    return csv_safe_text(value) if value[:1] in _RISKY else value


def _write_csv(path: Path, headers: list[str], rows: Iterable[dict[str, str | None]]) -> int:
    """Write an export file row by row (a million take no memory); the rows written."""
    n = 0
    with open(path, "w", newline="", encoding="utf-8-sig") as fh:
        w = csv.writer(fh, lineterminator="\r\n")
        w.writerow(headers)
        for r in rows:
            w.writerow([_cell(r.get(h)) for h in headers])
            n += 1
    return n


@export_app.command("ledger")
def export_ledger_cmd(
    ctx: typer.Context,
    folder: Annotated[str, typer.Argument(metavar="DIR", help="Where to write customers.csv, deliveries.csv, …")],
    fmt: Annotated[FileFormat, typer.Option("--format", "-f", help="csv (UTF-8 with BOM) or xlsx.")] = FileFormat.csv,
    force: Annotated[bool, typer.Option("--force", help="Replace files that exist.")] = False,
) -> None:
    """Write every customer, sale, delivery, payment, write-off and promise as import files (re-importable)."""
    from arcli.cli.render import Sheet, fits_excel, write_xlsx
    from arcli.services.exporter import HEADERS, ORDER, exporting

    target = Path(folder).expanduser()
    paths = {k: target / f"{k}.{fmt.value}" for k in ORDER}
    written: dict[str, int] = {}
    with exporting(context(ctx)) as data:  # a missing ledger is said first
        clash = [str(p) for p in paths.values() if p.exists()]
        if clash and not force:
            raise ArError(
                _("{value} exists: add --force to replace the export in {target}").format(value=clash[0], target=target)
            )
        sheets = None
        if fmt is FileFormat.xlsx:  # a workbook is made in memory: every sheet is checked before one is written
            sheets = {k: Sheet(k, [Col(h, h) for h in HEADERS[k]], list(data[k])) for k in ORDER}
            for sheet in sheets.values():
                fits_excel(sheet)
        try:
            target.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ArError(
                _("cannot create {target}: {strerror}").format(target=target, strerror=exc.strerror)
            ) from None
        # every file is written beside its place first, and all are put in place once all are whole: an export
        # that fails part way (no room left) leaves the earlier one as it was, not some kinds from each
        staged: dict[str, Path] = {}
        try:
            for kind in ORDER:
                tmp = staged[kind] = paths[kind].with_name(f".{paths[kind].name}.tmp")
                if sheets is not None:
                    write_xlsx(str(tmp), [sheets[kind]], force=True, for_people=False)  # headers are import fields
                    written[kind] = len(sheets[kind].rows)
                else:
                    written[kind] = _write_csv(tmp, HEADERS[kind], data[kind])
            for kind in ORDER:
                staged.pop(kind).replace(paths[kind])
        finally:
            for tmp in staged.values():
                tmp.unlink(missing_ok=True)
    counts = _(", ").join(f"{written[k]:,} {code('import', k)}" for k in ORDER)
    say(_("Exported {counts} to {target}").format(counts=counts, target=target))
    say(_("Re-import in this order: {commands}").format(commands="; ".join(f"ar import {k} {paths[k]}" for k in ORDER)))
