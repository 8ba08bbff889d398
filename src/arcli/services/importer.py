"""`ar import`: bring customers, sales, deliveries, payments and promises in from CSV, TSV or .xlsx.

All or nothing: every row is validated first; then the whole file is posted in one transaction through the same
code as the commands (`post_delivery`, `post_payment`, …), and any bad row, unknown customer or conflicting ref
rolls all of it back. Idempotent by ref (customers by name, promises by customer, date and amount): rows already
recorded with the same fields count as unchanged. `dry_run` posts everything and rolls it back, so it finds every
problem a real run would.
"""

from __future__ import annotations

import datetime as dt
import gc
import time
from array import array
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field, replace
from decimal import Decimal
from functools import partial
from pathlib import Path
from typing import Any

from arcli.domain import importing
from arcli.domain.allocation import Request
from arcli.domain.errors import ArError, InputError, RefConflict
from arcli.domain.money import parse_amount
from arcli.domain.records import Customer
from arcli.domain.terms import Terms, parse_terms
from arcli.i18n import _
from arcli.services import entries
from arcli.services.context import Context, unit_of_work
from arcli.services.lookup import suggestions
from arcli.storage import NewDelivery, NewLedger, NewPayment, Tx

EXCEL_EPOCH = dt.date(1899, 12, 30)


@dataclass
class ImportResult:
    kind: str
    path: str
    encoding: str
    header: list[str]
    read: int = 0  # data rows read
    errors: list[importing.Row] = field(default_factory=list)  # only the bad rows are kept
    added: int = 0
    unchanged: int = 0
    created_customers: list[str] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)
    seconds: float = 0.0
    dry_run: bool = False

    @property
    def conflicts(self) -> int:
        return sum(1 for r in self.errors if r.conflict)

    @property
    def written(self) -> bool:
        return not self.errors and not self.dry_run


class _RollBack(Exception):
    pass


def _cell(value: Any) -> str:
    """An .xlsx cell as text, exactly: dates as ISO dates, numbers without float artefacts."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return format(Decimal(f"{value:.15g}").normalize(), "f")  # Excel keeps 15 significant digits
    return str(value)


def open_table(
    path: Path, encoding: str | None, delimiter: str | None
) -> tuple[list[str], Iterator[tuple[int, list[str]]], str, int]:
    """(header, rows as (line, cells) one at a time, encoding, about how many rows) from a CSV/TSV file or the
    first sheet of an .xlsx workbook. Rows are produced as they are read: memory does not grow with the file's
    length beyond its own text (CSV) or openpyxl's read-only stream (.xlsx)."""
    if not path.is_file():
        raise ArError(_("no file {path}").format(path=path))
    if path.suffix.lower() == ".xlsx":
        from openpyxl import load_workbook

        try:
            wb = load_workbook(path, read_only=True, data_only=True)
        except Exception as exc:
            raise InputError(
                _("{name} is not a readable .xlsx workbook ({name2})").format(name=path.name, name2=type(exc).__name__)
            ) from None
        ws = wb.worksheets[0]
        total = ws.max_row or 0
        table: Iterator[list[str]] = ([_cell(v) for v in row] for row in ws.iter_rows(values_only=True))
        used = "xlsx"
    else:
        text, used = importing.decode(path.read_bytes(), encoding)
        total = text.count("\n")
        table = importing.iter_rows(text, delimiter)
    numbered = ((n, cells) for n, cells in enumerate(table, start=1) if "".join(cells).strip())  # not blank
    first = next(numbered, None)
    if first is None:
        raise InputError(_("{name} is empty").format(name=path.name))
    return first[1], numbered, used, max(total - 1, 0)


def _serial_dates(values: dict[str, str], is_xlsx: bool) -> dict[str, str]:
    """In a workbook, a bare number in a date column is an Excel serial date."""
    if not is_xlsx:
        return values
    out = dict(values)
    for k in ("date", "due", "by", "made"):
        v = (out.get(k) or "").strip()
        if v.isdigit() and 1 <= int(v) < 200_000:
            out[k] = (EXCEL_EPOCH + dt.timedelta(days=int(v))).isoformat()
    return out


