"""The ledger's tables (SQLModel). Money columns are BIGINT fen; dates are DATE; timestamps are UTC.

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

from sqlalchemy import BigInteger, CheckConstraint, Column, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

metadata = SQLModel.metadata


def _fen(nullable: bool = False) -> Column:
    return Column(BigInteger, nullable=nullable)


class Customer(SQLModel, table=True):
    __tablename__ = "customer"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True, index=False)
    code: str | None = Field(default=None, unique=True)
    terms: str | None = None
    credit_limit: int | None = Field(default=None, sa_column=_fen(nullable=True))
    rep: str | None = Field(default=None, index=True)
    phone: str | None = None
    note: str | None = None
    created_at: dt.datetime


class Sale(SQLModel, table=True):
    __tablename__ = "sale"
    __table_args__ = (CheckConstraint("amount > 0", name="sale_amount_positive"),)

    id: int | None = Field(default=None, primary_key=True)
    ref: str = Field(unique=True)
    customer_id: int = Field(foreign_key="customer.id", index=True)
    date: dt.date
    amount: int = Field(sa_column=_fen())
    terms: str | None = None
    note: str | None = None
    created_at: dt.datetime
    command: str
    actor: str | None = None


class Entry(SQLModel, table=True):
    __tablename__ = "entry"
    __table_args__ = (
        UniqueConstraint("kind", "ref", name="entry_kind_ref"),
        CheckConstraint("kind IN ('delivery', 'payment', 'writeoff', 'reversal')", name="entry_kind"),
        CheckConstraint(
            "(kind = 'delivery' AND delta > 0) OR (kind IN ('payment', 'writeoff') AND delta < 0) "
            "OR (kind = 'reversal' AND delta <> 0)",
            name="entry_delta_sign",
        ),
        Index("entry_customer_date", "customer_id", "date"),
        Index("entry_date", "date"),
    )

    id: int | None = Field(default=None, primary_key=True)
    kind: str
    ref: str
    customer_id: int = Field(foreign_key="customer.id")
    date: dt.date
    delta: int = Field(sa_column=_fen())
    terms: str | None = None  # delivery: the terms its items were scheduled by
    due: dt.date | None = None  # delivery: an explicit due date instead of terms
    sale_id: int | None = Field(default=None, foreign_key="sale.id")
    method: str | None = None  # payment: bank | cash | bill | offset
    apply_spec: str | None = None  # payment: the --apply requests as given, for idempotency checks
    reverses_id: int | None = Field(default=None, foreign_key="entry.id", unique=True)
    reason: str | None = None  # reversal
    note: str | None = None
    created_at: dt.datetime
    command: str
    actor: str | None = None
    seal: int | None = Field(default=None, sa_column=_fen(nullable=True))  # storage/seal.py


class Item(SQLModel, table=True):
    __tablename__ = "item"
    __table_args__ = (
        CheckConstraint("amount > 0", name="item_amount_positive"),
        Index("item_customer_due", "customer_id", "due_date"),
    )

    id: int | None = Field(default=None, primary_key=True)
    entry_id: int = Field(foreign_key="entry.id", index=True)
    customer_id: int = Field(foreign_key="customer.id")
    seq: int
    ref: str = Field(unique=True)
    delivery_date: dt.date
    due_date: dt.date
    amount: int = Field(sa_column=_fen())
    seal: int | None = Field(default=None, sa_column=_fen(nullable=True))


class Allocation(SQLModel, table=True):
    __tablename__ = "allocation"
    __table_args__ = (
        CheckConstraint("amount <> 0", name="allocation_amount_nonzero"),
        Index("allocation_item", "item_id", "date"),
        Index("allocation_payment", "payment_id", "date"),
    )

    id: int | None = Field(default=None, primary_key=True)
    payment_id: int = Field(foreign_key="entry.id")
    item_id: int = Field(foreign_key="item.id")
    amount: int = Field(sa_column=_fen())
    date: dt.date
    reversal_id: int | None = Field(default=None, foreign_key="entry.id")
    created_at: dt.datetime
    seal: int | None = Field(default=None, sa_column=_fen(nullable=True))


class Promise(SQLModel, table=True):
    """A promise to pay, taken on a call. Never edited: a new promise for the same items supersedes it."""

    __tablename__ = "promise"
    __table_args__ = (
        CheckConstraint("amount > 0", name="promise_amount_positive"),
        Index("promise_customer", "customer_id", "by_date"),
    )

    id: int | None = Field(default=None, primary_key=True)
    customer_id: int = Field(foreign_key="customer.id")
    amount: int = Field(sa_column=_fen())
    by_date: dt.date
    grace_days: int = 0
    made_on: dt.date  # payments dated from this day count towards it
    items: str | None = None  # the item or delivery refs it covers, ";"-separated, sorted
    supersedes_id: int | None = Field(default=None, foreign_key="promise.id", unique=True)
    note: str | None = None
    created_at: dt.datetime
    actor: str | None = None


class Contact(SQLModel, table=True):
    """One entry of the contact log: a call, a visit, a message, a letter."""

    __tablename__ = "contact"
    __table_args__ = (Index("contact_customer", "customer_id", "date"),)

    id: int | None = Field(default=None, primary_key=True)
    customer_id: int = Field(foreign_key="customer.id")
    date: dt.date
    channel: str
    outcome: str | None = None
    note: str | None = None
    next_date: dt.date | None = None
    created_at: dt.datetime
    actor: str | None = None


class Dispute(SQLModel, table=True):
    """An excuse or dispute a customer raised; closed with a written resolution."""

    __tablename__ = "dispute"
    __table_args__ = (Index("dispute_customer", "customer_id", "resolved_on"),)

    id: int | None = Field(default=None, primary_key=True)
    customer_id: int = Field(foreign_key="customer.id")
    reason: str
    amount: int | None = Field(default=None, sa_column=_fen(nullable=True))
    items: str | None = None
    note: str | None = None
    opened_on: dt.date
    resolved_on: dt.date | None = None
    resolution: str | None = None
    created_at: dt.datetime
    actor: str | None = None


class Hold(SQLModel, table=True):
    """Credit holds: `ar customer hold` inserts one, `ar customer release` closes it (history is kept)."""

    __tablename__ = "hold"

    id: int | None = Field(default=None, primary_key=True)
    customer_id: int = Field(foreign_key="customer.id", index=True)
    since: dt.date
    reason: str | None = None
    released_on: dt.date | None = None
    created_at: dt.datetime


class Setting(SQLModel, table=True):
    """`ar config set KEY VALUE`: the collection policy's knobs, stored with the ledger."""

    __tablename__ = "setting"

    key: str = Field(primary_key=True)
    value: str


