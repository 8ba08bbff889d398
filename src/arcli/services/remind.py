"""`ar remind`: a ready-to-send message whose tone follows the escalation level.

Templates are plain text files with ``$placeholders`` (Python's ``string.Template``): ``remind-0.txt`` (before
due) to ``remind-5.txt`` (legal). A file of the same name in ``$AR_TEMPLATES`` or in the user config directory
(``~/.config/arcli/templates`` on Linux) replaces the bundled one. Placeholders: $customer, $rep, $today,
$overdue_total, $due_total, $next_due, $days, $items, $promise_recap, $deadline.
"""

from __future__ import annotations

import datetime as dt
import os
import string
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from arcli.domain.collections import LEVELS
from arcli.domain.errors import ArError, InputError
from arcli.domain.money import format_amount
from arcli.services.collections import load_policy, promise_views, standing_of
from arcli.services.context import Context, unit_of_work
from arcli.services.lookup import resolve

DEADLINE_DAYS = (7, 7, 5, 7, 5, 7)  # days given to pay, by level


def template_dirs() -> list[Path]:
    from platformdirs import user_config_path

    dirs = [Path(os.environ["AR_TEMPLATES"])] if os.environ.get("AR_TEMPLATES") else []
    return [*dirs, user_config_path("arcli", appauthor=False) / "templates"]


def load_template(level: int) -> tuple[string.Template, str]:
    name = f"remind-{level}.txt"
    for d in template_dirs():
        if (d / name).is_file():
            return string.Template((d / name).read_text(encoding="utf-8")), str(d / name)
    return string.Template(resources.files("arcli").joinpath("templates", name).read_text(encoding="utf-8")), "bundled"


@dataclass(frozen=True)
class Reminder:
    customer: str
    level: int
    level_name: str
    text: str
    template: str


def remind(ctx: Context, customer_key: str, *, level: int | None = None) -> Reminder:
    if level is not None and not 0 <= level < len(LEVELS):
        raise InputError(f"--level must be 0 to {len(LEVELS) - 1}")
    with unit_of_work(ctx, write=False) as tx:
        customer = resolve(tx, customer_key)
        policy = load_policy(tx)
        st = standing_of(tx, customer, ctx.today, policy)
        items = tx.open_items(customer.id, as_of=ctx.today)
        views = promise_views(tx, customer.id, ctx.today, policy)
    if not items:
        raise ArError(f"{customer.name} owes nothing: no reminder to send")
    level = st.level if level is None else level
    overdue = [i for i in items if i.due < ctx.today]
    upcoming = [i for i in items if i.due >= ctx.today]
    lines = []
    for i in items:
        late = (ctx.today - i.due).days
        state = f"{late} days overdue" if late > 0 else ("due today" if late == 0 else f"due {i.due}")
        lines.append(f"  {i.ref:<12} delivered {i.delivered}  due {i.due}  {format_amount(i.open):>14}  ({state})")
    live = [v for v in views if v.status != "superseded"]
    recap = ""
    if live:
        p = live[-1]
        recap = (
            f"On {p.made_on} you promised to pay {format_amount(p.amount)} by {p.by}; "
            f"we have received {format_amount(p.paid)} of it."
        )
        ended = [v for v in live if v.status in ("kept", "partly_kept", "broken")]
        earlier = [v for v in ended if v is not p]
        if len(earlier) == 1:
            how = {"kept": "kept in full", "partly_kept": "kept only in part", "broken": "not kept"}
            recap += f" Your earlier promise was {how[earlier[0].status]}."
        elif earlier:
            kept = sum(1 for v in earlier if v.status == "kept")
            recap += f" Of your {len(earlier)} earlier promises, {kept} {'was' if kept == 1 else 'were'} kept in full."
        recap += "\n"
    template, source = load_template(level)
    values = dict(
        customer=customer.name,
        rep=customer.rep or ctx.actor or "",
        today=ctx.today.isoformat(),
        overdue_total=format_amount(sum(i.open for i in overdue)),
        due_total=format_amount(sum(i.open for i in upcoming)),
        next_due=min(i.due for i in upcoming).isoformat() if upcoming else "-",
        days=str(max(((ctx.today - i.due).days for i in overdue), default=0)),
        items="\n".join(lines),
        promise_recap=recap,
        deadline=(ctx.today + dt.timedelta(days=DEADLINE_DAYS[level])).isoformat(),
    )
    try:
        text = template.substitute(values)
    except (KeyError, ValueError) as exc:
        raise ArError(f"template {source} has an unknown or malformed placeholder: {exc}") from None
    return Reminder(customer.name, level, LEVELS[level], text.rstrip() + "\n", source)
