"""The collections workflow: promises, the contact log, disputes, credit holds, the policy settings, each
customer's standing (level, grade, next follow-up), and the morning list (`ar due`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import cached_property
from typing import Any

from arcli.domain import collections as rules
from arcli.domain.aging import DEFAULT_CUTOFFS, parse_cutoffs
from arcli.domain.collections import Policy, Promise, PromiseOutcome
from arcli.domain.errors import Conflict, InputError, NotFound
from arcli.domain.records import Customer
from arcli.i18n import N_, VOCABULARIES, _
from arcli.services.context import Context, unit_of_work
from arcli.services.lookup import resolve
from arcli.storage import Tx, promise_of

CHANNELS = VOCABULARIES["channel"]
REASONS = VOCABULARIES["reason"]
STATUSES = VOCABULARIES["promise"]

# -- policy --------------------------------------------------------------------------------------------------

SETTINGS = {
    "promise.grace_days": N_("days after a promise's date that payments still count (default 0)"),
    "promise.threshold": N_("percent of the promised amount that makes it kept (default 100)"),
    "escalation.ladder": N_("days overdue that start levels 1-5 (default 1,15,30,60,90)"),
    "cadence": N_("days between follow-ups for grades A,B,C,D (default 14,7,3,1)"),
    "aging.buckets": N_("the cut-offs of `ar report aging` (default 30,60,90,180,365)"),
    "team.own_customers_only": N_("PostgreSQL: a rep (database login) sees only their customers: on|off (default off)"),
}
_ON, _OFF = ("on", "true", "yes", "1"), ("off", "false", "no", "0")


def _ints(text: str, n: int, key: str) -> tuple[int, ...]:
    try:
        values = tuple(int(x) for x in text.replace(" ", "").split(","))
    except ValueError:
        raise InputError(
            _("{key}: give {n} whole numbers separated by commas, not {text!r}").format(key=key, n=n, text=text)
        ) from None
    if len(values) != n or any(v < 0 for v in values):
        raise InputError(
            _("{key}: give {n} whole numbers (0 or more) separated by commas, not {text!r}").format(
                key=key, n=n, text=text
            )
        )
    return values


def parse_setting(key: str, value: str) -> str:
    """Validate a setting; return its canonical text."""
    if key == "promise.grace_days":
        return str(_ints(value, 1, key)[0])
    if key == "promise.threshold":
        try:
            pct = Decimal(value.strip().rstrip("%"))
        except InvalidOperation:
            raise InputError(
                _("{key}: a percentage such as 100 or 90, not {value!r}").format(key=key, value=value)
            ) from None
        if not 0 < pct <= 100:
            raise InputError(
                _("{key}: a percentage above 0 and at most 100, not {value!r}").format(key=key, value=value)
            )
        return format(pct.normalize(), "f")
    if key == "escalation.ladder":
        ladder = _ints(value, 5, key)
        if list(ladder) != sorted(ladder) or ladder[0] < 1:
            raise InputError(
                _("{key}: five increasing day counts starting at 1 or more, not {value!r}").format(key=key, value=value)
            )
        return ",".join(map(str, ladder))
    if key == "cadence":
        cadence = _ints(value, 4, key)
        if any(c < 1 for c in cadence):
            raise InputError(_("{key}: four day counts of 1 or more, not {value!r}").format(key=key, value=value))
        return ",".join(map(str, cadence))
    if key == "aging.buckets":
        return ",".join(map(str, parse_cutoffs(value)))
    if key == "team.own_customers_only":
        word = value.strip().lower()
        if word not in _ON + _OFF:
            raise InputError(_("{key}: on or off, not {value!r}").format(key=key, value=value))
        return "on" if word in _ON else "off"
    raise InputError(_("unknown setting {key!r}: one of {value}").format(key=key, value=", ".join(SETTINGS)))


def load_policy(tx: Tx) -> Policy:
    s = tx.settings()
    p = Policy()
    return Policy(
        grace_days=int(s.get("promise.grace_days", p.grace_days)),
        threshold=Decimal(s.get("promise.threshold", p.threshold)),
        ladder=tuple(int(x) for x in s["escalation.ladder"].split(",")) if "escalation.ladder" in s else p.ladder,
        cadence=tuple(int(x) for x in s["cadence"].split(",")) if "cadence" in s else p.cadence,  # type: ignore[arg-type]
    )


def set_config(ctx: Context, key: str, value: str | None) -> str | None:
    canonical = parse_setting(key, value) if value is not None else None
    if value is None and key not in SETTINGS:
        raise InputError(_("unknown setting {key!r}: one of {value}").format(key=key, value=", ".join(SETTINGS)))
    with unit_of_work(ctx, write=True, create=True) as tx:
        if key == "team.own_customers_only":
            tx.set_row_security(canonical == "on")
        tx.set_setting(key, canonical)
    return canonical


def show_config(ctx: Context) -> list[tuple[str, str, str]]:
    with unit_of_work(ctx, write=False) as tx:
        stored = tx.settings()
        p = load_policy(tx)
    current = {
        "promise.grace_days": str(p.grace_days),
        "promise.threshold": format(p.threshold.normalize(), "f"),
        "escalation.ladder": ",".join(map(str, p.ladder)),
        "cadence": ",".join(map(str, p.cadence)),
        "aging.buckets": stored.get("aging.buckets", ",".join(map(str, DEFAULT_CUTOFFS))),
        "team.own_customers_only": stored.get("team.own_customers_only", "off"),
    }
    return [(k, current[k], N_("set") if k in stored else N_("default")) for k in SETTINGS]


# -- promises ------------------------------------------------------------------------------------------------


@dataclass
class PromiseView:
    id: int
    customer: str
    amount: int
    by: dt.date
    made_on: dt.date
    grace_days: int
    items: list[str]
    note: str | None
    status: str
    paid: int
    chain: list[int] = field(default_factory=list)  # ids from the first promise on these items to this one


def _outcomes(tx: Tx, customer_id: int, as_of: dt.date, policy: Policy) -> tuple[list[Any], list[PromiseOutcome]]:
    rows = tx.promises(customer_id, as_of=as_of)
    outcomes = rules.evaluate_promises(
        [promise_of(r) for r in rows], tx.payments(customer_id, as_of), as_of, policy.threshold
    )
    return rows, outcomes


def promise_views(tx: Tx, customer_id: int, as_of: dt.date, policy: Policy) -> list[PromiseView]:
    """All of one customer's promises as they stand on a day."""
    return _views(*_outcomes(tx, customer_id, as_of, policy))