@contextmanager
def _cycles_left_alone() -> Iterator[None]:
    """Python's cyclic garbage collector off while an import runs (and in its writer process, forked meanwhile).
    An import makes and drops a few objects per row and keeps what it learns (customers, their open items) for
    the whole file: the collector, run every few hundred new objects, kept going through all of it. For a
    million payments it took 5.5 s of the reading process's 21 s (83 full passes) and found about a thousand
    objects to free, for a million deliveries 2.4 s and none: the rows refer to nothing that refers back.
    Memory is freed as before, by reference counts; the collector is back on when the import ends."""
    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_on:
            gc.enable()


@_cycles_left_alone()
def import_file(
    ctx: Context,
    kind: str,
    path: str,
    *,
    encoding: str | None = None,
    delimiter: str | None = None,
    date_format: str | None = None,
    mapping: list[str] | None = None,
    dry_run: bool = False,
    create_customers: bool = False,
    progress: Callable[..., None] | None = None,
) -> ImportResult:
    if kind not in importing.FIELDS:
        raise InputError(_("can import {value}, not {kind!r}").format(value=", ".join(importing.FIELDS), kind=kind))
    started = time.monotonic()
    file = Path(path).expanduser()
    pipeline, done = None, False
    if kind in ("deliveries", "payments") and not create_customers and _large(file):
        from arcli.services import import_writer

        if import_writer.available(ctx.url):
            pipeline = import_writer.Pipeline(ctx, kind)
    try:
        header, body, used, total = open_table(file, encoding, delimiter)
        columns, ignored = importing.map_header(kind, header, importing.parse_map(mapping or []))
        result = ImportResult(
            kind, str(file), used, [h.strip() for h in header], ignored_columns=ignored, dry_run=dry_run
        )
        read = _Reader(kind, result.header, columns, ctx.today, date_format, used == "xlsx")
        if pipeline is not None:
            try:
                pipeline.run(body, total, result, dry_run, partial(_feed, read, progress), progress)
                done = True
            except import_writer.Again:  # what the writer found makes the file take the one-process way
                header, body, used, total = open_table(file, encoding, delimiter)
                result = replace(result, read=0, errors=[], added=0, unchanged=0)
    finally:
        if pipeline is not None:
            pipeline.close()
    if not done:
        # a file that brings customers can start a ledger (not a dry run, which writes nothing); one that fails
        # leaves none (see NewLedger)
        starts = (kind == "customers" or create_customers) and not dry_run
        with NewLedger(ctx.url) if starts else nullcontext() as new:
            if new is not None:
                ctx = replace(ctx, url=new.url)
            _import(ctx, kind, body, total, read, result, starts, create_customers, dry_run, progress)
            if new is not None and result.written:
                new.keep()
    result.errors.sort(key=lambda row: row.line)  # rows checked after a bad one, or posted later in a batch
    result.seconds = time.monotonic() - started
    return result


def _import(
    ctx: Context,
    kind: str,
    body: Iterator[tuple[int, list[str]]],
    total: int,
    read: _Reader,
    result: ImportResult,
    starts: bool,
    create_customers: bool,
    dry_run: bool,
    progress: Callable[..., None] | None,
) -> None:
    try:
        at_end = references_at_end(kind, total)
        with unit_of_work(ctx, write=True, create=starts, references_at_end=at_end) as tx, tx.bulk(kind, total):
            _feed(read, progress, _Poster(tx, ctx, result, create_customers), body, total)
            if result.errors or dry_run:
                raise _RollBack
            if progress is not None:  # a large import then builds indexes again and commits: seconds more
                progress(result.read, result.read, _("committing"))
    except _RollBack:
        pass


def _feed(
    read: _Reader,
    progress: Callable[..., None] | None,
    poster: _Poster,
    body: Iterator[tuple[int, list[str]]],
    total: int,
) -> None:
    """Read, check and post the file's rows in batches; after a bad row, only check the rest."""
    result = poster.result
    batch: list[importing.Row] = []
    for line, cells in body:
        result.read += 1
        row = read(line, cells)
        if row.error:
            if not result.errors:  # nothing will be written: the rows waiting are only checked
                poster.check(batch)
                batch = []
            result.errors.append(row)
        elif not result.errors:
            batch.append(row)
        else:  # after a bad row, the rest are checked as far as they can be without posting them
            poster.check([row])
        if len(batch) >= BATCH:
            poster.post(batch)
            batch = []
        if progress is not None and result.read % 1000 == 0:
            progress(result.read, max(total, result.read))
    if not result.errors:
        poster.post(batch)
        poster.settle()


