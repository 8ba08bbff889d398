"""`ar check`: the ledger's invariants, verified from the posted rows (``arcli.storage.integrity``); `ar history`:
the audit trail of one customer."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from arcli.domain import aging
from arcli.domain.money import format_amount
from arcli.i18n import _
from arcli.services.context import Context, unit_of_work
from arcli.services.lookup import resolve
from arcli.storage import describe

if TYPE_CHECKING:
    from arcli.storage.integrity import Steps


@dataclass(frozen=True)
class Finding:
    check: str
    message: str


@dataclass
class CheckReport:
    ledger: str
    faults: list[Finding] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.faults


def check(ctx: Context, progress: Steps | None = None) -> CheckReport:
    """Run every check in one read transaction (a consistent snapshot while others write); ``progress(done,
    total, what)`` hears of each check as it starts and of the rows a long one has read (total 0: not known)."""
    report = CheckReport(describe(ctx.url))
    with unit_of_work(ctx, write=False) as tx:
        report.faults += [Finding(f.check, f.message) for f in tx.faults(progress)]
        if progress is not None:
            progress(0, 0, _("the aging buckets"))
        saved = tx.settings().get("aging.buckets")
        try:
            cuts = aging.parse_cutoffs(saved or ",".join(map(str, aging.DEFAULT_CUTOFFS)))
        except Exception as exc:  # a setting no report could use is a fault of its own
            report.faults.append(
                Finding(
                    "setting", _("aging.buckets {saved!r} cannot be used: {reason}").format(saved=saved, reason=exc)
                )
            )
            cuts = list(aging.DEFAULT_CUTOFFS)
        for basis in ("due", "delivery"):
            buckets = sum(int(r.amount) for r in tx.aging(ctx.today, cuts, basis=basis))
            history = tx.open_total_from_history(ctx.today)
            if buckets != history:
                report.faults.append(
                    Finding(
                        "aging",
                        (
                            _("the aging buckets (due basis) add up to {buckets} but {history} is open as of {day}")
                            if basis == "due"
                            else _(
                                "the aging buckets (delivery basis) add up to {buckets} but {history} is open as of "
                                "{day}"
                            )
                        ).format(buckets=format_amount(buckets), history=format_amount(history), day=ctx.today),
                    )
                )
        report.counts = tx.row_counts()
    return report


@dataclass(frozen=True)
class HistoryLine:
    at: Any  # when it was written (aware datetime, UTC)
    command: str
    actor: str | None
    what: str
    ref: str | None
    date: Any
    amount: int | None
    note: str | None


def history(ctx: Context, key: str, *, limit: int | None = None) -> tuple[str, list[HistoryLine]]:
    """The audit trail of one customer: every record written about them, oldest first (the last ``limit``)."""
    with unit_of_work(ctx, write=False) as tx:
        customer = resolve(tx, key)
        rows = tx.history(customer.id, limit=limit)
    return customer.name, [
        HistoryLine(
            at=r.at,
            command=r.command,
            actor=r.actor,
            what=r.what,
            ref=r.ref,
            date=r.date,
            amount=None if r.amount is None else int(r.amount),
            note=r.note,
        )
        for r in rows
    ]
