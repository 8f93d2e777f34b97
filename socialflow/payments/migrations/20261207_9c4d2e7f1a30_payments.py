"""payments: the ledger (with its database-enforced rules), tiers, subscriptions, charges, payouts

Revision ID: 9c4d2e7f1a30
Revises:
Create Date: 2026-12-07 08:50:00

The ledger's rules live in the database, on SQLite and PostgreSQL alike:

* lines are written first, their entry last; the entry's foreign key from
  the lines is DEFERRABLE INITIALLY DEFERRED, so a line whose entry never
  arrives fails the commit;
* inserting an entry checks that exactly ``line_count`` lines exist for it
  and that they sum to zero in every currency (else the insert is refused);
* a line for an entry that already exists is refused;
* UPDATE and DELETE of entries and lines are refused (and TRUNCATE on
  PostgreSQL);
* on PostgreSQL, deferred constraint triggers check every entry touched by
  the transaction again at commit (concurrent transactions cannot add a line
  to another's entry between its insert and its commit).
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import socialflow.core.db.base

revision: str = "9c4d2e7f1a30"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = ("payments",)
depends_on: str | Sequence[str] | None = "5e1f0c2a9b7d"

_BALANCED = """
    (SELECT count(*) FROM payment_ledger_lines WHERE entry_id = {id}) = {count}
    AND NOT EXISTS (
        SELECT 1 FROM payment_ledger_lines WHERE entry_id = {id}
        GROUP BY currency HAVING sum(amount) <> 0
    )