def _views(
    rows: list[Any], outcomes: list[PromiseOutcome], customer: str | None = None, only: int | None = None
) -> list[PromiseView]:
    """The promises as views (or only the one at index ``only``), each with its chain of superseded ones."""
    by_id = {r.id: r for r in rows}
    views = []
    pairs = zip(rows, outcomes, strict=True) if only is None else [(rows[only], outcomes[only])]
    for r, o in pairs:
        chain = [r.id]
        while by_id.get(chain[0]) is not None and by_id[chain[0]].supersedes_id is not None:
            chain.insert(0, by_id[chain[0]].supersedes_id)
        views.append(
            PromiseView(
                r.id,
                customer or r.customer,
                int(r.amount),
                r.by_date,
                r.made_on,
                r.grace_days,
                r.items.split(";") if r.items else [],
                r.note,
                o.status,
                o.paid,
                chain,
            )
        )
    return views


def add_promise(
    ctx: Context,
    customer_key: str,
    amount: int,
    by: dt.date,
    *,
    items: list[str] | None = None,
    note: str | None = None,
    grace_days: int | None = None,
) -> PromiseView:
    """Record a promise to pay. A new promise on the same items (or, without items, the customer's open promise
    without items) supersedes the open one it replaces; the chain is kept."""
    if by < ctx.today:
        raise InputError(_("--by {by} is in the past: a promise is to pay from today on").format(by=by))
    if grace_days is not None and not 0 <= grace_days <= 365:
        raise InputError(_("--grace must be between 0 and 365 days"))
    with unit_of_work(ctx, write=True) as tx:
        customer = resolve(tx, customer_key)
        policy = load_policy(tx)
        refs = sorted(set(items or []))
        if refs:
            open_refs = {i.ref for i in tx.open_items(customer.id)} | {
                i.delivery_ref for i in tx.open_items(customer.id)
            }
            for ref in refs:
                if ref not in open_refs:
                    raise NotFound(
                        _("--items {ref}: no open item or delivery {ref!r} of {name}").format(
                            ref=ref, name=customer.name
                        )
                    )
        key = ";".join(refs) or None
        rows, outcomes = _outcomes(tx, customer.id, ctx.today, policy)
        replaced = [r.id for r, o in zip(rows, outcomes, strict=True) if o.status == "open" and r.items == key]
        new_id = tx.insert_promise(
            customer_id=customer.id,
            amount=amount,
            by_date=by,
            made_on=ctx.today,
            grace_days=policy.grace_days if grace_days is None else grace_days,
            items=key,
            supersedes_id=replaced[-1] if replaced else None,
            note=note,
            created_at=ctx.now,
            actor=ctx.actor,
        )
        rows, outcomes = _outcomes(tx, customer.id, ctx.today, policy)
        return next(v for v in _views(rows, outcomes) if v.id == new_id)


