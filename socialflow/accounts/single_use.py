"""Single-use secrets: the one rule for consuming them.

A one-time code, a recovery code, a mailed link or an OAuth ``state`` must
work once, even when the same value arrives in ten requests at the same
instant. Reading "not used yet" and then writing "used" is a race: every
request reads before any writes. So a secret is consumed by **one atomic
statement** whose row count says who won:

* a conditional ``UPDATE ... WHERE <still unused>`` on the row that holds the
  secret (a TOTP step: ``last_used_step < :step``; a recovery code:
  ``used_at IS NULL``), see :func:`consume_once`;
* for stateless tokens (signed links, the OAuth state cookie), an
  ``INSERT ... ON CONFLICT DO NOTHING`` of the token's id into
  ``consumed_tokens``, see :func:`consume_token`.

Both databases make the losers wait for the winner's transaction and then
see its row (PostgreSQL re-checks the ``WHERE`` of an ``UPDATE`` and the
unique key of an ``INSERT`` after the lock is released; SQLite runs writers
one at a time), so exactly one of N concurrent uses gets a row count of 1.
The caller turns a 0 into its own clean 4xx and commits on success.
"""

from __future__ import annotations

import hashlib
import threading
import time
from datetime import datetime, timedelta

from sqlalchemy import Delete, Insert, Update, delete, literal_column
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col

from socialflow.accounts.models import ConsumedToken
from socialflow.core.db.base import utcnow

# Expired rows are swept at most this often per process, by whoever consumes next.
SWEEP_INTERVAL_SECONDS = 600
_sweep_lock = threading.Lock()
_next_sweep = 0.0


def consume_once(session: Session, statement: Update | Delete | Insert) -> bool:
    """Run a guarded ``UPDATE`` (or ``INSERT ... ON CONFLICT DO NOTHING``); True when it
    changed exactly one row.

    The statement's ``WHERE`` (or unique key) must hold only while the secret
    is unused, so that it changes one row for the first use and none after.
    An ``INSERT`` reports through ``RETURNING`` (the PostgreSQL driver gives
    no row count for one that did nothing).
    """
    if isinstance(statement, Insert):
        return session.execute(statement.returning(literal_column("1"))).first() is not None
    result = session.execute(statement)
    return bool(result.rowcount == 1)  # type: ignore[attr-defined]


def token_key(purpose: str, token_id: str) -> str:
    """What ``consumed_tokens`` stores: a digest, never the token itself."""
    return hashlib.sha256(f"{purpose}\x00{token_id}".encode()).hexdigest()


def consume_token(session: Session, *, purpose: str, token_id: str, expires_at: datetime) -> bool:
    """Record ``token_id`` (a ``jti``, an OAuth state) as used; False if it already was.

    ``expires_at`` is when the token dies anyway: the row is kept until then
    (a little longer, for clock leeway) and swept afterwards.
    """
    _sweep_expired(session)
    values = {
        "key": token_key(purpose, token_id),
        "purpose": purpose[:32],
        "consumed_at": utcnow(),
        "expires_at": expires_at + timedelta(minutes=5),
    }
    return consume_once(session, _insert_if_absent(session, values))


def _insert_if_absent(session: Session, values: dict[str, object]) -> Insert:
    table = ConsumedToken.__table__  # type: ignore[attr-defined]
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(table).values(**values).on_conflict_do_nothing()
    return sqlite.insert(table).values(**values).on_conflict_do_nothing()


def _sweep_expired(session: Session) -> None:
    """Forget consumed tokens that could not be used any more anyway."""
    global _next_sweep
    with _sweep_lock:
        if time.monotonic() < _next_sweep:
            return
        _next_sweep = time.monotonic() + SWEEP_INTERVAL_SECONDS
    session.execute(delete(ConsumedToken).where(col(ConsumedToken.expires_at) < utcnow()))
