"""The catalog's tooling: collect every msgid arcli shows, merge them into the Chinese catalog, compile it.

    python -m arcli.i18n.catalog update      # add new msgids to arcli.po (untranslated), drop unused ones, compile
    python -m arcli.i18n.catalog missing     # the msgids that have no Chinese yet, one JSON object per line
    python -m arcli.i18n.catalog add FILE    # merge translations from a JSON file {msgid: msgstr} (or
                                             # {"ctx\\u0004msgid": msgstr} for a code), then compile
    python -m arcli.i18n.catalog check       # exit 1 if a msgid lacks Chinese or arcli.mo is stale

The msgids come from the source (the first argument of ``_()``, ``N_()``, ``ngettext()``, ``pgettext()``, the
header of each ``Col()``), from the code vocabularies of :mod:`arcli.i18n`, and from the command tree itself
(every command's and option's help and metavar, loaded as `ar` would load them). Needs Babel (the test extra).
"""

from __future__ import annotations

import ast
import io
import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path

from arcli.i18n import LOCALE_DIR, VOCABULARIES

SOURCE = Path(__file__).resolve().parents[1]
PO = LOCALE_DIR / "zh" / "LC_MESSAGES" / "arcli.po"
MO = PO.with_suffix(".mo")
SEP = "\x04"  # gettext's separator of context and msgid


@dataclass(frozen=True)
class Msg:
    id: str | tuple[str, str]  # (singular, plural) for ngettext
    context: str | None = None

    @property
    def key(self) -> str:
        base = self.id if isinstance(self.id, str) else self.id[0]
        return f"{self.context}{SEP}{base}" if self.context else base


def _const(node: ast.AST) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def from_source(root: Path = SOURCE) -> dict[str, Msg]:
    found: dict[str, Msg] = {}

    def put(m: Msg) -> None:
        found.setdefault(m.key, m)

    for path in sorted(root.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            f = node.func
            name = f.id if isinstance(f, ast.Name) else f.attr if isinstance(f, ast.Attribute) else ""
            args = [_const(a) for a in node.args]
            if name in ("_", "N_") and args and args[0]:
                put(Msg(args[0]))
            elif name == "ngettext" and len(args) >= 2 and args[0] and args[1]:
                put(Msg((args[0], args[1])))
            elif name == "pgettext" and len(args) >= 2 and args[0] and args[1]:
                put(Msg(args[1], args[0]))
            elif name == "Col" and len(args) >= 2 and args[1]:
                context = next((_const(k.value) for k in node.keywords if k.arg == "context"), None)
                put(Msg(args[1], context))
    for vocabulary, codes in VOCABULARIES.items():
        for c in codes:
            put(Msg(c, vocabulary))
    return found


def from_commands() -> dict[str, Msg]:
    import typer

    from arcli.cli import commands
    from arcli.cli.main import COMMANDS, app, help_texts, load_command
    from arcli.i18n import set_language

    set_language("en")
    commands.load_all()
    texts = help_texts(typer.main.get_command(app))
    for name in COMMANDS:
        texts += help_texts(load_command(name))
        texts.append(COMMANDS[name][1])
    return {t: Msg(t) for t in texts}


def collect() -> dict[str, Msg]:
    return from_source() | from_commands()


def needs_words(m: Msg) -> bool:
    """A msgid made only of symbols, digits and placeholders reads the same in Chinese."""
    text = m.id if isinstance(m.id, str) else m.id[0]
    return bool(re.search(r"[A-Za-z]", re.sub(r"\{[^}]*\}", "", text)))


def _read():
    from babel.messages.pofile import read_po

    if not PO.exists():
        from babel.messages.catalog import Catalog

        return Catalog(locale="zh_Hans_CN", domain="arcli", project="arcli")
    with PO.open("rb") as f:
        return read_po(f, locale="zh_Hans_CN", domain="arcli")


def _write(catalog) -> None:
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import write_po

    PO.parent.mkdir(parents=True, exist_ok=True)
    with PO.open("wb") as f:
        write_po(f, catalog, width=0, sort_output=True, omit_header=False, no_location=True)
    with MO.open("wb") as f:
        write_mo(f, catalog)


def _translated(message) -> bool:
    s = message.string
    return bool(s if isinstance(s, str) else s and all(s))


def update() -> list[Msg]:
    """Bring arcli.po in line with the msgids in use; return the ones without Chinese."""
    catalog = _read()
    wanted = collect()
    for m in wanted.values():
        if catalog.get(m.id if isinstance(m.id, str) else m.id[0], context=m.context) is None:
            catalog.add(m.id, "" if isinstance(m.id, str) else ("", ""), context=m.context)
    for message in list(catalog):
        if not message.id:
            continue
        key = f"{message.context}{SEP}{_base(message.id)}" if message.context else _base(message.id)
        if key not in wanted:
            catalog.delete(message.id, context=message.context)
    _write(catalog)
    return missing(catalog, wanted)


def _base(msgid) -> str:
    return msgid if isinstance(msgid, str) else msgid[0]


def missing(catalog=None, wanted=None) -> list[Msg]:
    catalog = catalog or _read()
    wanted = wanted or collect()
    out = []
    for m in wanted.values():
        message = catalog.get(_base(m.id), context=m.context)
        if needs_words(m) and (message is None or not _translated(message)):
            out.append(m)
    return out


def add(path: str) -> int:
    catalog = _read()
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    n = 0
    for key, value in data.items():
        context, _sep, msgid = key.rpartition(SEP)
        message = catalog.get(msgid, context=context or None)
        if message is None:
            sys.stderr.write(f"not in the catalog (run update first?): {key!r}\n")
            continue
        message.string = tuple(value) if isinstance(message.id, tuple) else value
        n += 1
    _write(catalog)
    return n


def stale() -> bool:
    """True if arcli.mo is not what arcli.po compiles to."""
    from babel.messages.mofile import write_mo

    buf = io.BytesIO()
    write_mo(buf, _read())
    return not MO.exists() or MO.read_bytes() != buf.getvalue()


def main(argv: list[str]) -> int:
    cmd = argv[0] if argv else "check"
    if cmd == "update":
        left = update()
        print(f"{PO}: {len(left)} msgids without Chinese")
        return 0
    if cmd == "missing":
        for m in missing():
            print(json.dumps({"id": m.id, "context": m.context}, ensure_ascii=False))
        return 0
    if cmd == "add":
        print(f"{add(argv[1])} translations merged")
        return 0
    if cmd == "check":
        left = missing()
        for m in left:
            print(f"no Chinese for {m.key!r}")
        if stale():
            print(f"{MO.name} is stale: run `python -m arcli.i18n.catalog update`")
        return 1 if left or stale() else 0
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
