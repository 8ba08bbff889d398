"""`ar init` and `ar demo`."""

from __future__ import annotations

from typing import Annotated

import typer

from arcli.cli.common import context
from arcli.cli.main import app
from arcli.cli.render import say


@app.command("init")
def init(ctx: typer.Context) -> None:
    """Create the ledger (or upgrade an older one) and say where it is."""
    from arcli.services.admin import init_ledger

    where, revision = init_ledger(context(ctx, "init"))
    say(f"Ledger ready at {where} (schema {revision})")


@app.command("demo")
def demo(
    ctx: typer.Context,
    out: Annotated[
        str | None,
        typer.Option(
            "--out",
            metavar="PATH",
            help="Where to build the sample ledger (must not exist). "
            "Default: demo.db in the user data directory, rebuilt each time.",
        ),
    ] = None,
) -> None:
    """Build a sample ledger in a fresh file and show what the rep must chase."""
    from arcli.cli.commands.collections import show_due
    from arcli.cli.commands.reports import show_balance
    from arcli.services.admin import build_demo
    from arcli.services.collections import due
    from arcli.services.reports import balance

    c = context(ctx, "demo")
    result = build_demo(c, out)
    n = result.counts
    say(
        f"Built the sample ledger at {result.path} as of {c.today.isoformat()}: {result.customers} customers, "
        f"{n['delivery']} deliveries, {n['payment']} payments, {n['void']} void, {n['promise']} promises, "
        f"{n['contact']} contacts, {n['dispute']} disputes."
    )
    say(result.story)
    say("")
    show_balance(balance(result.context))
    say("")
    show_due(due(result.context, c.today), c.today)
    say(f"Explore it: export AR_DB={result.path}; then ar due, ar customer show HONGDA, ar ledger 鸿达医药代理")
