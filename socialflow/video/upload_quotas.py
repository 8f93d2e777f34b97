"""Per-account upload quotas, checked when a tus upload is created.

Three limits, each a setting (``0`` or unset = unlimited):

* ``upload_quota_uploads_in_flight``: how many unfinished, unexpired uploads
  an account may have at once;
* ``upload_quota_bytes_in_flight``: the sum of their declared ``Upload-Length``;
* ``upload_quota_bytes_per_day``: the ``Upload-Length`` an account may declare
  per rolling 24 hours, finished or not (an :class:`UploadCharge` row per
  upload remembers it; the media sweep prunes rows older than a day).

Admins are exempt. The check and the new upload's rows are written in one
transaction that first locks the account's ``users`` row (``SELECT ... FOR
UPDATE`` on PostgreSQL; on SQLite every write transaction already begins
``IMMEDIATE`` and holds the database's write lock), so two creations racing
at the limit are serialised: the second one sees the first and is refused.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func
from sqlmodel import Session, col, select

from socialflow.accounts.models import Role, User
from socialflow.core.db.base import utcnow
from socialflow.core.errors import NotFound, Problem
from socialflow.core.settings import Settings
from socialflow.video.models import Upload, UploadCharge

QUOTA_WINDOW = timedelta(hours=24)
EXEMPT_ROLES = frozenset({Role.admin.value})


class UploadQuotaExceeded(Problem):
    """429 with ``quota``, ``limit`` and ``used`` members saying which quota refused."""

    status, slug, title = 429, "upload-quota-exceeded", "Upload quota exceeded"


@dataclass(frozen=True)
class UploadUsage:
    """What an account has in flight now and declared in the last 24 hours."""

    uploads_in_flight: int
    bytes_in_flight: int
    bytes_today: int


def _limit(value: int | None) -> int | None:
    """A quota setting as a limit: ``0`` and ``None`` both mean unlimited."""
    return value or None


def lock_account(session: Session, owner_id: int) -> str:
    """Lock the account's row for the rest of the transaction; its current role.

    On SQLite ``FOR UPDATE`` is not rendered: the ``BEGIN IMMEDIATE`` this
    statement starts already holds the write lock until commit.
    """
    role = session.exec(select(User.role).where(User.id == owner_id).with_for_update()).first()
    if role is None:
        raise NotFound("No such account.", slug="user-not-found")
    return role


def usage_of(session: Session, owner_id: int, *, now: datetime | None = None) -> UploadUsage:
    """The account's uploads in flight (unfinished and unexpired) and its charges of the day."""
    now = now or utcnow()
    count, total = session.exec(
        select(func.count(), func.coalesce(func.sum(Upload.length), 0)).where(
            Upload.owner_id == owner_id,
            col(Upload.completed_at).is_(None),
            col(Upload.expires_at) > now,
        )
    ).one()
    today = session.exec(
        select(func.coalesce(func.sum(UploadCharge.bytes), 0)).where(
            UploadCharge.owner_id == owner_id,
            col(UploadCharge.created_at) > now - QUOTA_WINDOW,
        )
    ).one()
    return UploadUsage(int(count), int(total), int(today))


def reserve(
    *, session: Session, settings: Settings, owner_id: int, length: int, now: datetime | None = None
) -> None:
    """Refuse an upload of ``length`` bytes over a quota, else charge it to the day.

    Call inside the transaction that inserts the upload, before inserting it:
    the account stays locked until that transaction ends.
    """
    now = now or utcnow()
    role = lock_account(session, owner_id)
    if role in EXEMPT_ROLES:
        return
    usage = usage_of(session, owner_id, now=now)
    _check_in_flight(settings, usage, length)
    _check_per_day(session, settings, owner_id, usage, length, now)
    session.add(UploadCharge(owner_id=owner_id, bytes=length, created_at=now))


def _check_in_flight(settings: Settings, usage: UploadUsage, length: int) -> None:
    uploads_limit = _limit(settings.upload_quota_uploads_in_flight)
    if uploads_limit is not None and usage.uploads_in_flight + 1 > uploads_limit:
        raise UploadQuotaExceeded(
            f"Quota upload_quota_uploads_in_flight: at most {uploads_limit} unfinished uploads "
            f"at once; this account has {usage.uploads_in_flight}. Finish or terminate one.",
            quota="upload_quota_uploads_in_flight",
            limit=uploads_limit,
            used=usage.uploads_in_flight,
        )
    bytes_limit = _limit(settings.upload_quota_bytes_in_flight)
    if bytes_limit is not None and usage.bytes_in_flight + length > bytes_limit:
        raise UploadQuotaExceeded(
            f"Quota upload_quota_bytes_in_flight: unfinished uploads may declare at most "
            f"{bytes_limit} bytes together; this account has {usage.bytes_in_flight} in flight "
            f"and this upload declares {length}. Finish or terminate one.",
            quota="upload_quota_bytes_in_flight",
            limit=bytes_limit,
            used=usage.bytes_in_flight,
        )


def _check_per_day(
    session: Session,
    settings: Settings,
    owner_id: int,
    usage: UploadUsage,
    length: int,
    now: datetime,
) -> None:
    limit = _limit(settings.upload_quota_bytes_per_day)
    if limit is None or usage.bytes_today + length <= limit:
        return
    retry_after = _seconds_until_room(session, owner_id, usage.bytes_today + length - limit, now)
    raise UploadQuotaExceeded(
        f"Quota upload_quota_bytes_per_day: at most {limit} bytes per rolling 24 hours; "
        f"this account declared {usage.bytes_today} and this upload declares {length}.",
        quota="upload_quota_bytes_per_day",
        limit=limit,
        used=usage.bytes_today,
        headers={"Retry-After": str(retry_after)} if retry_after else None,
    )


def _seconds_until_room(session: Session, owner_id: int, excess: int, now: datetime) -> int | None:
    """Seconds until charges worth ``excess`` bytes leave the 24-hour window (None: never,
    the upload alone is over the limit)."""
    charges = session.exec(
        select(UploadCharge.bytes, UploadCharge.created_at)
        .where(
            UploadCharge.owner_id == owner_id,
            col(UploadCharge.created_at) > now - QUOTA_WINDOW,
        )
        .order_by(col(UploadCharge.created_at))
    ).all()
    for size, created_at in charges:
        excess -= size
        if excess <= 0:
            return max(1, math.ceil((created_at + QUOTA_WINDOW - now).total_seconds()))
    return None


def prune_charges(*, session: Session, now: datetime | None = None) -> int:
    """Delete charges older than the 24-hour window (the media sweep calls this)."""
    now = now or utcnow()
    table = UploadCharge.__table__  # type: ignore[attr-defined]
    result = session.execute(delete(table).where(table.c.created_at <= now - QUOTA_WINDOW))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
