"""The ledger's tables (SQLAlchemy Core). Money columns are BIGINT fen; dates are DATE; timestamps are UTC.

Posted entries (``entry``, ``item``, ``allocation``) are only ever inserted: the database refuses UPDATE and
DELETE on them (and on ``sale``, ``promise``, ``contact``), and each carries a ``seal`` (storage/seal.py).
A correction is a ``reversal`` entry plus negative allocations that undo the original's; the original stays.

- ``entry``: everything that moves a customer's balance. ``delta`` is the signed effect in fen: a delivery
  is +amount, a payment or a write-off (bad debt) −amount, a reversal the negative of the entry it reverses.
  A write-off is allocated to the items it writes off exactly like a payment (``allocation.payment_id``), but
  it is never money collected.
- ``item``: the open items a delivery creates (one per instalment), each with its due date.
- ``allocation``: money from a payment applied to an item. ``date`` is when it took effect: the later of
  the payment date and the delivery date (credit consumed by a later delivery takes effect on delivery).
  Reversals insert the negative of an allocation, dated on the reversal.
"""

import datetime as dt
from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    UniqueConstraint,
    types,
)

# Tables are plain SQLAlchemy Core: every command imports them, and declaring them as SQLModel classes cost
# each command about a quarter of a second (pydantic models and ORM mappers arcli never uses: the storage
# layer speaks Core). The naming convention keeps the index names the first migrations gave them.
metadata = MetaData(naming_convention={"ix": "ix_%(column_0_label)s"})


