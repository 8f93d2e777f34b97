"""The payments app's tables: the ledger, and the business objects money moves for.

The ledger (``payment_ledger_*``) is the only place amounts of money *held*
live: a balance is always the sum of an account's lines, never a stored
number. Journal rows are immutable and every entry balances per currency;
both rules are enforced by the database itself (triggers created by the
app's migration, on SQLite and PostgreSQL alike), so neither a
bug in Python nor a hand-written SQL statement can break them.

The other tables (tiers, subscriptions, charges, refunds, disputes, payouts)
say *why* money moved; each ledger entry names its cause
(``cause_type``/``cause_id``). Amounts are integer minor units with an
ISO 4217 currency; there are no floats anywhere.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlmodel import Field, SQLModel

from socialflow.core.db.base import created_at_field, datetime_field


def _user_fk(*, index: bool = True) -> Column[int]:
    return Column(Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=index)


# --------------------------------------------------------------------- ledger


class LedgerAccount(SQLModel, table=True):
    """An account of the chart (see :class:`socialflow.payments.ledger.AccountKind`).

    Platform accounts have no owner; creator accounts have one each. No
    foreign key to ``users``: the books outlive an account deletion.
    """

    __tablename__ = "payment_ledger_accounts"
    __table_args__ = (UniqueConstraint("kind", "owner_id", name="uq_payment_ledger_account"),)

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=32, nullable=False)
    # 0 for the platform's own accounts (a NULL would escape the unique constraint).
    owner_id: int = Field(default=0, nullable=False, index=True)
    created_at: datetime = created_at_field()


class LedgerEntry(SQLModel, table=True):
    """One journal entry: a movement of money with its cause. Immutable.

    Written after its lines (see :func:`socialflow.payments.ledger.post`): the
    database checks, when the entry row arrives, that exactly ``line_count``
    lines exist and that they sum to zero per currency, and refuses lines for
    an entry that already exists.
    """

    __tablename__ = "payment_ledger_entries"
    __table_args__ = (
        CheckConstraint("line_count >= 2", name="ck_payment_ledger_entry_lines"),
        Index("ix_payment_ledger_entries_cause", "cause_type", "cause_id"),
    )

    id: str = Field(sa_column=Column(String(32), primary_key=True))
    kind: str = Field(max_length=32, nullable=False)
    cause_type: str = Field(max_length=32, nullable=False)
    cause_id: str = Field(max_length=64, nullable=False)
    memo: str = Field(default="", max_length=200, nullable=False)
    # The same key posts once: a task or webhook that runs again finds its entry.
    idempotency_key: str = Field(sa_column=Column(String(160), unique=True, nullable=False))
    line_count: int = Field(nullable=False)
    created_at: datetime = created_at_field(index=True)


class LedgerLine(SQLModel, table=True):
    """One side of an entry: a signed amount on one account (debit > 0, credit < 0)."""

    __tablename__ = "payment_ledger_lines"
    __table_args__ = (
        UniqueConstraint("entry_id", "seq", name="uq_payment_ledger_line_seq"),
        CheckConstraint("amount <> 0", name="ck_payment_ledger_line_amount"),
        CheckConstraint("length(currency) = 3", name="ck_payment_ledger_line_currency"),
        Index("ix_payment_ledger_lines_account", "account_id", "currency"),
    )

    id: int | None = Field(default=None, primary_key=True)
    # Deferred: the lines are written first and their entry last, in one transaction.
    entry_id: str = Field(
        sa_column=Column(
            String(32),
            ForeignKey(
                "payment_ledger_entries.id",
                deferrable=True,
                initially="DEFERRED",
                name="fk_payment_ledger_lines_entry",
            ),
            nullable=False,
        )
    )
    seq: int = Field(nullable=False)
    account_id: int = Field(
        sa_column=Column(Integer, ForeignKey("payment_ledger_accounts.id"), nullable=False)
    )
    currency: str = Field(sa_column=Column(String(3), nullable=False))
    amount: int = Field(sa_column=Column(BigInteger, nullable=False))


# ------------------------------------------------------------ provider calls


class ProviderCall(SQLModel, table=True):
    """An outgoing provider call, recorded (and committed) before it is made.

    Its ``idempotency_key`` goes with the call; a retry after a timeout or a
    crash sends the same key, so the provider moves the money once.
    """

    __tablename__ = "payment_provider_calls"

    id: int | None = Field(default=None, primary_key=True)
    idempotency_key: str = Field(sa_column=Column(String(160), unique=True, nullable=False))
    provider: str = Field(max_length=64, nullable=False)
    operation: str = Field(max_length=32, nullable=False)
    status: str = Field(default="started", max_length=16, nullable=False)
    provider_ref: str | None = Field(default=None, max_length=255)
    attempts: int = Field(default=0, nullable=False)
    error: str | None = Field(default=None, max_length=500)
    created_at: datetime = created_at_field()
    completed_at: datetime | None = datetime_field()


class WebhookReceipt(SQLModel, table=True):
    """A provider webhook event processed once (its id is unique per provider)."""

    __tablename__ = "payment_webhook_events"
    __table_args__ = (UniqueConstraint("provider", "event_id", name="uq_payment_webhook_event"),)

    id: int | None = Field(default=None, primary_key=True)
    provider: str = Field(max_length=64, nullable=False)
    event_id: str = Field(max_length=255, nullable=False)
    event_type: str = Field(max_length=64, nullable=False)
    outcome: str = Field(default="", max_length=200, nullable=False)
    received_at: datetime = created_at_field()


class Customer(SQLModel, table=True):
    """A user's customer record (payer) or payout account (creator) at a provider."""

    __tablename__ = "payment_customers"
    __table_args__ = (UniqueConstraint("user_id", "provider", "role", name="uq_payment_customer"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(sa_column=_user_fk())
    provider: str = Field(max_length=64, nullable=False)
    role: str = Field(max_length=16, nullable=False)  # "payer" | "payee"
    ref: str = Field(max_length=255, nullable=False)
    created_at: datetime = created_at_field()


# --------------------------------------------------------- business objects


class Interval(StrEnum):
    month = "month"
    year = "year"


class Tier(SQLModel, table=True):
    """A creator's subscription offer."""

    __tablename__ = "payment_tiers"
    __table_args__ = (CheckConstraint("price > 0", name="ck_payment_tier_price"),)

    id: int | None = Field(default=None, primary_key=True)
    creator_id: int = Field(sa_column=_user_fk())
    name: str = Field(max_length=80, nullable=False)
    price: int = Field(sa_column=Column(BigInteger, nullable=False))
    currency: str = Field(sa_column=Column(String(3), nullable=False))
    interval: str = Field(default=Interval.month.value, max_length=8, nullable=False)
    perks: str = Field(default="", sa_column=Column(Text, nullable=False))
    trial_days: int = Field(default=0, nullable=False)
    active: bool = Field(default=True, nullable=False)
    created_at: datetime = created_at_field()


class SubscriptionStatus(StrEnum):
    incomplete = "incomplete"  # its first payment is being taken
    trialing = "trialing"
    active = "active"
    past_due = "past_due"  # a renewal failed; retried (dunning), access kept meanwhile
    unpaid = "unpaid"  # retries exhausted: no access
    canceled = "canceled"


LIVE_STATUSES = (
    SubscriptionStatus.trialing.value,
    SubscriptionStatus.active.value,
    SubscriptionStatus.past_due.value,
)


class Subscription(SQLModel, table=True):
    """A fan's subscription to a creator's tier."""

    __tablename__ = "payment_subscriptions"
    __table_args__ = (Index("ix_payment_subscriptions_fan_creator", "fan_id", "creator_id"),)

    id: int | None = Field(default=None, primary_key=True)
    fan_id: int = Field(sa_column=_user_fk(index=False))
    creator_id: int = Field(sa_column=_user_fk())
    tier_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("payment_tiers.id", ondelete="CASCADE"), nullable=False
        )
    )
    status: str = Field(max_length=16, nullable=False)
    price: int = Field(sa_column=Column(BigInteger, nullable=False))
    currency: str = Field(sa_column=Column(String(3), nullable=False))
    interval: str = Field(max_length=8, nullable=False)
    current_period_start: datetime = datetime_field(nullable=False)
    current_period_end: datetime = datetime_field(nullable=False, index=True)
    cancel_at_period_end: bool = Field(default=False, nullable=False)
    failed_attempts: int = Field(default=0, nullable=False)
    next_attempt_at: datetime | None = datetime_field()
    # The last of its charges whose outcome was applied: an outcome applies once.
    last_charge_id: int | None = Field(default=None)
    provider_ref: str | None = Field(default=None, max_length=255)
    created_at: datetime = created_at_field()
    canceled_at: datetime | None = datetime_field()


