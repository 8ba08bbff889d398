"""Setting up a ledger, and building the sample ledger `ar demo` shows."""

from __future__ import annotations

import dataclasses
import tomllib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

from arcli.domain.dates import parse_date
from arcli.domain.errors import ArError, InputError
from arcli.domain.money import parse_amount
from arcli.i18n import _, language
from arcli.services import collections, customers, entries
from arcli.services.context import Context, unit_of_work
from arcli.storage import default_db_path, describe
from arcli.storage.engine import HEAD

if TYPE_CHECKING:
    from arcli.storage.integrity import Steps

SAMPLE = "sample-ledger.toml"


def init_ledger(ctx: Context) -> tuple[str, str]:
    with unit_of_work(ctx, write=True, create=True):
        pass
    return describe(ctx.url), HEAD


def sample_file() -> Path:
    """The bundled sample: inside the installed package, or data/ at the top of a source checkout."""
    packaged = resources.files("arcli").joinpath("data", SAMPLE)
    if packaged.is_file():
        return Path(str(packaged))
    checkout = Path(__file__).resolve().parents[3] / "data" / SAMPLE
    if checkout.is_file():
        return checkout
    raise ArError(_("the sample ledger {SAMPLE} is missing from this installation").format(SAMPLE=SAMPLE))


@dataclass(frozen=True)
class DemoResult:
    path: Path
    context: Context  # a Context on the demo ledger, for showing it
    customers: int
    counts: dict[str, int]  # events posted, by kind
    story: str


def _remove(path: Path) -> None:
    for p in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        p.unlink(missing_ok=True)


def build_demo(ctx: Context, out: str | None, sample: Path | None = None) -> DemoResult:
    """Build the sample ledger in a fresh SQLite file, through the same services the commands use.

    Dates in the sample are relative to ``ctx.today`` (``-7d``), so its story is always current.
    """
    if out is not None:
        path = Path(out).expanduser().absolute()
        if path.exists():
            raise ArError(
                _("{path} exists already: `ar demo --out` builds a fresh file, choose another path").format(path=path)
            )
    else:
        path = default_db_path().with_name("demo.db")
        _remove(path)
    data = tomllib.loads((sample or sample_file()).read_text(encoding="utf-8"))
    demo = dataclasses.replace(ctx, url=f"sqlite:///{path}", command="demo")
    counts = {"delivery": 0, "payment": 0, "void": 0, "contact": 0, "promise": 0, "dispute": 0}
    try:
        for c in data["customer"]:
            limit = c.get("credit_limit")
            customers.add_customer(
                demo,
                c["name"],
                code=c.get("code"),
                terms=c.get("terms"),
                rep=c.get("rep"),
                phone=c.get("phone"),
                note=c.get("note"),
                credit_limit=parse_amount(limit) if limit else None,
            )
        for e in data["event"]:
            kind, when = e["kind"], parse_date(e["date"], ctx.today)
            at = dataclasses.replace(demo, today=when)  # contacts, promises and disputes are dated "today"
            if kind == "delivery":
                entries.add_delivery(
                    demo,
                    e["customer"],
                    parse_amount(e["amount"]),
                    date=when,
                    ref=e.get("ref"),
                    terms=e.get("terms"),
                    note=e.get("note"),
                    force=e.get("force", False),
                )
            elif kind == "payment":
                entries.add_payment(
                    demo,
                    e["customer"],
                    parse_amount(e["amount"]),
                    date=when,
                    ref=e.get("ref"),
                    method=e.get("method", "bank"),
                    note=e.get("note"),
                )
            elif kind == "void":
                entries.void(demo, e["what"], e["ref"], reason=e["reason"], date=when)
            elif kind == "contact":
                collections.add_contact(
                    at,
                    e["customer"],
                    e["channel"],
                    outcome=e.get("outcome"),
                    note=e.get("note"),
                    next_date=parse_date(e["next"], ctx.today) if "next" in e else None,
                )
            elif kind == "promise":
                collections.add_promise(
                    at,
                    e["customer"],
                    parse_amount(e["amount"]),
                    parse_date(e["by"], ctx.today),
                    items=e.get("items"),
                    note=e.get("note"),
                )
            elif kind == "dispute":
                did = collections.add_dispute(
                    at,
                    e["customer"],
                    e["reason"],
                    items=e.get("items"),
                    note=e.get("note"),
                    amount=parse_amount(e["amount"]) if "amount" in e else None,
                )
                if "resolved" in e:
                    on = dataclasses.replace(demo, today=parse_date(e["resolved"], ctx.today))
                    collections.resolve_dispute(on, did, e["resolution"])
            else:
                raise InputError(_("sample ledger: unknown event kind {kind!r}").format(kind=kind))
            counts[kind] += 1
    except BaseException:
        _remove(path)
        raise
    return DemoResult(
        path, demo, len(data["customer"]), counts, data.get("story_zh" if language() == "zh" else "story", "").strip()
    )


def backup(ctx: Context, target: str, *, force: bool) -> tuple[str, Path]:
    from arcli.storage.backup import backup as run

    return describe(ctx.url), run(ctx.url, Path(target), force=force)


def restore(ctx: Context, source: str, *, force: bool, progress: Steps | None = None) -> tuple[str, Path]:
    from arcli.storage.backup import restore as run

    return str(Path(source).expanduser().absolute()), run(ctx.url, Path(source), force=force, progress=progress)
