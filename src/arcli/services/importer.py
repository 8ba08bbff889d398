"""`ar import`: bring customers, sales, deliveries, payments and promises in from CSV, TSV or .xlsx.

All or nothing: every row is validated first; then the whole file is posted in one transaction through the same
code as the commands (`post_delivery`, `post_payment`, …), and any bad row, unknown customer or conflicting ref
rolls all of it back. Idempotent by ref (customers by name, promises by customer, date and amount): rows already
recorded with the same fields count as unchanged. `dry_run` posts everything and rolls it back, so it finds every
problem a real run would.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from arcli.domain import importing
from arcli.domain.allocation import Request
from arcli.domain.errors import ArError, InputError, RefConflict
from arcli.domain.records import Customer
from arcli.services import entries
from arcli.services.context import Context, unit_of_work
from arcli.storage import Tx

EXCEL_EPOCH = dt.date(1899, 12, 30)


@dataclass
class ImportResult:
    kind: str
    path: str
    encoding: str
    header: list[str]
    rows: list[importing.Row]
    added: int = 0
    unchanged: int = 0
    created_customers: list[str] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)
    seconds: float = 0.0
    dry_run: bool = False

    @property
    def errors(self) -> list[importing.Row]:
        return [r for r in self.rows if r.error]

    @property
    def conflicts(self) -> int:
        return sum(1 for r in self.rows if r.error and r.error.startswith("conflict: "))

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


def read_table(
    path: Path, encoding: str | None, delimiter: str | None
) -> tuple[list[str], list[tuple[int, list[str]]], str]:
    """(header, [(line, cells)], encoding) from a CSV/TSV file or the first sheet of an .xlsx workbook."""
    if not path.is_file():
        raise ArError(f"no file {path}")
    if path.suffix.lower() == ".xlsx":
        from openpyxl import load_workbook

        try:
            wb = load_workbook(path, read_only=True, data_only=True)
        except Exception as exc:
            raise InputError(f"{path.name} is not a readable .xlsx workbook ({type(exc).__name__})") from None
        ws = wb.worksheets[0]
        table = [[_cell(v) for v in row] for row in ws.iter_rows(values_only=True)]
        wb.close()
        used = "xlsx"
    else:
        text, used = importing.decode(path.read_bytes(), encoding)
        table = importing.split_rows(text, delimiter)
    numbered = [(n, cells) for n, cells in enumerate(table, start=1) if any(c.strip() for c in cells)]
    if not numbered:
        raise InputError(f"{path.name} is empty")
    (_, header), body = numbered[0], numbered[1:]
    return header, body, used


def _unescape(cell: str) -> str:
    """A cell written as '=… (formula-safe CSV, as `ar export` and spreadsheets do) reads as =…"""
    if cell[:1] == "'" and cell[1:2] in ("=", "+", "-", "@"):
        return cell[1:]
    return cell


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
    progress: Callable[[int, int], None] | None = None,
) -> ImportResult:
    if kind not in importing.FIELDS:
        raise InputError(f"can import {', '.join(importing.FIELDS)}, not {kind!r}")
    started = time.monotonic()
    file = Path(path).expanduser()
    header, body, used = read_table(file, encoding, delimiter)
    columns, ignored = importing.map_header(kind, header, importing.parse_map(mapping or []))
    result = ImportResult(
        kind, str(file), used, [h.strip() for h in header], [], ignored_columns=ignored, dry_run=dry_run
    )
    for line, cells in body:
        raw = {h: (cells[n] if n < len(cells) else "") for n, h in enumerate(result.header)}
        values: dict[str, str] = {}
        for n, targets in columns.items():
            for t in targets:
                values[t] = _unescape(cells[n]) if n < len(cells) else ""
        row = importing.Row(line, raw)
        try:
            row.fields = importing.validate(kind, _serial_dates(values, used == "xlsx"), ctx.today, date_format)
        except InputError as e:
            row.error = str(e)
        result.rows.append(row)
    if result.errors:
        result.seconds = time.monotonic() - started
        return result
    try:
        with unit_of_work(ctx, write=True) as tx:
            _post_all(tx, ctx, result, create_customers, progress)
            if result.errors or dry_run:
                raise _RollBack
    except _RollBack:
        pass
    result.seconds = time.monotonic() - started
    return result


def _post_all(
    tx: Tx, ctx: Context, result: ImportResult, create: bool, progress: Callable[[int, int], None] | None
) -> None:
    known: dict[str, Customer] = {}

    def customer(key: str) -> Customer | None:
        if key not in known:
            found = tx.customer_by_key(key)
            if found is None and create and result.kind != "customers":
                new_id = tx.insert_customer(name=key, created_at=ctx.now)
                found = tx.customer_by_id(new_id)
                result.created_customers.append(key)
            if found is None:
                return None
            known[key] = found
        return known[key]

    total = len(result.rows)
    for n, row in enumerate(result.rows, start=1):
        f = row.fields
        try:
            if result.kind == "customers":
                _post_customer(tx, ctx, result, row)
            else:
                c = customer(f["customer"])
                if c is None:
                    row.error = f"customer: no customer {f['customer']!r} (add it first, or use --create-customers)"
                    continue
                posted = _post_row(tx, ctx, result.kind, c, f)
                if posted:
                    result.added += 1
                else:
                    result.unchanged += 1
        except RefConflict as e:
            row.error = f"conflict: {e}"
        except ArError as e:
            row.error = str(e)
        if progress is not None and (n % 500 == 0 or n == total):
            progress(n, total)


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
    # promises: identified by customer, date and amount
    for r in tx.promises(c.id):
        if r.by_date == f["by"] and int(r.amount) == f["amount"]:
            return False
    tx.insert_promise(
        customer_id=c.id,
        amount=f["amount"],
        by_date=f["by"],
        made_on=f["made"] or min(ctx.today, f["by"]),
        grace_days=0,
        note=f["note"],
        created_at=ctx.now,
        actor=ctx.actor,
    )
    return True


def _post_customer(tx: Tx, ctx: Context, result: ImportResult, row: importing.Row) -> None:
    f = row.fields
    existing = tx.customer_by_key(f["name"])
    given = {k: v for k, v in f.items() if k != "name" and v is not None}
    if existing is not None and existing.name == f["name"]:
        diffs = [k for k, v in given.items() if getattr(existing, k) != v]
        if diffs:
            raise RefConflict(f"customer {f['name']} exists already with a different {', '.join(diffs)}")
        result.unchanged += 1
        return
    if existing is not None or (f.get("code") and tx.customer_by_key(f["code"])):
        raise RefConflict(f"the code {f.get('code') or f['name']!r} exists already for another customer")
    tx.insert_customer(
        name=f["name"],
        created_at=ctx.now,
        **{k: f[k] for k in ("code", "terms", "credit_limit", "rep", "phone", "note")},
    )
    result.added += 1