class UTCDateTime(types.TypeDecorator):
    """Aware timestamps, stored in UTC (naive UTC where the database keeps no zone), read back as aware UTC."""

    impl = types.DateTime
    cache_ok = True

    def __init__(self) -> None:
        super().__init__(timezone=True)

    def __repr__(self) -> str:
        return "UTCDateTime()"

    def process_bind_param(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.utcoffset() is None:
            raise ValueError("timestamps must be timezone-aware")
        return value.astimezone(dt.UTC)

    def process_result_value(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.utcoffset() is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


def _id() -> Column:
    return Column("id", Integer, primary_key=True)


def _text(name: str, *, null: bool = True, **kw: Any) -> Column:
    return Column(name, String, nullable=null, **kw)


def _fen(name: str, *, null: bool = False) -> Column:
    return Column(name, BigInteger, nullable=null)


def _day(name: str, *, null: bool = False) -> Column:
    return Column(name, Date, nullable=null)


def _ref(name: str, target: str, *, null: bool = False, **kw: Any) -> Column:
    return Column(name, Integer, ForeignKey(target), nullable=null, **kw)


def _stamp(name: str = "created_at") -> Column:
    return Column(name, UTCDateTime(), nullable=False)


customer = Table(
    "customer",
    metadata,
    _id(),
    _text("name", null=False, unique=True),
    _text("code", unique=True),
    _text("terms"),
    _fen("credit_limit", null=True),
    _text("rep", index=True),
    _text("phone"),
    _text("note"),
    _stamp(),
)

sale = Table(
    "sale",
    metadata,
    _id(),
    _text("ref", null=False, unique=True),
    _ref("customer_id", "customer.id", index=True),
    _day("date"),
    _fen("amount"),
    _text("terms"),
    _text("note"),
    _stamp(),
    _text("command", null=False),
    _text("actor"),
    CheckConstraint("amount > 0", name="sale_amount_positive"),
)

entry = Table(
    "entry",
    metadata,
    _id(),
    _text("kind", null=False),
    _text("ref", null=False),
    _ref("customer_id", "customer.id"),
    _day("date"),
    _fen("delta"),
    _text("terms"),  # delivery: the terms its items were scheduled by
    _day("due", null=True),  # delivery: an explicit due date instead of terms
    _ref("sale_id", "sale.id", null=True),
    _text("method"),  # payment: bank | cash | bill | offset
    _text("apply_spec"),  # payment: the --apply requests as given, for idempotency checks
    _ref("reverses_id", "entry.id", null=True),  # unique among reversals: entry_reverses
    _text("reason"),  # reversal
    _text("note"),
    _stamp(),
    _text("command", null=False),
    _text("actor"),
    _fen("seal", null=True),  # storage/seal.py
    UniqueConstraint("kind", "ref", name="entry_kind_ref"),
    # not `kind IN (…)`: SQLite evaluates an IN list of more than two values through a temporary table it
    # builds again for each row an INSERT is executed with (migration 0010)
    CheckConstraint(
        "kind = 'delivery' OR kind = 'payment' OR kind = 'writeoff' OR kind = 'reversal'", name="entry_kind"
    ),
    CheckConstraint(
        "(kind = 'delivery' AND delta > 0) OR (kind IN ('payment', 'writeoff') AND delta < 0) "
        "OR (kind = 'reversal' AND delta <> 0)",
        name="entry_delta_sign",
    ),
    Index("entry_customer_date", "customer_id", "date"),
    Index("entry_date", "date", "delta"),  # covering: the ledger's balance as of a day reads the index alone
    # Partial indexes: migration 0010 makes them "WHERE sale_id IS NOT NULL" and "WHERE reverses_id IS NOT NULL",
    # so they hold only the few entries against a sale and the reversals. Declared here without the WHERE: its
    # dialect options would load both SQL dialects when the models are imported, 40 ms at every command's
    # start; the rule they enforce is the same.
    Index("entry_sale", "sale_id"),  # the deliveries against a sale
    Index("entry_reverses", "reverses_id", unique=True),  # an entry is reversed at most once
)

item = Table(
    "item",
    metadata,
    _id(),
    _ref("entry_id", "entry.id", index=True),
    _ref("customer_id", "customer.id"),
    Column("seq", Integer, nullable=False),
    _text("ref", null=False, unique=True),
    _day("delivery_date"),
    _day("due_date"),
    _fen("amount"),
    _fen("seal", null=True),
    CheckConstraint("amount > 0", name="item_amount_positive"),
    Index("item_customer_due", "customer_id", "due_date"),
)

allocation = Table(
    "allocation",
    metadata,
    _id(),
    _ref("payment_id", "entry.id"),
    _ref("item_id", "item.id"),
    _fen("amount"),
    _day("date"),
    _ref("reversal_id", "entry.id", null=True),
    _stamp(),
    _fen("seal", null=True),
    CheckConstraint("amount <> 0", name="allocation_amount_nonzero"),
    Index("allocation_item", "item_id", "date"),
    Index("allocation_payment", "payment_id", "date"),
)

#: A promise to pay, taken on a call. Never edited: a new promise for the same items supersedes it.
promise = Table(
    "promise",
    metadata,
    _id(),
    _ref("customer_id", "customer.id"),
    _fen("amount"),
    _day("by_date"),
    Column("grace_days", Integer, nullable=False, default=0),
    _day("made_on"),  # payments dated from this day count towards it
    _text("items"),  # the item or delivery refs it covers, ";"-separated, sorted
    _ref("supersedes_id", "promise.id", null=True, unique=True),
    _text("note"),
    _stamp(),
    _text("actor"),
    CheckConstraint("amount > 0", name="promise_amount_positive"),
    Index("promise_customer", "customer_id", "by_date"),
)

#: One entry of the contact log: a call, a visit, a message, a letter.
contact = Table(
    "contact",
    metadata,
    _id(),
    _ref("customer_id", "customer.id"),
    _day("date"),
    _text("channel", null=False),
    _text("outcome"),
    _text("note"),
    _day("next_date", null=True),
    _stamp(),
    _text("actor"),
    Index("contact_customer", "customer_id", "date"),
)

#: An excuse or dispute a customer raised; closed with a written resolution.
dispute = Table(
    "dispute",
    metadata,
    _id(),
    _ref("customer_id", "customer.id"),
    _text("reason", null=False),
    _fen("amount", null=True),
    _text("items"),
    _text("note"),
    _day("opened_on"),
    _day("resolved_on", null=True),
    _text("resolution"),
    _stamp(),
    _text("actor"),
    Index("dispute_customer", "customer_id", "resolved_on"),
)

#: Credit holds: `ar customer hold` inserts one, `ar customer release` closes it (history is kept).
hold = Table(
    "hold",
    metadata,
    _id(),
    _ref("customer_id", "customer.id", index=True),
    _day("since"),
    _text("reason"),
    _day("released_on", null=True),
    _stamp(),
)

#: `ar config set KEY VALUE`: the collection policy's knobs, stored with the ledger.
setting = Table(
    "setting",
    metadata,
    Column("key", String, primary_key=True),
    _text("value", null=False),
)

#: Derived, kept current: the items with money open *now* (after every recorded entry), with what is open.
#: Not a posted record: the transaction that allocates, delivers or voids recomputes the rows of the items it
#: touched from ``item`` and ``allocation`` (``Tx.refresh_open``). Reports for a day after the last recorded
#: entry read it instead of summing the whole history.
open_item = Table(
    "open_item",
    metadata,
    _ref("item_id", "item.id", primary_key=True),
    _ref("customer_id", "customer.id"),
    _day("due_date"),
    _day("delivery_date"),
    _fen("open"),
    Index("open_item_due", "due_date"),
    # covering: grouping the open items by customer (aging, exposure, balances) reads the index alone
    Index("open_item_customer", "customer_id", "due_date", "delivery_date", "open"),
)

#: Derived, kept current with ``open_item``: items paid in full, and the day the last payment took effect.
settled_item = Table(
    "settled_item",
    metadata,
    _ref("item_id", "item.id", primary_key=True),
    _ref("customer_id", "customer.id"),
    _day("due_date"),
    _day("settled_on"),
    _fen("amount"),
    _day("delivery_date"),
    # days from the due date to settled_on, 0 when paid on time or early (fixed once settled)
    Column("days_late", Integer, nullable=False, server_default="0"),
    # covering: a year of lateness per customer reads the index alone, with no date arithmetic
    Index("settled_item_customer", "customer_id", "due_date", "amount", "days_late"),
    # the items open on a past day: settled after it, delivered by it
    Index("settled_item_settled", "settled_on", "delivery_date"),
)

#: Derived, kept current: payments with money not yet applied (on-account credit) now.
open_credit = Table(
    "open_credit",
    metadata,
    _ref("payment_id", "entry.id", primary_key=True),
    _ref("customer_id", "customer.id"),
    _day("date"),
    _fen("credit"),
    Index("open_credit_customer", "customer_id", "date"),
)

#: Derived, kept current by the database itself: a trigger on ``entry`` (append-only) adds each new entry's
#: delta to its customer's row, so Σ balance is the ledger's balance without summing every entry ever posted.
customer_balance = Table(
    "customer_balance",
    metadata,
    _ref("customer_id", "customer.id", primary_key=True),
    _fen("balance"),
)

#: Derived, kept current with ``open_credit``: payments applied in full now, some of whose money was applied
#: after the payment's own date (credit used by a later delivery, or moved by a void), and the last day money
#: was applied. With ``open_credit`` it names every payment that can have had credit on a past day.
settled_credit = Table(
    "settled_credit",
    metadata,
    _ref("payment_id", "entry.id", primary_key=True),
    _ref("customer_id", "customer.id"),
    _day("date"),
    _day("settled_on"),
    Index("settled_credit_settled", "settled_on", "date"),
)

#: Derived, kept current by every write that changes what a customer promised or paid (``Tx`` recomputes the
#: customer's rows before the transaction commits): the money counted towards each promise, matched as
#: `arcli.domain.collections.paid_towards` does over all of the customer's promises and payments not voided.
#: A promise's status on a day follows from it, its amount, its window and the keep threshold, so the morning
#: list reads no payments.
promise_paid = Table(
    "promise_paid",
    metadata,
    _ref("promise_id", "promise.id", primary_key=True),
    _ref("customer_id", "customer.id"),
    _fen("paid"),
    Index("promise_paid_customer", "customer_id"),
)

#: A monthly collection target per customer (`ar plan set`); setting it again replaces it.
plan = Table(
    "plan",
    metadata,
    _id(),
    _ref("customer_id", "customer.id"),
    _text("month", null=False),  # YYYY-MM
    _fen("amount"),
    Column("set_at", UTCDateTime(), nullable=False),
    _text("actor"),
    UniqueConstraint("customer_id", "month", name="plan_customer_month"),
    CheckConstraint("amount >= 0", name="plan_amount"),
)