def list_promises(
    ctx: Context, *, status: str | None = None, customer: str | None = None, rep: str | None = None
) -> list[PromiseView]:
    if status is not None and status not in STATUSES:
        raise InputError(
            _("unknown status {status!r}: one of {value}").format(status=status, value=", ".join(STATUSES))
        )
    with unit_of_work(ctx, write=False) as tx:
        policy = load_policy(tx)
        if customer is not None:
            views = promise_views(tx, resolve(tx, customer).id, ctx.today, policy)
        else:  # every customer: two queries, then evaluated customer by customer
            rows_by: dict[int, list[Any]] = {}
            for r in tx.promises(rep=rep, as_of=ctx.today):
                rows_by.setdefault(r.customer_id, []).append(r)
            paid_by: dict[int, list[tuple[dt.date, int]]] = {}
            for cid, d, amount in tx.payments_for(dt.date.min, ctx.today):
                paid_by.setdefault(cid, []).append((d, amount))
            views = []
            for cid, rows in rows_by.items():
                outcomes = rules.evaluate_promises(
                    [promise_of(r) for r in rows], paid_by.get(cid, []), ctx.today, policy.threshold
                )
                views += _views(rows, outcomes)
    views.sort(key=lambda v: (v.by, v.id))
    return [v for v in views if status is None or v.status == status]


def show_promise(ctx: Context, promise_id: int) -> PromiseView:
    with unit_of_work(ctx, write=False) as tx:
        rows = tx.promises(promise_id=promise_id)
        if not rows:
            raise NotFound(_("no promise {promise_id}").format(promise_id=promise_id))
        views = promise_views(tx, rows[0].customer_id, ctx.today, load_policy(tx))
    return next(v for v in views if v.id == promise_id)


# -- contact log, disputes, holds ----------------------------------------------------------------------------


def add_contact(
    ctx: Context,
    customer_key: str,
    channel: str,
    *,
    note: str | None = None,
    outcome: str | None = None,
    next_date: dt.date | None = None,
) -> tuple[str, dt.date | None]:
    if channel not in CHANNELS:
        raise InputError(
            _("unknown channel {channel!r}: one of {value}").format(channel=channel, value=", ".join(CHANNELS))
        )
    if next_date is not None and next_date < ctx.today:
        raise InputError(_("--next {next_date} is in the past").format(next_date=next_date))
    with unit_of_work(ctx, write=True) as tx:
        customer = resolve(tx, customer_key)
        tx.insert_contact(
            customer_id=customer.id,
            date=ctx.today,
            channel=channel,
            outcome=outcome,
            note=note,
            next_date=next_date,
            created_at=ctx.now,
            actor=ctx.actor,
        )
        if next_date is None:
            next_date = standing_of(tx, customer, ctx.today, load_policy(tx)).next_follow_up
        return customer.name, next_date


def list_contacts(
    ctx: Context, *, customer: str | None = None, limit: int | None = None, rep: str | None = None
) -> list[Any]:
    with unit_of_work(ctx, write=False) as tx:
        cid = resolve(tx, customer).id if customer else None
        return tx.contacts(cid, limit, rep=rep)