BATCH = 2_000
#: A file of deliveries or payments this large (about 100,000 rows) is posted by two processes: see import_writer
PIPELINE_BYTES = 4_000_000
#: ... and a row the writer posts on its own has this many entry and item ids (more, and the ledger refuses a
#: planned row's id: the file goes the one-process way)
ROW_IDS = 1_000
#: Paid-off items are moved to settled_item this many at a time (in two processes: by the writer, while the
#: file is read on; see Tx.settle_paid)
SETTLE_ROWS = 50_000
#: A file of deliveries or payments of this many rows has its references checked once, before the import commits,
#: instead of row by row (see Ledger.transaction): the check costs a third of a second however few rows were added
#: to a 2M-entry ledger (the ids counted, the derived tables read whole), the rows' own checks 4–6 µs each
REFERENCES_AT_END_ROWS = 100_000


def references_at_end(kind: str, total: int) -> bool:
    """Whether an import of ``total`` rows of ``kind`` checks references at the end (one process or two)."""
    return kind in ("deliveries", "payments") and total >= REFERENCES_AT_END_ROWS


def _large(file: Path) -> bool:
    try:
        return file.stat().st_size >= PIPELINE_BYTES
    except OSError:  # reported by open_table
        return False


#: how many unknown customers' errors suggest names
SUGGESTED = 10


def _row(
    kind: str,
    header: list[str],
    columns: dict[int, list[str]],
    line: int,
    cells: list[str],
    today: dt.date,
    date_format: str | None,
    is_xlsx: bool,
) -> importing.Row:
    values: dict[str, str] = {}
    for n, targets in columns.items():
        for t in targets:
            cell = cells[n] if n < len(cells) else ""
            # formula-safe CSV ('=… as `ar export` writes it) reads as =…; a workbook's cells are what they show
            values[t] = cell if is_xlsx else importing.formula_unsafe(cell)
    # the original values, for the error report; a row lives only as long as its batch unless it is bad
    row = importing.Row(line, cells, header)
    try:
        row.fields = importing.validate(kind, _serial_dates(values, is_xlsx), today, date_format)
    except InputError as e:
        row.error = str(e)
    return row


