"""Reading import files: decoding, delimiters, header mapping, and validating each row into typed fields.

Pure functions of bytes and text; the services layer reads the file and posts the rows.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
from collections.abc import Iterator
from typing import Any

from arcli.domain.dates import in_range, parse_date
from arcli.domain.errors import InputError
from arcli.domain.money import parse_amount
from arcli.domain.terms import parse_terms
from arcli.i18n import VOCABULARIES, _

#: Canonical headers per kind (the first ones are required).
FIELDS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "customers": (("name",), ("code", "terms", "credit_limit", "rep", "phone", "note")),
    "sales": (("ref", "customer", "date", "amount"), ("terms", "note")),
    "deliveries": (("ref", "customer", "date", "amount"), ("due", "terms", "sale", "note")),
    "payments": (("ref", "customer", "date", "amount"), ("method", "applies_to", "note")),
    "promises": (("customer", "amount", "by"), ("note", "made")),
    "writeoffs": (("ref", "customer", "date", "amount", "applies_to", "note"), ()),
}
METHODS = VOCABULARIES["method"]

#: Column names of Chinese spreadsheets, read as the canonical field of that kind they can stand for (客户 is the
#: name in a customers file and the customer elsewhere). A column named exactly as a field, or given by --map,
#: comes first; a field is fed by the first column that can stand for it. Words that name other things in a
#: delivery note (名称 and 编号 are as often the product's) are left to --map.
HEADER_WORDS: dict[str, tuple[str, ...]] = {
    **dict.fromkeys(("客户", "客户名称", "客户名", "单位名称"), ("name", "customer")),
    **dict.fromkeys(("客户编码", "客户编号", "客户代码", "编码"), ("code",)),
    **dict.fromkeys(("单号", "单据号", "发货单号", "出库单号", "收款单号", "凭证号", "发票号"), ("ref",)),
    **dict.fromkeys(("日期", "单据日期", "发货日期", "出库日期", "收款日期", "付款日期", "销售日期"), ("date",)),
    **dict.fromkeys(("金额", "发货金额", "收款金额", "付款金额", "应收金额", "销售金额", "承诺金额"), ("amount",)),
    **dict.fromkeys(("账期", "付款条件", "结算方式", "付款方式条款"), ("terms",)),
    **dict.fromkeys(("到期日", "到期日期", "应收日期"), ("due",)),
    **dict.fromkeys(("信用额度", "授信额度"), ("credit_limit",)),
    **dict.fromkeys(("业务员", "销售员", "业务代表"), ("rep",)),
    **dict.fromkeys(("电话", "联系电话", "手机"), ("phone",)),
    **dict.fromkeys(("备注", "摘要", "说明", "原因"), ("note",)),
    **dict.fromkeys(("合同号", "销售单号", "订单号"), ("sale",)),
    **dict.fromkeys(("收款方式", "支付方式"), ("method",)),
    **dict.fromkeys(("核销单号", "冲销单号", "对应单号"), ("applies_to",)),
    **dict.fromkeys(("承诺日期", "承诺付款日期", "约定付款日期"), ("by",)),
    **dict.fromkeys(("承诺日", "承诺时间"), ("made",)),
}

#: A text cell starting with one of these is a formula (or can become one) in a spreadsheet. Exports write such
#: text with a leading apostrophe (CSV) or as quoted text (xlsx); CSV import takes the apostrophe off again.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def formula_safe(text: str) -> str:
    """``=1+1`` → ``'=1+1``; text already starting with apostrophes before such a character gets one more, so
    :func:`formula_unsafe` gives back exactly the original."""
    if text.lstrip("'")[:1] in FORMULA_STARTS:
        return "'" + text
    return text


def formula_unsafe(cell: str) -> str:
    """The inverse of :func:`formula_safe` (and what a spreadsheet means by a leading apostrophe)."""
    if cell[:1] == "'" and cell.lstrip("'")[:1] in FORMULA_STARTS:
        return cell[1:]
    return cell


_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def _where(data: bytes, pos: int) -> str:
    line = data.count(b"\n", 0, pos) + 1
    return _("line {line}, byte {byte}").format(line=line, byte=pos + 1)


def decode(data: bytes, encoding: str | None = None) -> tuple[str, str]:
    """Bytes → (text, encoding used). BOM first (UTF-8/16/32), then strict UTF-8, then GB18030.

    A file that decodes as UTF-8 up to a bad byte after some valid non-ASCII text is taken to be damaged UTF-8
    and refused (GB18030 would read almost anything, as mojibake). Errors name the line and byte.
    """
    if encoding:
        try:
            return data.decode(encoding), encoding
        except LookupError:
            raise InputError(_("unknown encoding {encoding!r}").format(encoding=encoding)) from None
        except UnicodeDecodeError as e:
            raise InputError(
                _("not {encoding}: cannot decode at {data}").format(encoding=encoding, data=_where(data, e.start))
            ) from None
    for bom, name in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(name), name
            except UnicodeDecodeError as e:
                raise InputError(
                    _("not valid {name}: cannot decode at {data}").format(name=name, data=_where(data, e.start))
                ) from None
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as e:
        utf8_error = e
    if any(b >= 0x80 for b in data[: utf8_error.start]):
        raise InputError(_("damaged UTF-8: cannot decode at {data}").format(data=_where(data, utf8_error.start)))
    try:
        return data.decode("gb18030"), "gb18030"
    except UnicodeDecodeError as e:
        raise InputError(
            _("neither UTF-8 nor GB18030 (UTF-8 breaks at {data}, GB18030 at {data2}): give --encoding").format(
                data=_where(data, utf8_error.start), data2=_where(data, e.start)
            )
        ) from None


def split_rows(text: str, delimiter: str | None = None) -> list[list[str]]:
    return list(iter_rows(text, delimiter))


def iter_rows(text: str, delimiter: str | None = None) -> Iterator[list[str]]:
    """CSV or TSV text → rows of cells. Without a delimiter: a tab if the header has one, else a comma or
    semicolon, whichever the header has more of."""
    if delimiter is None:
        header = text.split("\n", 1)[0]
        delimiter = "\t" if "\t" in header else (";" if header.count(";") > header.count(",") else ",")
    elif delimiter in ("tab", "\\t"):
        delimiter = "\t"
    if len(delimiter) != 1:
        raise InputError(
            _("--delimiter must be one character (or 'tab'), not {delimiter!r}").format(delimiter=delimiter)
        )
    return csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)


def parse_map(pairs: list[str]) -> dict[str, list[str]]:
    """``--map COLUMN=FIELD`` (repeatable; one column may feed several fields) → {column: [fields]}."""
    out: dict[str, list[str]] = {}
    for pair in pairs:
        column, sep, target = pair.rpartition("=")
        if not sep or not column.strip() or not target.strip():
            raise InputError(_("--map {pair!r}: write COLUMN=FIELD, e.g. --map 客户名称=customer").format(pair=pair))
        out.setdefault(column.strip(), []).append(target.strip())
    return out


class Row:
    """One data row of an import file: where it came from, its cells, and what it became (typed fields, or why
    not). Light on purpose: an import makes a million of them."""

    __slots__ = ("cells", "conflict", "error", "fields", "header", "line")

    def __init__(self, line: int, cells: list[str], header: list[str], fields: dict[str, Any] | None = None) -> None:
        self.line = line  # the line (or sheet row) it came from; the header is line 1
        self.cells = cells  # the file's own values, in the header's order
        self.header = header
        self.fields: dict[str, Any] = {} if fields is None else fields  # typed canonical fields
        self.error: str | None = None  # "column: reason"
        self.conflict = False  # the row clashes with what the ledger (or the file) already holds under its ref

    @property
    def raw(self) -> dict[str, str]:
        """The file's own columns and values (for the error report)."""
        cells = self.cells
        return {h: (cells[n] if n < len(cells) else "") for n, h in enumerate(self.header)}