def add_dispute(
    ctx: Context,
    customer_key: str,
    reason: str,
    *,
    items: list[str] | None = None,
    amount: int | None = None,
    note: str | None = None,
) -> int:
    if reason not in REASONS:
        raise InputError(_("unknown reason {reason!r}: one of {value}").format(reason=reason, value=", ".join(REASONS)))
    with unit_of_work(ctx, write=True) as tx:
        customer = resolve(tx, customer_key)
        for ref in items or []:
            found = tx.item_lookup(ref)
            if found is None or found.customer_id != customer.id:
                raise NotFound(
                    _("--items {ref}: no item or delivery {ref!r} of {name}").format(ref=ref, name=customer.name)
                )
        return tx.insert_dispute(
            customer_id=customer.id,
            reason=reason,
            amount=amount,
            items=";".join(items or []) or None,
            note=note,
            opened_on=ctx.today,
            created_at=ctx.now,
            actor=ctx.actor,
        )


def resolve_dispute(ctx: Context, dispute_id: int, resolution: str) -> Any:
    resolution = (resolution or "").strip()
    if not resolution:
        raise InputError(_("--resolution is empty: a dispute is closed with a written answer"))
    with unit_of_work(ctx, write=True) as tx:
        rows = tx.disputes(dispute_id=dispute_id)
        if not rows:
            raise NotFound(_("no dispute {dispute_id}").format(dispute_id=dispute_id))
        if rows[0].resolved_on is not None:
            if rows[0].resolution == resolution:
                return rows[0]
            raise Conflict(
                _("dispute {dispute_id} was resolved already on {resolved_on}").format(
                    dispute_id=dispute_id, resolved_on=rows[0].resolved_on
                )
            )
        tx.resolve_dispute(dispute_id, ctx.today, resolution)
        return tx.disputes(dispute_id=dispute_id)[0]


def list_disputes(
    ctx: Context, *, open_only: bool = False, customer: str | None = None, rep: str | None = None
) -> list[Any]:
    with unit_of_work(ctx, write=False) as tx:
        cid = resolve(tx, customer).id if customer else None
        return tx.disputes(open_only=open_only, customer_id=cid, rep=rep)


def set_hold(ctx: Context, customer_key: str, *, hold: bool, reason: str | None = None) -> tuple[str, bool]:
    """Put a customer on credit hold, or release it. Returns (name, changed)."""
    with unit_of_work(ctx, write=True) as tx:
        customer = resolve(tx, customer_key)
        active = tx.active_hold(customer.id)
        if hold and active is None:
            tx.insert_hold(customer_id=customer.id, since=ctx.today, reason=reason, created_at=ctx.now)
            return customer.name, True
        if not hold and active is not None:
            tx.release_hold(active.id, ctx.today)
            return customer.name, True
        return customer.name, False


# -- a customer's standing -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Standing:
    level: int | None  # None: nothing open
    grade: rules.Grade
    keep_rate: Decimal | None
    keep_rate_amount: Decimal | None
    broken_90d: int
    broken_since_payment: int
    broken_unanswered: int
    last_contact: dt.date | None
    next_follow_up: dt.date | None
    on_hold: bool
    hold_reason: str | None
    promised_today: int
    open_disputes: int
    # the latest live promise, as (the rows, their outcomes, its index, the customer's name): made into a view
    # only when someone reads it (the morning list reads only the status, of thousands of customers)
    latest: tuple[list[Any], list[PromiseOutcome], int, str] | None = None

    @property
    def latest_status(self) -> str:
        """The latest live promise's status, "" when there is none."""
        return self.latest[1][self.latest[2]].status if self.latest else ""

    @property
    def level_name(self) -> str:
        return rules.level_name(self.level) if self.level is not None else "-"

    @cached_property
    def latest_promise(self) -> PromiseView | None:
        if self.latest is None:
            return None
        rows, outcomes, index, customer = self.latest
        return _views(rows, outcomes, customer=customer, only=index)[0]

    @property
    def next_step(self) -> str:
        if self.open_disputes:
            return _("answer the dispute in writing")
        if self.level is None:
            return _("nothing to collect")
        return rules.level_name(self.level)


HISTORY_DAYS = 365  # grades, keep rates and lateness look at the last 12 months


@dataclass(slots=True)
class _Facts:
    """What the standing of one customer is computed from; loaded for many customers at once."""

    customer: Any  # a whole record, an (id, name, rep) label row, or (the morning list, until named) None
    promises: Sequence[Any] = ()  # promise rows dated within the history window
    outcomes: Sequence[PromiseOutcome] = ()  # theirs on the day, in the same order
    contact: tuple[dt.date, dt.date | None] | None = None
    oldest_due: dt.date | None = None
    has_open: bool = False
    open_disputes: int = 0
    hold: Any = None
    # loaded by `_add_details`, for every customer or (the morning list) the few it ranks exactly
    lateness: tuple[int, int] | None = None  # None: not loaded
    last_payment: dt.date | None = None  # loaded for customers with a broken promise (only they need it)