class OpenItem(SQLModel, table=True):
    """Derived, kept current: the items with money open *now* (after every recorded entry), with what is open.

    Not a posted record: the transaction that allocates, delivers or voids recomputes the rows of the items it
    touched from ``item`` and ``allocation`` (``Tx.refresh_open``). Reports for a day after the last recorded
    entry read it instead of summing the whole history.
    """

    __tablename__ = "open_item"
    __table_args__ = (Index("open_item_due", "due_date"), Index("open_item_customer", "customer_id", "due_date"))

    item_id: int = Field(foreign_key="item.id", primary_key=True)
    customer_id: int = Field(foreign_key="customer.id")
    due_date: dt.date
    delivery_date: dt.date
    open: int = Field(sa_column=_fen())


class SettledItem(SQLModel, table=True):
    """Derived, kept current with ``open_item``: items paid in full, and the day the last payment took effect."""

    __tablename__ = "settled_item"
    __table_args__ = (Index("settled_item_customer", "customer_id", "due_date"),)

    item_id: int = Field(foreign_key="item.id", primary_key=True)
    customer_id: int = Field(foreign_key="customer.id")
    due_date: dt.date
    settled_on: dt.date
    amount: int = Field(sa_column=_fen())


class OpenCredit(SQLModel, table=True):
    """Derived, kept current: payments with money not yet applied (on-account credit) now."""

    __tablename__ = "open_credit"
    __table_args__ = (Index("open_credit_customer", "customer_id", "date"),)

    payment_id: int = Field(foreign_key="entry.id", primary_key=True)
    customer_id: int = Field(foreign_key="customer.id")
    date: dt.date
    credit: int = Field(sa_column=_fen())


class Plan(SQLModel, table=True):
    """A monthly collection target per customer (`ar plan set`); setting it again replaces it."""

    __tablename__ = "plan"
    __table_args__ = (
        UniqueConstraint("customer_id", "month", name="plan_customer_month"),
        CheckConstraint("amount >= 0", name="plan_amount"),
    )

    id: int | None = Field(default=None, primary_key=True)
    customer_id: int = Field(foreign_key="customer.id")
    month: str  # YYYY-MM
    amount: int = Field(sa_column=_fen())
    set_at: dt.datetime
    actor: str | None = None