def map_header(kind: str, header: list[str], mapping: dict[str, list[str]]) -> tuple[dict[int, list[str]], list[str]]:
    """Which canonical fields each column feeds, and the columns that feed none (ignored)."""
    required, optional = FIELDS[kind]
    known = set(required) | set(optional)
    for targets in mapping.values():
        for t in targets:
            if t not in known:
                raise InputError(
                    _("--map target {t!r} is not a {kind} field: {value}").format(
                        t=t, kind=kind, value=", ".join((*required, *optional))
                    )
                )
    for column in mapping:
        if column not in [h.strip() for h in header]:
            raise InputError(_("--map column {column!r} is not in the file's header").format(column=column))
    columns: dict[int, list[str]] = {}
    names = [h.strip().lstrip("\ufeff") for h in header]
    for n, name in enumerate(names):
        targets = mapping.get(name) or ([name.lower()] if name.lower() in known else [])
        if targets:
            columns[n] = targets
    present = {t for ts in columns.values() for t in ts}
    for n, name in enumerate(names):  # then a Chinese column name, for a field no column feeds yet
        field = next((f for f in HEADER_WORDS.get(name, ()) if f in known and f not in present), None)
        if n not in columns and field is not None:
            columns[n] = [field]
            present.add(field)
    ignored = [name for n, name in enumerate(names) if n not in columns and name]
    missing = [f for f in required if f not in present]
    if missing:
        raise InputError(
            _(
                "the {kind} file has no column for {value}: its header is {value2} (rename columns with --map "
                "COLUMN=FIELD)"
            ).format(kind=kind, value=", ".join(missing), value2=", ".join(header))
        )
    return columns, ignored


