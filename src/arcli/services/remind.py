"""`ar remind`: a ready-to-send message whose tone follows the escalation level.

Templates are plain text files with ``$placeholders`` (Python's ``string.Template``): ``remind-0.txt`` (before
due) to ``remind-5.txt`` (legal), and ``remind-0.zh.txt`` … ``remind-5.zh.txt`` in Chinese business style (used
with ``--lang zh``). A file of the same name in ``$AR_TEMPLATES`` or in the user config directory
(``~/.config/arcli/templates`` on Linux) replaces the bundled one. Amounts in a reminder are always exact.
Placeholders: $customer, $rep, $today,
$overdue_total, $due_total, $next_due, $days, $items, $promise_recap, $deadline.
"""

from __future__ import annotations

import datetime as dt
import os
import string
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from arcli.domain.collections import LEVELS, level_name
from arcli.domain.errors import ArError, InputError
from arcli.domain.money import format_amount
from arcli.i18n import _, language, ngettext
from arcli.services.collections import load_policy, promise_views, standing_of
from arcli.services.context import Context, unit_of_work
from arcli.services.lookup import resolve

DEADLINE_DAYS = (7, 7, 5, 7, 5, 7)  # days given to pay, by level


def template_dirs() -> list[Path]:
    from platformdirs import user_config_path

    dirs = [Path(os.environ["AR_TEMPLATES"])] if os.environ.get("AR_TEMPLATES") else []
    return [*dirs, user_config_path("arcli", appauthor=False) / "templates"]


def load_template(level: int) -> tuple[string.Template, str]:
    name = f"remind-{level}.txt" if language() == "en" else f"remind-{level}.{language()}.txt"
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
        raise InputError(_("--level must be 0 to {value}").format(value=len(LEVELS) - 1))
    with unit_of_work(ctx, write=False) as tx:
        customer = resolve(tx, customer_key)
        policy = load_policy(tx)
        st = standing_of(tx, customer, ctx.today, policy)
        items = tx.open_items(customer.id, as_of=ctx.today)
        views = promise_views(tx, customer.id, ctx.today, policy)
    if not items:
        raise ArError(_("{name} owes nothing: no reminder to send").format(name=customer.name))
    level = st.level if level is None else level
    overdue = [i for i in items if i.due < ctx.today]
    upcoming = [i for i in items if i.due >= ctx.today]
    lines = []
    for i in items:
        late = (ctx.today - i.due).days
        if late > 0:
            state = _("{days} days overdue").format(days=late)
        else:
            state = _("due today") if late == 0 else _("due {day}").format(day=i.due)
        lines.append(
            _("  {ref:<12} delivered {delivered}  due {due}  {amount:>14}  ({state})").format(
                ref=i.ref, delivered=i.delivered, due=i.due, amount=format_amount(i.open), state=state
            )
        )
    live = [v for v in views if v.status != "superseded"]
    recap = ""
    if live:
        p = live[-1]
        recap = _("On {made} you promised to pay {amount} by {by}; we have received {paid} of it.").format(
            made=p.made_on, amount=format_amount(p.amount), by=p.by, paid=format_amount(p.paid)
        )
        ended = [v for v in live if v.status in ("kept", "partly_kept", "broken")]
        earlier = [v for v in ended if v is not p]
        if len(earlier) == 1:
            how = {
                "kept": _(" Your earlier promise was kept in full."),
                "partly_kept": _(" Your earlier promise was kept only in part."),
                "broken": _(" Your earlier promise was not kept."),
            }
            recap += how[earlier[0].status]
        elif earlier:
            kept = sum(1 for v in earlier if v.status == "kept")
            recap += ngettext(
                " Of your {n} earlier promises, {kept} was kept in full.",
                " Of your {n} earlier promises, {kept} were kept in full.",
                kept,
            ).format(n=len(earlier), kept=kept)
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
        raise ArError(
            _("template {source} has an unknown or malformed placeholder: {exc}").format(source=source, exc=exc)
        ) from None
    return Reminder(customer.name, level, level_name(level), text.rstrip() + "\n", source)