class Charge(SQLModel, table=True):
    """Money taken from a fan: a subscription period, a proration or a tip."""

    __tablename__ = "payment_charges"
    __table_args__ = (
        CheckConstraint("amount > 0", name="ck_payment_charge_amount"),
        Index("ix_payment_charges_creator", "creator_id", "created_at"),
        Index("ix_payment_charges_release", "status", "available_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    # No foreign keys to users: the record of a payment outlives the accounts.
    payer_id: int = Field(nullable=False, index=True)
    creator_id: int = Field(nullable=False)
    kind: str = Field(max_length=16, nullable=False)  # subscription | proration | tip
    subscription_id: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("payment_subscriptions.id", ondelete="SET NULL")),
    )
    target_type: str | None = Field(default=None, max_length=16)  # post | video (tips)
    target_id: str | None = Field(default=None, max_length=64)
    message: str = Field(default="", max_length=280, nullable=False)
    amount: int = Field(sa_column=Column(BigInteger, nullable=False))
    fee: int = Field(sa_column=Column(BigInteger, nullable=False))
    currency: str = Field(sa_column=Column(String(3), nullable=False))
    status: str = Field(max_length=16, nullable=False)  # pending | succeeded | failed
    provider_ref: str | None = Field(default=None, max_length=255)
    idempotency_key: str = Field(sa_column=Column(String(160), unique=True, nullable=False))
    test_mode: bool = Field(default=False, nullable=False)
    available_at: datetime | None = datetime_field()
    released: bool = Field(default=False, nullable=False)
    created_at: datetime = created_at_field()