def _load_facts(
    tx: Tx,
    customers: dict[int, Any],
    day: dt.date,
    open_state: dict[int, tuple[bool, dt.date | None]],
    policy: Policy,
    *,
    details: bool = True,
    promises: list[Any] | None = None,
    disputes: dict[int, int] | None = None,
    contacts: dict[int, tuple[dt.date, dt.date | None]] | None = None,
) -> dict[int, _Facts]:
    """Facts for many customers with one query per kind (never one per customer); their lateness and last
    payment only if asked (`_add_details` loads them for some). ``promises`` (the rows of `Tx.promises_for`
    with paid=True), ``disputes`` (open ones per customer) and ``contacts`` (the last per customer), if the
    caller has read them already."""
    ids = sorted(customers)
    since = day - dt.timedelta(days=HISTORY_DAYS)
    facts = {cid: _Facts(customers[cid]) for cid in ids}
    few = ids if len(ids) <= 1000 else None  # a few customers: filter by id; many: one pass over all
    for cid, (has_open, oldest_due) in open_state.items():
        if cid in facts:
            facts[cid].has_open, facts[cid].oldest_due = has_open, oldest_due
    _add_outcomes(tx, facts, day, since, policy, few, promises)
    for cid, contact in (tx.last_contacts(day, few) if contacts is None else contacts).items():
        if cid in facts:
            facts[cid].contact = contact
    for cid, n in (tx.open_dispute_counts(ids, day) if disputes is None else disputes).items():
        if cid in facts:
            facts[cid].open_disputes = n
    if details:
        _add_details(tx, facts, ids, day)
    return facts


def _add_outcomes(
    tx: Tx,
    facts: dict[int, _Facts],
    day: dt.date,
    since: dt.date,
    policy: Policy,
    few: list[int] | None,
    rows: list[Any] | None = None,
) -> None:
    """Each customer's promises in the history window and their outcomes on the day.

    The money counted towards a promise is matched over all of the customer's promises and payments (an older
    promise takes a payment first). When nothing is dated after the day, that is the figure kept current in
    ``promise_paid``; for a past day the promises and payments up to it are matched here.
    """
    if not tx.promised_after(day):
        status, threshold = rules.promise_status, policy.threshold
        grouped: dict[int, tuple[list[Any], list[PromiseOutcome]]] = {}
        for r in rows if rows is not None else tx.promises_for(sorted(facts), since, paid=True, as_of=day):
            cid = r[1]
            if cid in facts:  # by position: a row's attributes by name cost more than the rest of the loop
                p = Promise(r[0], r[2], r[3], int(r[4]), r[5], bool(r[6]))
                paid = int(r[7])
                rs, outs = grouped.setdefault(cid, ([], []))
                rs.append(r)
                outs.append(PromiseOutcome(p, status(p, paid, day, threshold), paid))
        for cid, (rs, outs) in grouped.items():
            facts[cid].promises, facts[cid].outcomes = rs, outs
        return
    by_customer: dict[int, list[Any]] = {}
    for r in tx.promises_for(sorted(facts), None, as_of=day):
        by_customer.setdefault(r.customer_id, []).append(r)
    payments: dict[int, list[tuple[dt.date, int]]] = {}
    for cid, d, amount in tx.payments_for(dt.date.min, day, few):
        payments.setdefault(cid, []).append((d, amount))
    for cid, rs in by_customer.items():
        outcomes = rules.evaluate_promises([promise_of(r) for r in rs], payments.get(cid, []), day, policy.threshold)
        pairs = [(r, o) for r, o in zip(rs, outcomes, strict=True) if r.by_date >= since]
        facts[cid].promises = [r for r, _o in pairs]
        facts[cid].outcomes = [o for _r, o in pairs]


def _add_details(tx: Tx, facts: dict[int, _Facts], ids: list[int], day: dt.date) -> None:
    """The year of lateness behind the grade, and the last payment (for customers with a broken promise)."""
    lateness = tx.lateness(day, day - dt.timedelta(days=HISTORY_DAYS), ids)
    broken = []
    for cid in ids:
        f = facts[cid]
        f.lateness = lateness.get(cid, (0, 0))
        if any(o.status == "broken" for o in f.outcomes):
            broken.append(cid)
    for cid, d in tx.last_payments(broken, day).items():
        facts[cid].last_payment = d