def _date(value: str, today: dt.date, fmt: str | None) -> dt.date:
    if fmt:
        try:
            return in_range(dt.datetime.strptime(value.strip(), fmt).date(), value)
        except ValueError:
            raise InputError(_("not a date in the format {fmt}: {value!r}").format(fmt=fmt, value=value)) from None
    return parse_date(value, today)


def validate(kind: str, values: dict[str, str], today: dt.date, date_format: str | None) -> dict[str, Any]:
    """One row's canonical text values → typed fields; raises InputError("column: reason")."""

    def need(name: str) -> str:
        v = (values.get(name) or "").strip()
        if not v:
            raise InputError(_("{name}: empty").format(name=name))
        return v

    def opt(name: str) -> str | None:
        v = (values.get(name) or "").strip()
        return v or None

    def on(name: str, fn, *args):
        try:
            return fn(*args)
        except InputError as e:
            raise InputError(f"{name}: {e}") from None

    out: dict[str, Any] = {}
    if kind == "customers":
        out["name"] = need("name")
        for k in ("code", "rep", "phone", "note"):
            out[k] = opt(k)
        t = opt("terms")
        out["terms"] = str(on("terms", parse_terms, t)) if t else None
        cl = opt("credit_limit")
        out["credit_limit"] = on("credit_limit", lambda: parse_amount(cl, allow_zero=True)) if cl else None
        return out
    if kind == "promises":
        out["customer"] = need("customer")
        out["amount"] = on("amount", parse_amount, need("amount"))
        out["by"] = on("by", _date, need("by"), today, date_format)
        made = opt("made")
        out["made"] = on("made", _date, made, today, date_format) if made else None
        out["note"] = opt("note")
        return out
    out["ref"] = need("ref")
    out["customer"] = need("customer")
    out["date"] = on("date", _date, need("date"), today, date_format)
    out["amount"] = on("amount", parse_amount, need("amount"))
    out["note"] = opt("note")
    if kind in ("sales", "deliveries"):
        t = opt("terms")
        out["terms"] = str(on("terms", parse_terms, t)) if t else None
    if kind == "sales":
        return out
    if kind == "deliveries":
        due = opt("due")
        out["due"] = on("due", _date, due, today, date_format) if due else None
        if out["due"] is not None and out["due"] < out["date"]:
            raise InputError(
                _("due: {value} is before the delivery date {value2}").format(value=out["due"], value2=out["date"])
            )
        out["sale"] = opt("sale")
        return out
    applies = opt("applies_to")
    out["applies_to"] = on("applies_to", _applies, applies) if applies else []
    if kind == "writeoffs":
        out["note"] = need("note")  # the reason
        return out
    method = (opt("method") or "bank").lower()
    if method not in METHODS:
        raise InputError(_("method: {method!r} is not one of {value}").format(method=method, value=", ".join(METHODS)))
    out["method"] = method
    return out


def _applies(text: str) -> list[tuple[str, int | None]]:
    """``D1;D2#2=500.00`` → [("D1", None), ("D2#2", 50000)]: refs, each optionally with an exact amount."""
    out = []
    for part in (p.strip() for p in text.split(";")):
        if not part:
            continue
        ref, sep, amount = part.rpartition("=") if "=" in part else (part, "", "")
        if not ref.strip():
            raise InputError(_("{part!r} names no ref").format(part=part))
        out.append((ref.strip(), parse_amount(amount) if sep else None))
    return out