class Refund(SQLModel, table=True):
    __tablename__ = "payment_refunds"

    id: int | None = Field(default=None, primary_key=True)
    charge_id: int = Field(
        sa_column=Column(Integer, ForeignKey("payment_charges.id"), nullable=False, index=True)
    )
    amount: int = Field(sa_column=Column(BigInteger, nullable=False))
    # The platform's fee given back with it (the creator gives back amount - fee_part).
    fee_part: int = Field(sa_column=Column(BigInteger, nullable=False))
    status: str = Field(max_length=16, nullable=False)  # pending | succeeded | failed
    reason: str = Field(default="", max_length=200, nullable=False)
    provider_ref: str | None = Field(default=None, max_length=255)
    created_at: datetime = created_at_field()


class Dispute(SQLModel, table=True):
    """A chargeback: the processor holds the amount until the dispute closes."""

    __tablename__ = "payment_disputes"

    id: int | None = Field(default=None, primary_key=True)
    charge_id: int = Field(
        sa_column=Column(Integer, ForeignKey("payment_charges.id"), nullable=False, index=True)
    )
    amount: int = Field(sa_column=Column(BigInteger, nullable=False))
    fee_part: int = Field(sa_column=Column(BigInteger, nullable=False))
    status: str = Field(max_length=16, nullable=False)  # open | won | lost
    provider_ref: str | None = Field(default=None, max_length=255)
    created_at: datetime = created_at_field()
    closed_at: datetime | None = datetime_field()


class Payout(SQLModel, table=True):
    """Money sent from a creator's available balance to their bank, via the provider."""

    __tablename__ = "payment_payouts"
    __table_args__ = (
        CheckConstraint("amount > 0", name="ck_payment_payout_amount"),
        Index("ix_payment_payouts_creator", "creator_id", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    creator_id: int = Field(nullable=False)  # no foreign key: kept after an account deletion
    amount: int = Field(sa_column=Column(BigInteger, nullable=False))
    currency: str = Field(sa_column=Column(String(3), nullable=False))
    status: str = Field(max_length=16, nullable=False)  # in_transit | paid | failed
    provider_ref: str | None = Field(default=None, max_length=255)
    idempotency_key: str = Field(sa_column=Column(String(160), unique=True, nullable=False))
    failure: str | None = Field(default=None, max_length=500)
    created_at: datetime = created_at_field()
    settled_at: datetime | None = datetime_field()


# Core tables, for typed queries on columns (SQLModel's attributes read as plain values).
ACCOUNTS: Table = LedgerAccount.__table__  # type: ignore[attr-defined]
ENTRIES: Table = LedgerEntry.__table__  # type: ignore[attr-defined]
LINES: Table = LedgerLine.__table__  # type: ignore[attr-defined]
CALLS: Table = ProviderCall.__table__  # type: ignore[attr-defined]
TIERS: Table = Tier.__table__  # type: ignore[attr-defined]
SUBSCRIPTIONS: Table = Subscription.__table__  # type: ignore[attr-defined]
CHARGES: Table = Charge.__table__  # type: ignore[attr-defined]
REFUNDS: Table = Refund.__table__  # type: ignore[attr-defined]
DISPUTES: Table = Dispute.__table__  # type: ignore[attr-defined]
PAYOUTS: Table = Payout.__table__  # type: ignore[attr-defined]
CUSTOMERS: Table = Customer.__table__  # type: ignore[attr-defined]
WEBHOOK_EVENTS: Table = WebhookReceipt.__table__  # type: ignore[attr-defined]