@dataclass(slots=True)
class _Tally:
    """A customer's promises in the window, counted (what grades, levels and the morning list read)."""

    kept: int = 0
    ended: int = 0  # kept, partly kept or broken
    kept_amount: int = 0
    ended_amount: int = 0
    broken_90d: int = 0
    broken_unanswered: int = 0  # broken promises whose window ended on or after the last contact
    promised_today: int = 0  # fen still owed on open promises due on the day
    broken_ends: list[dt.date] = field(default_factory=list)
    latest: int | None = None  # index of the latest promise not superseded

    @property
    def rate(self) -> Decimal | None:
        return Decimal(self.kept) / self.ended * 100 if self.ended else None

    @property
    def rate_amount(self) -> Decimal | None:
        return Decimal(self.kept_amount) / self.ended_amount * 100 if self.ended else None

    def letter(self) -> str:
        """The grade its promises alone give (its lateness can only make it worse)."""
        return rules.promise_grade(self.kept, self.ended, self.broken_90d)


_NO_PROMISES = _Tally()


def _tally(f: _Facts, day: dt.date) -> _Tally:
    if not f.outcomes:  # most customers of a large ledger: nothing promised in the window
        return _NO_PROMISES
    kept = ended = kept_amount = ended_amount = broken_90d = unanswered = today = 0
    broken_ends = []
    latest = None
    last_contact = f.contact[0] if f.contact else None
    recent = day - dt.timedelta(days=90)
    for n, (p, status, paid) in enumerate(f.outcomes):
        if status == "superseded":
            continue
        latest = n
        if status == "open":
            if p.by == day:
                today += p.amount - paid
            continue
        ended += 1
        ended_amount += p.amount
        if status == "kept":
            kept += 1
            kept_amount += p.amount
        elif status == "broken":
            end = p.window_end
            broken_ends.append(end)
            broken_90d += end >= recent
            unanswered += last_contact is None or end >= last_contact
    return _Tally(kept, ended, kept_amount, ended_amount, broken_90d, unanswered, today, broken_ends, latest)


def _grade(f: _Facts, t: _Tally) -> rules.Grade:
    weighted, amount = f.lateness or (0, 0)
    return rules.grade(t.rate, Decimal(weighted) / amount if amount else None, t.broken_90d)


def _standing(f: _Facts, day: dt.date, policy: Policy) -> Standing:
    """Level, grade, promises and follow-up of one customer on a day: a pure function of its facts."""
    last_contact, scheduled = f.contact if f.contact else (None, None)
    t = _tally(f, day)
    broken_since_payment = sum(1 for end in t.broken_ends if f.last_payment is None or end >= f.last_payment)
    g = _grade(f, t)
    days_overdue = (day - f.oldest_due).days if f.oldest_due else 0
    level = rules.escalation_level(days_overdue, broken_since_payment, policy.ladder) if f.has_open else None
    name = f.customer.name if f.promises else ""
    return Standing(
        level=level,
        grade=g,
        keep_rate=t.rate,
        keep_rate_amount=t.rate_amount,
        broken_90d=t.broken_90d,
        broken_since_payment=broken_since_payment,
        broken_unanswered=t.broken_unanswered,
        last_contact=last_contact,
        next_follow_up=rules.next_follow_up(last_contact, scheduled, g.letter, policy.cadence),
        on_hold=f.hold is not None,
        hold_reason=f.hold.reason if f.hold is not None else None,
        promised_today=t.promised_today,
        open_disputes=f.open_disputes,
        latest=(f.promises, f.outcomes, t.latest, name) if t.latest is not None else None,
    )


def standing_of(tx: Tx, customer: Customer, day: dt.date, policy: Policy) -> Standing:
    """One customer's standing on a day (inside a caller's transaction)."""
    b = tx.balances(day, customer_id=customer.id)[0]
    has_open = int(b.open) > 0
    f = _load_facts(
        tx, {customer.id: customer}, day, {customer.id: (has_open, b.oldest_due if has_open else None)}, policy
    )
    f[customer.id].hold = tx.active_hold(customer.id, day)
    return _standing(f[customer.id], day, policy)