class _Reader:
    """Rows of one file → validated rows. Deliveries and payments, the files that run to a million rows, go a
    direct way when every cell is plain: each field read by position, days and terms parsed once per distinct
    text (a file has a few thousand days and a handful of terms). Anything else (a cell that is empty where a
    value is needed, a formula-quoted cell, a date or amount the direct way does not take, a payment that names
    items, a workbook, a --date-format) goes the general way, which gives the same fields or the row's error."""

    def __init__(
        self,
        kind: str,
        header: list[str],
        columns: dict[int, list[str]],
        today: dt.date,
        date_format: str | None,
        is_xlsx: bool,
    ) -> None:
        self.kind, self.header, self.columns = kind, header, columns
        self.today, self.date_format, self.is_xlsx = today, date_format, is_xlsx
        direct = kind in ("deliveries", "payments") and date_format is None and not is_xlsx
        self.direct = direct and all(len(targets) == 1 for targets in columns.values())
        self.width = len(header)
        at = {targets[0]: n for n, targets in columns.items()}
        # a field without a column reads the blank cell added at the row's end (see __call__)
        self.at = [at.get(name, self.width) for name in _DIRECT[kind]] if self.direct else []
        self.way = self._deliveries if kind == "deliveries" else self._payments
        self.days: dict[str, dt.date] = {}
        self.terms: dict[str, str] = {}

    def __call__(self, line: int, cells: list[str]) -> importing.Row:
        if self.direct and len(cells) == self.width:
            cells.append("")  # the blank cell of fields without a column (not part of the row: see Row.raw)
            fields = self.way(cells)
            cells.pop()
            if fields is not None:
                return importing.Row(line, cells, self.header, fields)
        return _row(self.kind, self.header, self.columns, line, cells, self.today, self.date_format, self.is_xlsx)

    def _day(self, text: str) -> dt.date | None:
        day = self.days.get(text)
        if day is None:
            try:
                day = self.days[text] = importing.parse_date(text, self.today)
            except InputError:
                return None
        return day

    def _common(self, cells: list[str]) -> dict[str, Any] | None:
        """ref, customer, date, amount and note, or None for the general way. A cell starting with an
        apostrophe (a formula quote, perhaps) goes the general way."""
        ref_at, customer_at, date_at, amount_at, note_at = self.at[:5]
        ref, customer, note = cells[ref_at].strip(), cells[customer_at].strip(), cells[note_at].strip()
        if not ref or not customer or ref[0] == "'" or customer[0] == "'" or note[:1] == "'":
            return None
        text = cells[date_at].strip()
        day = self.days.get(text) or self._day(text)
        amount = cells[amount_at].strip()
        if day is None or not amount:
            return None
        try:
            fen = parse_amount(amount)
        except InputError:
            return None
        return {"ref": ref, "customer": customer, "date": day, "amount": fen, "note": note or None}

    def _deliveries(self, cells: list[str]) -> dict[str, Any] | None:
        out = self._common(cells)
        if out is None:
            return None
        terms_at, due_at, sale_at = self.at[5:]
        terms, due_text, sale = cells[terms_at].strip(), cells[due_at].strip(), cells[sale_at].strip()
        if terms:
            canonical = self.terms.get(terms)
            if canonical is None:
                if terms[0] == "'":
                    return None
                try:
                    canonical = self.terms[terms] = str(parse_terms(terms))
                except InputError:
                    return None
            out["terms"] = canonical
        else:
            out["terms"] = None
        if due_text:
            due = self._day(due_text)
            if due is None or due < out["date"]:
                return None
            out["due"] = due
        else:
            out["due"] = None
        if sale[:1] == "'":
            return None
        out["sale"] = sale or None
        return out

    def _payments(self, cells: list[str]) -> dict[str, Any] | None:
        out = self._common(cells)
        if out is None:
            return None
        method_at, applies_at = self.at[5:]
        if cells[applies_at].strip():
            return None
        method = cells[method_at].strip().lower() or "bank"
        if method not in importing.METHODS:
            return None
        out["applies_to"] = []
        out["method"] = method
        return out


#: The fields the direct way reads, by kind, in the order of `_Reader.at`.
_DIRECT = {
    "deliveries": ("ref", "customer", "date", "amount", "note", "terms", "due", "sale"),
    "payments": ("ref", "customer", "date", "amount", "note", "method", "applies_to"),
}


