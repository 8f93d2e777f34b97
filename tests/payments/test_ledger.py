"""The ledger's rules hold in the database itself, on SQLite and PostgreSQL.

Balanced entries post once per key, balances are sums of lines, and raw SQL
that would unbalance an entry, add a line to a closed entry, leave lines
without their entry, or change or delete a journal row is refused.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from socialflow.payments import ledger
from socialflow.payments.ledger import AccountKind


def _accounts(session: Any) -> tuple[Any, Any, Any]:
    return (
        ledger.account(session, AccountKind.processor_clearing),
        ledger.account(session, AccountKind.platform_fees),
        ledger.account(session, AccountKind.creator_pending, owner_id=7),
    )


def test_balanced_entry_posts_once_and_balances_are_sums(platform: Any) -> None:
    with platform.session() as session:
        clearing, fees, pending = _accounts(session)
        lines = [
            ledger.debit(clearing, 1000, "usd"),
            ledger.credit(fees, 100, "usd"),
            ledger.credit(pending, 900, "usd"),
        ]
        first = ledger.post(session, kind="charge", cause=("charge", "1"), key="k1", lines=lines)
        again = ledger.post(session, kind="charge", cause=("charge", "1"), key="k1", lines=lines)
        ledger.post(
            session,
            kind="charge",
            cause=("charge", "2"),
            key="k2",
            lines=[ledger.debit(clearing, 500, "eur"), ledger.credit(pending, 500, "eur")],
        )
        session.commit()
        assert first.id == again.id
        assert ledger.balance(session, clearing, "usd") == 1000
        assert ledger.balance(session, pending, "usd") == 900
        assert ledger.balances(session, pending) == {"usd": 900, "eur": 500}
        assert ledger.balance(session, fees, "usd") == 100
        assert ledger.trial_balance(session) == {"usd": 0, "eur": 0}
        assert ledger.unbalanced_entries(session) == []


@pytest.mark.parametrize(
    "lines",
    [
        [(1, "usd")],
        [(100, "usd"), (-99, "usd")],
        [(100, "usd"), (-100, "eur")],
        [(100, "usd"), (0, "usd"), (-100, "usd")],
        [(True, "usd"), (-1, "usd")],
        [(100, "USD"), (-100, "USD")],
    ],
)
def test_python_refuses_unbalanced_or_malformed_entries(
    platform: Any, lines: list[tuple[Any, str]]
) -> None:
    with platform.session() as session:
        clearing, fees, _ = _accounts(session)
        targets = [clearing, fees, clearing]
        with pytest.raises(ledger.UnbalancedEntryError):
            ledger.post(
                session,
                kind="x",
                cause=("test", "1"),
                key="bad",
                lines=[ledger.debit(targets[i], a, c) for i, (a, c) in enumerate(lines)],
            )


def _raw_lines(session: Any, entry: str, rows: list[tuple[int, int, str, int]]) -> None:
    for seq, account_id, currency, amount in rows:
        session.execute(
            text(
                "INSERT INTO payment_ledger_lines (entry_id, seq, account_id, currency, amount) "
                "VALUES (:e, :s, :a, :c, :m)"
            ),
            {"e": entry, "s": seq, "a": account_id, "c": currency, "m": amount},
        )


def _raw_entry(session: Any, entry: str, line_count: int) -> None:
    session.execute(
        text(
            "INSERT INTO payment_ledger_entries "
            "(id, kind, cause_type, cause_id, memo, idempotency_key, line_count, created_at) "
            "VALUES (:e, 'raw', 'test', '1', '', :e, :n, CURRENT_TIMESTAMP)"
        ),
        {"e": entry, "n": line_count},
    )


def _setup(platform: Any) -> tuple[int, int]:
    with platform.session() as session:
        clearing, fees, _ = _accounts(session)
        session.commit()
        return int(clearing.id), int(fees.id)


@pytest.mark.parametrize(
    ("rows", "line_count"),
    [
        ([(1, 0, "usd", 100), (2, 1, "usd", -99)], 2),  # does not sum to zero
        ([(1, 0, "usd", 100), (2, 1, "eur", -100)], 2),  # balances only across currencies
        ([(1, 0, "usd", 100), (2, 1, "usd", -100), (3, 1, "usd", 5)], 2),  # more lines than said
        ([(1, 0, "usd", 100), (2, 1, "usd", -100)], 3),  # fewer lines than said
        ([(1, 0, "usd", 100)], 1),  # a single line
    ],
)
def test_database_refuses_a_raw_unbalanced_entry(
    platform: Any, rows: list[tuple[int, int, str, int]], line_count: int
) -> None:
    ids = _setup(platform)
    rows = [(s, ids[a], c, m) for s, a, c, m in rows]
    with platform.session() as session:
        _raw_lines(session, "e" * 32, rows)
        with pytest.raises(DBAPIError, match=r"does not balance|ck_payment_ledger_entry_lines"):
            _raw_entry(session, "e" * 32, line_count)
        session.rollback()
    with platform.session() as session:
        assert session.scalar(text("SELECT count(*) FROM payment_ledger_lines")) == 0


def test_database_refuses_lines_without_their_entry(platform: Any) -> None:
    clearing, fees = _setup(platform)
    with platform.session() as session:
        _raw_lines(session, "f" * 32, [(1, clearing, "usd", 100), (2, fees, "usd", -100)])
        with pytest.raises(DBAPIError):
            session.commit()
        session.rollback()
    with platform.session() as session:
        assert session.scalar(text("SELECT count(*) FROM payment_ledger_lines")) == 0


def test_database_refuses_a_line_added_to_a_closed_entry(platform: Any) -> None:
    clearing, fees = _setup(platform)
    with platform.session() as session:
        _raw_lines(session, "a" * 32, [(1, clearing, "usd", 100), (2, fees, "usd", -100)])
        _raw_entry(session, "a" * 32, 2)
        session.commit()
    for extra in ([(3, clearing, "usd", 50)], [(3, clearing, "usd", 50), (4, fees, "usd", -50)]):
        with platform.session() as session, pytest.raises(DBAPIError, match="entry is closed"):
            _raw_lines(session, "a" * 32, extra)
    with platform.session() as session:
        assert session.scalar(text("SELECT count(*) FROM payment_ledger_lines")) == 2


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE payment_ledger_lines SET amount = amount * 2",
        "UPDATE payment_ledger_lines SET account_id = account_id",
        "DELETE FROM payment_ledger_lines",
        "UPDATE payment_ledger_entries SET memo = 'changed'",
        "DELETE FROM payment_ledger_entries",
    ],
)
def test_journal_rows_are_immutable(platform: Any, statement: str) -> None:
    with platform.session() as session:
        clearing, fees, _ = _accounts(session)
        ledger.post(
            session,
            kind="charge",
            cause=("charge", "1"),
            key="k",
            lines=[ledger.debit(clearing, 100, "usd"), ledger.credit(fees, 100, "usd")],
        )
        session.commit()
    with platform.session() as session, pytest.raises(DBAPIError, match="immutable"):
        session.execute(text(statement))
    with platform.session() as session:
        assert (
            ledger.balance(session, ledger.account(session, AccountKind.platform_fees), "usd")
            == 100
        )


def test_truncate_is_refused_on_postgresql(platform: Any) -> None:
    with platform.session() as session:
        if session.get_bind().dialect.name != "postgresql":
            assert session.get_bind().dialect.name == "sqlite"  # SQLite has no TRUNCATE
            return
        with pytest.raises(DBAPIError, match="immutable"):
            session.execute(text("TRUNCATE payment_ledger_lines CASCADE"))