def standing(ctx: Context, customer_key: str) -> tuple[Customer, Standing]:
    with unit_of_work(ctx, write=False) as tx:
        customer = resolve(tx, customer_key)
        return customer, standing_of(tx, customer, ctx.today, load_policy(tx))


def hold_problem(tx: Tx, customer: Customer, day: dt.date, adding: int) -> str | None:
    """Why a delivery on ``day`` needs --force: a credit hold, the stop-supply level, or the credit limit, all
    as they stood on that day (so that back-entering past deliveries is judged by the past)."""
    policy = load_policy(tx)
    st = standing_of(tx, customer, day, policy)
    if st.on_hold:
        if st.hold_reason:
            return _("{customer} is on credit hold ({reason})").format(customer=customer.name, reason=st.hold_reason)
        return _("{customer} is on credit hold").format(customer=customer.name)
    if st.level is not None and st.level >= 4:
        return _("{customer} is at the '{step}' level").format(customer=customer.name, step=rules.level_name(st.level))
    if customer.credit_limit is not None:
        owed = int(tx.balances(day, customer_id=customer.id)[0].open)
        if owed + adding > customer.credit_limit:
            from arcli.domain.money import format_amount

            return _("{customer} would owe {owed}, over the credit limit of {limit}").format(
                customer=customer.name, owed=format_amount(owed + adding), limit=format_amount(customer.credit_limit)
            )
    return None


# -- the morning list ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DueRow:
    rank: int
    situation: rules.Situation
    score: Decimal

    # the words are made for the rows someone reads (the table shows the first 30 of thousands)
    customer = property(lambda self: self.situation.customer)
    overdue = property(lambda self: self.situation.overdue)
    due = property(lambda self: self.situation.due)
    days_overdue = property(lambda self: self.situation.days_overdue)
    promise = property(lambda self: self.situation.promise_status or "-")
    grade = property(lambda self: self.situation.grade)
    level = property(lambda self: rules.level_name(self.situation.level))
    action = property(lambda self: rules.action(self.situation))
    why = property(lambda self: rules.why(self.situation))

    FIELDS = (
        "rank", "customer", "overdue", "due", "days_overdue", "promise", "grade", "level", "action", "why", "score",
    )  # fmt: skip

    def as_dict(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.FIELDS}


@dataclass(frozen=True)
class DueList:
    rows: list[DueRow]  # in order: all of them, or the first ``limit``
    total: int  # how many customers are on the list


def due(ctx: Context, when: dt.date, *, within: int = 0, rep: str | None = None, limit: int | None = None) -> DueList:
    """Who to chase on a day, in order, and why (see `arcli.domain.collections.priority`).

    A customer is on the list when it has money overdue and its follow-up date has come (or it was never
    contacted), items falling due within the window, a promise due that day, a broken promise not yet followed
    up, or an open dispute.

    With a ``limit``, only the first rows are ranked exactly: every customer's score is bounded without its
    year of lateness (which moves only its grade: 0 to 20 points), and the lateness is loaded just for those
    whose bound can reach the first ``limit`` (and for those whose follow-up date hangs on the grade). The rows
    are those a full ranking puts first, with the same ranks; ``total`` counts the whole list.
    """
    if within < 0:
        raise InputError(_("--within must be 0 or more days"))
    since = when - dt.timedelta(days=HISTORY_DAYS)
    with unit_of_work(ctx, write=False) as tx:
        policy = load_policy(tx)
        exposure = {r.customer_id: r for r in tx.exposure(when, when + dt.timedelta(days=within), rep=rep)}
        promised = tx.promises_for(None, since, paid=not tx.promised_after(when), rep=rep, lean=True, as_of=when)
        disputes = tx.open_dispute_counts(None, when, rep=rep)
        contacts = tx.last_contacts(when)
        # customers with more to their standing than open money (most have none of it): the rest are on the
        # list with a score known but for their grade
        special = {r[1] for r in promised}.union(disputes, (cid for cid in contacts if cid in exposure))
        open_state = {cid: (True, ex.oldest_due) for cid, ex in exposure.items()}
        facts = _load_facts(
            tx,
            dict.fromkeys(special),
            when,
            open_state,
            policy,
            details=False,
            promises=promised,
            disputes=disputes,
            contacts=contacts,
        )
        pending = {cid: _pending(f, exposure.get(cid), when, policy) for cid, f in facts.items()}
        bounds = rules.priority_bounds
        for cid, ex in exposure.items():
            if cid not in special:
                days = (when - ex.oldest_due).days if ex.oldest_due else 0
                pending[cid] = (True, *bounds(int(ex.overdue) + int(ex.due), days, 0, 0, 0, "A", "D"))
        # whose place on the list hangs on the grade: their follow-up date is the last contact + its cadence
        unsure = [cid for cid, p in pending.items() if p[0] is None]
        _add_details(tx, facts, unsure, when)
        for cid in unsure:
            pending[cid] = _pending(facts[cid], exposure.get(cid), when, policy)
        members = {cid: p for cid, p in pending.items() if p[0]}
        if not limit or limit >= len(members):
            exact = list(members)
        else:
            floor = sorted((p[1] for p in members.values()), reverse=True)[limit - 1]
            exact = [cid for cid, p in members.items() if p[2] >= floor]
        for cid in exact:
            if cid not in facts:
                facts[cid] = _Facts(None, oldest_due=open_state[cid][1], has_open=True)
        _add_details(tx, facts, sorted(cid for cid in exact if facts[cid].lateness is None), when)
        names = tx.customer_labels(sorted(exact))
    for cid in exact:
        facts[cid].customer = names[cid]
    ranked = rules.rank([_situation(facts[cid], exposure.get(cid), when, policy) for cid in exact])
    if limit:
        ranked = ranked[:limit]
    return DueList([DueRow(n, s, score) for n, s, score in ranked], len(members))