class _Poster:
    """Posts validated rows inside the import's transaction: deliveries in bulk, everything else row by row."""

    def __init__(self, tx: Tx, ctx: Context, result: ImportResult, create: bool, writer: Any = None) -> None:
        self.tx, self.ctx, self.result, self.create = tx, ctx, result, create
        # planning for another process's transaction (see import_writer): the rows that take the full path go to
        # it, and so do their customers' later rows (what it wrote for them is not in this snapshot)
        self.writer = writer
        self.tainted: set[int] = set()
        # every customer by name and by code, read once (a name wins over another customer's equal code)
        everyone = tx.list_customers()
        self.by_name: dict[str, Customer] = {c.name: c for c in everyone}
        self.by_code: dict[str, Customer] = {c.code: c for c in everyone if c.code}
        self.known = self.by_code | self.by_name  # by name or code (a name wins over another customer's code)
        self.hints: dict[str, list[str]] = {}  # unknown customer → the names it may mean (see _unknown)
        self.queues: dict[int, list[Any]] = {}  # for importing payments: see _post_payments
        self.reopened: set[int] = set()
        # items the payments so far paid off and not yet moved to settled_item (see Tx.settle_paid), what those
        # paid in part still owe, and whether the open items are to be brought up to date (see settle) before
        # anything reads them from the ledger
        self.paid_off = array("q")
        self.part_paid: dict[int, int] = {}
        self.unsettled = False
        self.promise_keys: set[tuple[int, dt.date, int]] | None = None  # for importing promises
        self.customer_terms: dict[int, str] = {}  # for importing deliveries: see _terms and _items
        self.rules: dict[str, Terms] = {}
        self.dues: dict[tuple[str, dt.date], dt.date] = {}

    def customer(self, key: str) -> Customer | None:
        found = self.known.get(key)
        if found is None and self.create and self.result.kind != "customers":
            found = Customer(id=self.tx.insert_customer(name=key, created_at=self.ctx.now), name=key)
            self.result.created_customers.append(key)
            self.known[key] = found
        return found

    def fail(self, row: importing.Row, error: str, *, conflict: bool = False) -> None:
        row.error = _("conflict: {problem}").format(problem=error) if conflict else error
        row.conflict = conflict
        self.result.errors.append(row)

    def post(self, rows: list[importing.Row]) -> None:
        if self.result.kind == "customers":
            self._bulk_customers(rows)
            return
        if self.result.kind == "payments":
            self._bulk_payments(rows)
            return
        if self.result.kind == "promises":
            self._bulk_promises(rows)
            return
        if self.result.kind == "deliveries":
            rows = self._bulk_deliveries(rows)  # what it leaves needs the full path
        for row in rows:
            self._one(row)

    def check(self, rows: list[importing.Row]) -> None:
        """Rows of a file that will not be written (it has a bad row): each is reported if it names no customer,
        so one run lists every such problem (what the ledger holds otherwise, refs included, is checked only
        by posting)."""
        if self.result.kind == "customers" or self.create:
            return
        for row in rows:
            if row.fields["customer"] not in self.known:
                self.fail(row, self._unknown(row.fields["customer"]))

    def _one(self, row: importing.Row) -> None:
        f, r = row.fields, self.result
        self.settle()  # the full path reads the open items from the ledger
        if self.writer is not None:
            c = self.customer(f["customer"])
            if c is None:
                self.fail(row, self._unknown(f["customer"]))
            else:  # posted by the writer with ids of its own: the rows planned next are numbered after them
                self.writer.row(row)
                self.tx.skip_ids(ROW_IDS)
                self.tainted.add(c.id)
            return
        try:
            c = self.customer(f["customer"])
            if c is None:
                self.fail(row, self._unknown(f["customer"]))
                return
            self.tx.restore_indexes()  # the general way reads through every index
            if _post_row(self.tx, self.ctx, r.kind, c, f):
                r.added += 1
            else:
                r.unchanged += 1
        except RefConflict as e:
            self.fail(row, str(e), conflict=True)
        except ArError as e:
            self.fail(row, str(e))

    def _unknown(self, key: str) -> str:
        """The error of a row naming no customer, with the names it may mean (see `lookup.suggestions`) for the
        first few such names: a file may name thousands, and each is compared with every customer."""
        if key not in self.hints:
            self.hints[key] = suggestions(key, list(self.known)) if len(self.hints) < SUGGESTED else []
        close = self.hints[key]
        if close:
            return _(
                "customer: no customer {customer!r} (did you mean {names}? add it first, or use --create-customers)"
            ).format(customer=key, names=_(" or ").join(repr(c) for c in close))
        return _("customer: no customer {customer!r} (add it first, or use --create-customers)").format(customer=key)

    def _bulk_customers(self, rows: list[importing.Row]) -> None:
        """A known name with the same fields is unchanged, with others a conflict; a name or code another
        customer has is a conflict; checked against every customer read once (and those this file adds), the
        new ones inserted together."""
        new = []
        for row in rows:
            f = row.fields
            given = {k: v for k, v in f.items() if k != "name" and v is not None}
            existing = self.by_name.get(f["name"]) or self.by_code.get(f["name"])
            if existing is not None and existing.name == f["name"]:
                diffs = [k for k, v in given.items() if getattr(existing, k) != v]
                if diffs:
                    self.fail(
                        row,
                        _("customer {name} exists already with a different {fields}").format(
                            name=f["name"], fields=", ".join(diffs)
                        ),
                        conflict=True,
                    )
                else:
                    self.result.unchanged += 1
                continue
            code = f.get("code")
            if existing is not None or (code and (code in self.by_name or code in self.by_code)):
                self.fail(
                    row,
                    _("the code {code!r} exists already for another customer").format(code=code or f["name"]),
                    conflict=True,
                )
                continue
            fields = {k: f[k] for k in ("code", "terms", "credit_limit", "rep", "phone", "note")}
            record = Customer(id=0, name=f["name"], **fields)
            self.by_name[record.name] = record
            if code:
                self.by_code[code] = record
            new.append(dict(name=f["name"], created_at=self.ctx.now, **fields))
        self.tx.insert_customers(new)
        self.result.added += len(new)

    def _bulk_promises(self, rows: list[importing.Row]) -> None:
        """A promise is identified by customer, date and amount: one already recorded (or earlier in the file)
        is unchanged; the new ones are inserted together."""
        if self.promise_keys is None:
            self.promise_keys = self.tx.promise_keys()
        new = []
        for row in rows:
            f = row.fields
            c = self.customer(f["customer"])
            if c is None:
                self._one(row)  # reports the unknown customer
                continue
            key = (c.id, f["by"], f["amount"])
            if key in self.promise_keys:
                self.result.unchanged += 1
                continue
            self.promise_keys.add(key)
            new.append(
                dict(
                    customer_id=c.id,
                    amount=f["amount"],
                    by_date=f["by"],
                    made_on=f["made"] or min(self.ctx.today, f["by"]),
                    grace_days=0,
                    note=f["note"],
                    created_at=self.ctx.now,
                    actor=self.ctx.actor,
                )
            )
        self.tx.insert_promises(new)
        self.result.added += len(new)

    def _bulk_payments(self, rows: list[importing.Row]) -> None:
        """Post payments with a few statements per run of rows, exactly as row by row would: new payments that
        apply oldest due first are allocated in memory against their customers' open items (read in one
        query), then inserted together; the items they pay off or down are settled in the ledger once, at the
        end of the file (see settle). A row that names items, has no ref, or whose customer is unknown ends the
        run and takes the full path (the items settled first), so the order of the file is kept."""
        existing = self.tx.entries_by_refs("payment", [r.fields["ref"] for r in rows if r.fields["ref"]])
        run: list[tuple[importing.Row, Customer]] = []
        seen: dict[str, tuple[Any, ...]] = {}  # ref → (customer id, amount, date, method) of this batch's rows
        for row in rows:
            f = row.fields
            c = self.customer(f["customer"])
            if c is None or f["applies_to"] or not f["ref"] or c.id in self.tainted:
                self._post_payments(run)
                run = []
                self._one(row)
                if c is not None:
                    self.queues.pop(c.id, None)  # its open items changed outside the queue
                continue
            ref = f["ref"]
            if ref in existing:  # recorded already: the same fields are a no-op, others a conflict
                wanted = dict(customer_id=c.id, delta=-f["amount"], date=f["date"], method=f["method"], apply_spec=None)
                try:
                    entries.check_known("payment", ref, existing[ref], wanted, "--apply")
                except RefConflict as e:
                    self.fail(row, str(e), conflict=True)
                    continue
                self.result.unchanged += 1
                continue
            key = (c.id, f["amount"], f["date"], f["method"])
            if ref in seen:
                if seen[ref] != key:
                    self.fail(
                        row,
                        _("payment {ref} appears twice in the file with different fields").format(ref=ref),
                        conflict=True,
                    )
                else:
                    self.result.unchanged += 1
                continue
            seen[ref] = key
            run.append((row, c))
        self._post_payments(run)

    def _post_payments(self, run: list[tuple[importing.Row, Customer]]) -> None:
        if not run:
            return
        ctx = self.ctx
        # per customer, kept for the whole import: its open items oldest due first (allocate_fifo's order) as
        # compact arrays (item ids, what each still owes, delivery days), and the first that owes anything; a
        # payment takes from there on, as allocate_fifo would. Read once per customer (a row posted on its own
        # drops its customer's queue).
        queues = self.queues
        unknown = {c.id for _, c in run} - queues.keys()
        if unknown:
            loaded = self.tx.open_item_queues(list(unknown))
            for cid in unknown:
                queues[cid] = [*loaded.get(cid, ((), (), ())), 0]
            self.reopened |= self.tx.customers_with_reopened_items(list(unknown))
        # a customer with an item a void reopened: its payments take the full path (dated around the void)
        slow = [row for row, c in run if c.id in self.reopened]
        run = [entry for entry in run if entry[1].id not in self.reopened]
        payments: list[NewPayment] = []
        allocations: list[tuple[int, int, int, int]] = []  # (payment's n, item id, amount, delivery day)
        credit: list[int] = []
        paid_off = self.paid_off  # items paid in full
        part_paid = self.part_paid  # item id → what it still owes, for those paid in part
        for row, c in run:
            f = row.fields
            items, owed, delivered, n = queues[c.id]
            left = f["amount"]
            while left > 0 and n < len(items):
                take = min(left, owed[n])
                if take > 0:
                    allocations.append((len(payments), items[n], take, delivered[n]))
                    owed[n] -= take
                    left -= take
                if owed[n] == 0:
                    paid_off.append(items[n])
                    part_paid.pop(items[n], None)
                    n += 1
                else:
                    part_paid[items[n]] = owed[n]
                    break
            queues[c.id][3] = n
            if left:
                credit.append(len(payments))  # money left over: on-account credit
            payments.append(NewPayment(f["ref"], c.id, f["date"], f["amount"], f["method"], f["note"]))
        tx = self.tx
        ids = tx.append_payments(payments, created_at=ctx.now, command=ctx.command, actor=ctx.actor)
        late = set()  # applied in part to an item delivered after the payment's date: credit until then
        applied = []
        for n, item_id, amount, day in allocations:
            on = payments[n].date
            if day > on.toordinal():
                on = dt.date.fromordinal(day)
                late.add(n)
            applied.append((ids[n], item_id, amount, on))
        tx.append_allocations(applied, created_at=ctx.now)
        self.unsettled = self.unsettled or bool(allocations)
        if len(paid_off) >= SETTLE_ROWS:  # to settled_item now, by the writer while the file is read on; they
            tx.settle_paid(paid_off)  # leave open_item at settle()
            self.paid_off = array("q")
        # those with money left, or with credit until an item's delivery: their open_credit / settled_credit rows
        tx.refresh_credit([ids[n] for n in sorted(late.union(credit))])
        for row in slow:  # other customers' payments do not touch theirs: the file's order holds per customer
            self._one(row)
        self.result.added += len(run)

    def settle(self) -> None:
        """Bring the ledger's open items up to date with the payments posted so far (one set of statements for
        a whole file of payments, unless a row on the full path needs them sooner)."""
        if self.unsettled:
            self.tx.settle_paid(self.paid_off)
            self.tx.settle_items(self.part_paid)
            self.paid_off, self.part_paid, self.unsettled = array("q"), {}, False

    def _bulk_deliveries(self, rows: list[importing.Row]) -> list[importing.Row]:
        """Post new deliveries of customers without on-account credit with a few statements per batch; return
        the rows that need the full path (credit to consume, a sale, or a ref already in the ledger)."""
        tx = self.tx
        # refs from earlier batches are in the ledger already (same transaction): only this batch is kept here
        seen: dict[str, tuple[Any, ...]] = {}
        existing = tx.entries_by_refs("delivery", [r.fields["ref"] for r in rows])
        customers = {}
        for row in rows:
            c = self.customer(row.fields["customer"])
            if c is not None:
                customers[row.fields["customer"]] = c
        with_credit = tx.customers_with_credit([c.id for c in customers.values()])
        slow: list[importing.Row] = []
        planned: list[tuple[importing.Row, NewDelivery]] = []
        for row in rows:
            f = row.fields
            ref = f["ref"]
            c = customers.get(f["customer"])
            if c is None or f["sale"] or (c.id in with_credit and ref not in existing) or c.id in self.tainted:
                slow.append(row)
                continue
            due = f["due"]
            try:
                terms = None if due is not None else self._terms(c, f["terms"])
            except ArError as e:
                self.fail(row, str(e))
                continue
            key = (c.id, f["amount"], f["date"], terms, due)  # what identifies it (delivery_fields' `wanted`)
            if ref in existing:  # recorded already: the same fields are a no-op, others a conflict
                wanted = dict(customer_id=c.id, delta=f["amount"], date=f["date"], terms=terms, due=due, sale_id=None)
                diffs = entries.delivery_differences(existing[ref], wanted)
                if diffs:
                    self.fail(
                        row,
                        _("delivery {ref} exists already with a different {fields}").format(
                            ref=ref, fields=", ".join(diffs)
                        ),
                        conflict=True,
                    )
                else:
                    self.result.unchanged += 1
                continue
            if ref in seen:
                if seen[ref] != key:
                    self.fail(
                        row,
                        _("delivery {ref} appears twice in the file with different fields").format(ref=ref),
                        conflict=True,
                    )
                else:
                    self.result.unchanged += 1
                continue
            seen[ref] = key
            items = self._items(ref, f["date"], f["amount"], terms, due)
            planned.append((row, NewDelivery(ref, c.id, f["date"], f["amount"], terms, due, f["note"], items)))
        # an item's ref is its delivery's (one item) or the delivery's ref and #n (instalments): a ref without
        # "#" can only be taken by a delivery of that ref, which `existing` found; those with "#" are looked up,
        # in the ledger (earlier batches included) and among this batch's rows before them
        hashed = [item[0] for _, d in planned for item in d.items if "#" in item[0]]
        if hashed:
            taken = tx.item_refs_taken(hashed)
            kept = []
            for row, d in planned:
                clash = next((item[0] for item in d.items if item[0] in taken), None)
                if clash is None:
                    kept.append((row, d))
                    taken.update(item[0] for item in d.items if "#" in item[0])
                else:
                    self.fail(row, _("an open item {ref} exists already: choose another ref").format(ref=clash))
            planned = kept
        tx.append_deliveries(
            [d for _, d in planned], created_at=self.ctx.now, command=self.ctx.command, actor=self.ctx.actor
        )
        self.result.added += len(planned)
        return slow

    def _terms(self, c: Customer, given: str | None) -> str:
        """The delivery's canonical terms (its own, else the customer's), as `delivery_fields` gives them; a
        customer's terms are parsed once."""
        if given is not None:
            return given  # canonical already (validated)
        known = self.customer_terms.get(c.id)
        if known is None:
            known = self.customer_terms[c.id] = entries.delivery_fields(
                c, None, amount=1, date=self.ctx.today, terms=None, due=None
            )[0]
        return known

    def _items(
        self, ref: str, day: dt.date, amount: int, terms: str | None, due: dt.date | None
    ) -> tuple[tuple[str, dt.date, int], ...]:
        """The delivery's items as `entries.delivery_items` makes them: (ref, due date, amount); a one-part
        terms' due date is worked out once per day."""
        if due is not None:
            return ((ref, due, amount),)
        assert terms is not None
        rule = self.rules.get(terms)
        if rule is None:
            rule = self.rules[terms] = parse_terms(terms)
        if len(rule.parts) == 1:
            by = self.dues.get((terms, day))
            if by is None:
                by = self.dues[terms, day] = rule.schedule(day, amount)[0][0]
            return ((ref, by, amount),)
        wanted = dict(customer_id=0, delta=amount, date=day, terms=terms, due=None)
        return tuple((i["ref"], i["due_date"], i["amount"]) for i in entries.delivery_items(wanted, ref))