"""

SQLITE_TRIGGERS = [
    f"""
    CREATE TRIGGER payment_ledger_entry_balanced AFTER INSERT ON payment_ledger_entries
    WHEN NOT ({_BALANCED.format(id="NEW.id", count="NEW.line_count")})
    BEGIN
        SELECT RAISE(ABORT, 'ledger entry does not balance (or its lines are missing)');
    END
    """,
    """
    CREATE TRIGGER payment_ledger_line_open BEFORE INSERT ON payment_ledger_lines
    WHEN EXISTS (SELECT 1 FROM payment_ledger_entries WHERE id = NEW.entry_id)
    BEGIN
        SELECT RAISE(ABORT, 'ledger entry is closed: lines come before their entry');
    END
    """,
    *[
        f"""
        CREATE TRIGGER payment_ledger_{table}_no_{verb} BEFORE {verb.upper()}
        ON payment_ledger_{table}
        BEGIN
            SELECT RAISE(ABORT, 'ledger rows are immutable: post a reversing entry');
        END
        """
        for table in ("entries", "lines")
        for verb in ("update", "delete")
    ],
]

POSTGRES_TRIGGERS = [
    """
    CREATE FUNCTION payment_ledger_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION 'ledger rows are immutable: post a reversing entry'
            USING ERRCODE = 'integrity_constraint_violation';
    END $$
    """,
    f"""
    CREATE FUNCTION payment_ledger_check_entry(entry text) RETURNS void LANGUAGE plpgsql AS $$
    DECLARE expected integer;
    BEGIN
        SELECT line_count INTO expected FROM payment_ledger_entries WHERE id = entry;
        IF expected IS NULL OR NOT ({_BALANCED.format(id="entry", count="expected")}) THEN
            RAISE EXCEPTION 'ledger entry % does not balance (or its lines are missing)', entry
                USING ERRCODE = 'integrity_constraint_violation';
        END IF;
    END $$
    """,  # noqa: S608 - constant SQL, no input
    """
    CREATE FUNCTION payment_ledger_entry_balanced() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        PERFORM payment_ledger_check_entry(NEW.id);
        RETURN NULL;
    END $$
    """,
    """
    CREATE FUNCTION payment_ledger_line_balanced() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        PERFORM payment_ledger_check_entry(NEW.entry_id);
        RETURN NULL;
    END $$
    """,
    """
    CREATE FUNCTION payment_ledger_line_open() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF EXISTS (SELECT 1 FROM payment_ledger_entries WHERE id = NEW.entry_id) THEN
            RAISE EXCEPTION 'ledger entry is closed: lines come before their entry'
                USING ERRCODE = 'integrity_constraint_violation';
        END IF;
        RETURN NEW;
    END $$
    """,
    # Immediately, for a clear error where the entry is written...
    """
    CREATE TRIGGER payment_ledger_entry_balanced AFTER INSERT ON payment_ledger_entries
    FOR EACH ROW EXECUTE FUNCTION payment_ledger_entry_balanced()
    """,
    # ...and again at commit, for every entry a line was written to.
    """
    CREATE CONSTRAINT TRIGGER payment_ledger_line_balanced AFTER INSERT ON payment_ledger_lines
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION payment_ledger_line_balanced()
    """,
    """
    CREATE TRIGGER payment_ledger_line_open BEFORE INSERT ON payment_ledger_lines
    FOR EACH ROW EXECUTE FUNCTION payment_ledger_line_open()
    """,
    *[
        f"""
        CREATE TRIGGER payment_ledger_{table}_immutable BEFORE UPDATE OR DELETE
        ON payment_ledger_{table} FOR EACH ROW EXECUTE FUNCTION payment_ledger_immutable()
        """
        for table in ("entries", "lines")
    ],
    *[
        f"""
        CREATE TRIGGER payment_ledger_{table}_no_truncate BEFORE TRUNCATE
        ON payment_ledger_{table} FOR EACH STATEMENT EXECUTE FUNCTION payment_ledger_immutable()
        """
        for table in ("entries", "lines")
    ],
]


def upgrade() -> None:
    utc = socialflow.core.db.base.UTCDateTime(timezone=True)
    op.create_table(
        "payment_ledger_accounts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("created_at", utc, nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("kind", "owner_id", name="uq_payment_ledger_account"),
    )
    with op.batch_alter_table("payment_ledger_accounts", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_payment_ledger_accounts_owner_id"), ["owner_id"], unique=False
        )

    op.create_table(
        "payment_ledger_entries",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("cause_type", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("cause_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("memo", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("idempotency_key", sa.String(length=160), nullable=False),
        sa.Column("line_count", sa.Integer(), nullable=False),
        sa.Column("created_at", utc, nullable=False),
        sa.CheckConstraint("line_count >= 2", name="ck_payment_ledger_entry_lines"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("idempotency_key"),
    )
    with op.batch_alter_table("payment_ledger_entries", schema=None) as batch_op:
        batch_op.create_index(
            "ix_payment_ledger_entries_cause", ["cause_type", "cause_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_payment_ledger_entries_created_at"), ["created_at"], unique=False
        )

    op.create_table(
        "payment_payouts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("creator_id", sa.Integer(), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("provider_ref", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=True),
        sa.Column("idempotency_key", sa.String(length=160), nullable=False),
        sa.Column("failure", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
        sa.Column("created_at", utc, nullable=False),
        sa.Column("settled_at", utc, nullable=True),
        sa.CheckConstraint("amount > 0", name="ck_payment_payout_amount"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("idempotency_key"),
    )
    with op.batch_alter_table("payment_payouts", schema=None) as batch_op:
        batch_op.create_index("ix_payment_payouts_creator", ["creator_id", "id"], unique=False)

    op.create_table(
        "payment_provider_calls",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("idempotency_key", sa.String(length=160), nullable=False),
        sa.Column("provider", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("operation", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("provider_ref", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("error", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
        sa.Column("created_at", utc, nullable=False),
        sa.Column("completed_at", utc, nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("idempotency_key"),
    )
    op.create_table(
        "payment_webhook_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("provider", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("event_id", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column("event_type", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("outcome", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("received_at", utc, nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("provider", "event_id", name="uq_payment_webhook_event"),
    )
    op.create_table(
        "payment_customers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("provider", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("role", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("ref", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column("created_at", utc, nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("user_id", "provider", "role", name="uq_payment_customer"),
    )
    with op.batch_alter_table("payment_customers", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_payment_customers_user_id"), ["user_id"], unique=False)

    op.create_table(
        "payment_ledger_lines",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("entry_id", sa.String(length=32), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.CheckConstraint("amount <> 0", name="ck_payment_ledger_line_amount"),
        sa.CheckConstraint("length(currency) = 3", name="ck_payment_ledger_line_currency"),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["payment_ledger_accounts.id"],
        ),
        sa.ForeignKeyConstraint(
            ["entry_id"],
            ["payment_ledger_entries.id"],
            name="fk_payment_ledger_lines_entry",
            initially="DEFERRED",
            deferrable=True,
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("entry_id", "seq", name="uq_payment_ledger_line_seq"),
    )
    with op.batch_alter_table("payment_ledger_lines", schema=None) as batch_op:
        batch_op.create_index(
            "ix_payment_ledger_lines_account", ["account_id", "currency"], unique=False
        )

    op.create_table(
        "payment_tiers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("creator_id", sa.Integer(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column("price", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("interval", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column("perks", sa.Text(), nullable=False),
        sa.Column("trial_days", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", utc, nullable=False),
        sa.CheckConstraint("price > 0", name="ck_payment_tier_price"),
        sa.ForeignKeyConstraint(["creator_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("payment_tiers", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_payment_tiers_creator_id"), ["creator_id"], unique=False
        )

    op.create_table(
        "payment_subscriptions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("fan_id", sa.Integer(), nullable=False),
        sa.Column("creator_id", sa.Integer(), nullable=False),
        sa.Column("tier_id", sa.Integer(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("price", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("interval", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column("current_period_start", utc, nullable=False),
        sa.Column("current_period_end", utc, nullable=False),
        sa.Column("cancel_at_period_end", sa.Boolean(), nullable=False),
        sa.Column("failed_attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", utc, nullable=True),
        sa.Column("last_charge_id", sa.Integer(), nullable=True),
        sa.Column("provider_ref", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=True),
        sa.Column("created_at", utc, nullable=False),
        sa.Column("canceled_at", utc, nullable=True),
        sa.ForeignKeyConstraint(["creator_id"], ["users.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["fan_id"], ["users.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["tier_id"], ["payment_tiers.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("payment_subscriptions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_payment_subscriptions_creator_id"), ["creator_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_payment_subscriptions_current_period_end"),
            ["current_period_end"],
            unique=False,
        )
        batch_op.create_index(
            "ix_payment_subscriptions_fan_creator", ["fan_id", "creator_id"], unique=False
        )

    op.create_table(
        "payment_charges",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("payer_id", sa.Integer(), nullable=False),
        sa.Column("creator_id", sa.Integer(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("subscription_id", sa.Integer(), nullable=True),
        sa.Column("target_type", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
        sa.Column("target_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("message", sqlmodel.sql.sqltypes.AutoString(length=280), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("fee", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("provider_ref", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=True),
        sa.Column("idempotency_key", sa.String(length=160), nullable=False),
        sa.Column("test_mode", sa.Boolean(), nullable=False),
        sa.Column("available_at", utc, nullable=True),
        sa.Column("released", sa.Boolean(), nullable=False),
        sa.Column("created_at", utc, nullable=False),
        sa.CheckConstraint("amount > 0", name="ck_payment_charge_amount"),
        sa.ForeignKeyConstraint(
            ["subscription_id"], ["payment_subscriptions.id"], ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("idempotency_key"),
    )
    with op.batch_alter_table("payment_charges", schema=None) as batch_op:
        batch_op.create_index(
            "ix_payment_charges_creator", ["creator_id", "created_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_payment_charges_payer_id"), ["payer_id"], unique=False)
        batch_op.create_index(
            "ix_payment_charges_release", ["status", "available_at"], unique=False
        )

    op.create_table(
        "payment_disputes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("charge_id", sa.Integer(), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("fee_part", sa.BigInteger(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("provider_ref", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=True),
        sa.Column("created_at", utc, nullable=False),
        sa.Column("closed_at", utc, nullable=True),
        sa.ForeignKeyConstraint(
            ["charge_id"],
            ["payment_charges.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("payment_disputes", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_payment_disputes_charge_id"), ["charge_id"], unique=False
        )

    op.create_table(
        "payment_refunds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("charge_id", sa.Integer(), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("fee_part", sa.BigInteger(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("provider_ref", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=True),
        sa.Column("created_at", utc, nullable=False),
        sa.ForeignKeyConstraint(
            ["charge_id"],
            ["payment_charges.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("payment_refunds", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_payment_refunds_charge_id"), ["charge_id"], unique=False
        )

    dialect = op.get_bind().dialect.name
    for statement in POSTGRES_TRIGGERS if dialect == "postgresql" else SQLITE_TRIGGERS:
        op.execute(statement)


def downgrade() -> None:
    # Tables first (their triggers go with them), then PostgreSQL's functions.
    for table in (
        "payment_refunds",
        "payment_disputes",
        "payment_charges",
        "payment_subscriptions",
        "payment_tiers",
        "payment_payouts",
        "payment_ledger_lines",
        "payment_customers",
        "payment_webhook_events",
        "payment_provider_calls",
        "payment_ledger_entries",
        "payment_ledger_accounts",
    ):
        op.drop_table(table)
    if op.get_bind().dialect.name == "postgresql":
        for function in (
            "payment_ledger_immutable()",
            "payment_ledger_entry_balanced()",
            "payment_ledger_line_balanced()",
            "payment_ledger_line_open()",
            "payment_ledger_check_entry(text)",
        ):
            op.execute(f"DROP FUNCTION IF EXISTS {function}")