def _pending(f: _Facts, ex: Any, when: dt.date, policy: Policy) -> tuple[bool | None, float, float]:
    """A customer's place on the morning list before its lateness is known: whether it is on the list (None:
    that hangs on its grade) and the least and most its score can be (0, 0 when it is not on the list)."""
    if ex is not None:
        overdue, due_amt = int(ex.overdue), int(ex.due)
        days_overdue = (when - ex.oldest_due).days if ex.oldest_due else 0
        if not f.outcomes and f.contact is None and f.lateness is None:  # most: on the list, as money is open
            return (True, *rules.priority_bounds(overdue + due_amt, days_overdue, 0, 0, f.open_disputes, "A", "D"))
    else:
        overdue = due_amt = days_overdue = 0
    t = _tally(f, when)
    member: bool | None = True
    if not (due_amt or t.promised_today or t.broken_unanswered or f.open_disputes):
        if overdue <= 0:
            return False, 0.0, 0.0
        member = None  # contacted (below) or not: the follow-up is due unless a contact set a later date
    if f.lateness is None:  # the grade lies between the one its promises give and D
        best, worst = t.letter(), "D"
    else:
        best = worst = _grade(f, t).letter
    if member is None:
        if f.contact is None:
            member = True
        else:  # the follow-up is the date the last contact set, or the last contact + the grade's cadence
            last, scheduled = f.contact
            if scheduled is not None:
                member = scheduled <= when
            else:
                cadence = policy.cadence[rules.GRADES.index(best) : rules.GRADES.index(worst) + 1]
                ready = [last + dt.timedelta(days=d) <= when for d in cadence]
                member = True if all(ready) else False if not any(ready) else None
    if member is False:
        return False, 0.0, 0.0
    low, high = rules.priority_bounds(
        overdue + due_amt, days_overdue, t.broken_unanswered, t.promised_today, f.open_disputes, best, worst
    )
    return member, low, high


def _situation(f: _Facts, ex: Any, when: dt.date, policy: Policy) -> rules.Situation:
    st = _standing(f, when, policy)
    overdue, due_amt = (int(ex.overdue), int(ex.due)) if ex else (0, 0)
    return rules.Situation(
        customer=f.customer.name,
        overdue=overdue,
        due=due_amt,
        days_overdue=(when - ex.oldest_due).days if ex and ex.oldest_due else 0,
        grade=st.grade.letter,
        level=st.level if st.level is not None else 0,
        broken_unanswered=st.broken_unanswered,
        promise_due_today=st.promised_today,
        open_disputes=st.open_disputes,
        promise_status=st.latest_status,
        follow_up_due=overdue > 0 and (st.next_follow_up is None or st.next_follow_up <= when),
    )
