"""Read models: the balance view and the customer statement (对账单), exact as of a date."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from arcli.domain.allocation import OpenItem
from arcli.domain.errors import InputError
from arcli.domain.records import Customer
from arcli.domain.terms import describe_terms
from arcli.i18n import _, code, money
from arcli.services.context import Context, unit_of_work
from arcli.services.lookup import resolve
from arcli.storage import Tx


@dataclass(frozen=True)
class BalanceRow:
    customer: str
    code: str | None
    rep: str | None
    open: int  # Σ open items (what is owed), fen
    overdue: int  # the part of open whose due date is before the as-of date
    not_due: int  # the part due on the as-of date or later
    credit: int  # on-account credit: money received and not yet applied
    balance: int  # Σ deliveries − Σ payments ± reversals = open − credit
    oldest_overdue_days: int  # days since the oldest overdue item fell due; 0 if nothing is overdue
    credit_limit: int | None = None


@dataclass(frozen=True)
class BalanceReport:
    as_of: dt.date
    rows: list[BalanceRow]
    totals: BalanceRow
    net_open: int  # Σ open − Σ credit over every customer (whatever rows a filter keeps)
    ledger_total: int  # Σ deliveries − Σ payments ± voids over the whole ledger, summed independently

    @property
    def reconciled(self) -> bool:
        return self.net_open == self.ledger_total


def balance_rows(tx: Tx, as_of: dt.date, *, customer_id: int | None = None) -> list[BalanceRow]:
    out = []
    for r in tx.balances(as_of, customer_id=customer_id):
        open_, overdue, credit = int(r.open), int(r.overdue), int(r.credit)
        out.append(
            BalanceRow(
                customer=r.name,
                code=r.code,
                rep=r.rep,
                open=open_,
                overdue=overdue,
                not_due=open_ - overdue,
                credit=credit,
                balance=int(r.balance),
                oldest_overdue_days=(as_of - r.oldest_due).days if r.oldest_due else 0,
                credit_limit=r.credit_limit,
            )
        )
    return out


def balance(ctx: Context, *, rep: str | None = None, include_settled: bool = True) -> BalanceReport:
    with unit_of_work(ctx, write=False) as tx:
        rows = balance_rows(tx, ctx.today)
        ledger_total = tx.ledger_total(ctx.today)
    everyone = sum(r.open - r.credit for r in rows)
    if rep is not None:
        rows = [r for r in rows if r.rep == rep]
    if not include_settled:
        rows = [r for r in rows if r.open or r.credit]
    rows.sort(key=lambda r: (-r.overdue, -r.open, r.customer))
    totals = BalanceRow(
        customer="TOTAL",  # shown translated by the CLI
        code=None,
        rep=None,
        open=sum(r.open for r in rows),
        overdue=sum(r.overdue for r in rows),
        not_due=sum(r.not_due for r in rows),
        credit=sum(r.credit for r in rows),
        balance=sum(r.balance for r in rows),
        oldest_overdue_days=max((r.oldest_overdue_days for r in rows), default=0),
    )
    return BalanceReport(ctx.today, rows, totals, everyone, ledger_total)


@dataclass(frozen=True)
class StatementLine:
    date: dt.date
    kind: str  # delivery | payment | reversal
    ref: str
    details: str
    debit: int  # what it added to the balance (deliveries, voided payments)
    credit: int  # what it took off (payments, voided deliveries)
    balance: int  # running balance after this line


@dataclass(frozen=True)
class Statement:
    customer: Customer
    start: dt.date | None
    end: dt.date
    opening: int
    lines: list[StatementLine]
    closing: int
    open_items: list[OpenItem]
    on_account: int  # on-account credit at the end date
    as_of: dt.date

    def days_overdue(self, item: OpenItem) -> int:
        return max(0, (self.end - item.due).days)


def _details(r, applied: dict[int, list[str]]) -> str:
    if r.kind == "delivery":
        text = (
            _("due {day}").format(day=r.due.isoformat())
            if r.due
            else _("terms {terms}").format(terms=describe_terms(r.terms))
        )
    elif r.kind in ("payment", "writeoff"):
        text = (
            code("method", r.method or "") if r.kind == "payment" else _("bad debt: {reason}").format(reason=r.reason)
        )
        if applied.get(r.id):
            text += " → " + ", ".join(applied[r.id])
    else:
        text = r.reason or ""
    if r.note:
        text = f"{text}; {r.note}" if text else r.note
    return text


def statement(ctx: Context, key: str, *, start: dt.date | None = None, end: dt.date | None = None) -> Statement:
    end = end or ctx.today
    if start is not None and start > end:
        raise InputError(_("--from {start} is after --to {end}").format(start=start, end=end))
    with unit_of_work(ctx, write=False) as tx:
        customer = resolve(tx, key)
        opening = tx.balance_before(customer.id, start) if start else 0
        running = opening
        applied: dict[int, list[str]] = {}
        for a in tx.applied_by_payment(customer.id, end):
            applied.setdefault(a.payment_id, []).append(f"{a.item_ref} {money(int(a.amount))}")
        lines = []
        for r in tx.statement_entries(customer.id, start, end):
            running += int(r.delta)
            lines.append(
                StatementLine(
                    date=r.date,
                    kind=r.kind,
                    ref=r.ref,
                    details=_details(r, applied),
                    debit=max(0, int(r.delta)),
                    credit=max(0, -int(r.delta)),
                    balance=running,
                )
            )
        items = tx.open_items(customer.id, as_of=end)
        on_account = sum(c for *_, c in tx.payment_credits(customer.id, as_of=end))
    return Statement(customer, start, end, opening, lines, running, items, on_account, ctx.today)