def _post_row(tx: Tx, ctx: Context, kind: str, c: Customer, f: dict[str, Any]) -> bool:
    """Post one row; True if it added something, False if it was already recorded."""
    if kind == "deliveries":
        p = entries.post_delivery(
            tx,
            ctx,
            c,
            amount=f["amount"],
            date=f["date"],
            sale_ref=f["sale"],
            terms=f["terms"] if not f["due"] else None,
            due=f["due"],
            ref=f["ref"],
            note=f["note"],
            force=True,
            holds=False,
        )
        return not p.unchanged
    if kind == "writeoffs":
        p = entries.post_writeoff(
            tx,
            ctx,
            c,
            amount=f["amount"],
            date=f["date"],
            ref=f["ref"],
            reason=f["note"],
            requests=[Request(r, a) for r, a in f["applies_to"]],
        )
        return not p.unchanged
    if kind == "payments":
        requests = [Request(r, a) for r, a in f["applies_to"]]
        p = entries.post_payment(
            tx,
            ctx,
            c,
            amount=f["amount"],
            date=f["date"],
            ref=f["ref"],
            method=f["method"],
            requests=requests,
            note=f["note"],
        )
        return not p.unchanged
    if kind == "sales":
        p = entries.post_sale(
            tx, ctx, c, amount=f["amount"], date=f["date"], terms=f["terms"], ref=f["ref"], note=f["note"]
        )
        return not p.unchanged
    raise AssertionError(f"{kind} are posted in bulk")  # customers and promises: see _Poster
