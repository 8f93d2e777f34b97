"""Who wants what, where and when: per-kind, per-medium preferences and quiet hours.

A preference says whether notifications of one kind reach the user on one
medium: ``in_app`` (the inbox), ``realtime`` (open WebSocket/SSE
connections), ``email`` and ``push`` (every registered device). Only changes
are stored; :func:`default` answers for the rest. The defaults keep e-mail
for what asks something of the user (a follow request, a mention, a reply)
and everything else on.

Quiet hours are local times in the user's IANA time zone. During them, push
and e-mail deliveries are held and sent when they end; the inbox and open
connections are not affected (the user looking at the app sees them).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from sqlalchemy import select
from sqlmodel import Session

from socialflow.core.db.sqlutil import insert_ignore
from socialflow.core.errors import ValidationProblem
from socialflow.notifications import kinds as known_kinds
from socialflow.notifications.delivery_models import (
    Medium,
    NotificationPreference,
    NotificationUserSettings,
)

PREFERENCES = NotificationPreference.__table__  # type: ignore[attr-defined]
USER_SETTINGS = NotificationUserSettings.__table__  # type: ignore[attr-defined]
MEDIA = tuple(m.value for m in Medium)
DIGESTS = ("off", "daily", "weekly")


def default(session: Session, kind: str, medium: str) -> bool:
    """Whether ``kind`` goes out on ``medium`` when the user changed nothing: e-mail for
    what asks something of the user (and the kinds an app e-mails), every other medium on."""
    if medium == Medium.email.value:
        return kind in known_kinds.emailed_by_default(session)
    return True


def matrix(session: Session, user_id: int) -> dict[str, dict[str, bool]]:
    """Every kind's every medium for ``user_id``: the defaults with their changes."""
    emailed = known_kinds.emailed_by_default(session)
    result = {
        kind: {medium: medium != Medium.email.value or kind in emailed for medium in MEDIA}
        for kind in known_kinds.names(session)
    }
    rows = session.execute(
        select(PREFERENCES.c.kind, PREFERENCES.c.medium, PREFERENCES.c.enabled).where(
            PREFERENCES.c.user_id == user_id
        )
    )
    for kind, medium, enabled in rows:
        if kind in result and medium in result[kind]:
            result[kind][medium] = bool(enabled)
    return result


def wants(session: Session, user_id: int, kind: str, medium: str) -> bool:
    """Whether ``user_id`` wants ``kind`` on ``medium`` (one indexed lookup)."""
    stored = session.execute(
        select(PREFERENCES.c.enabled).where(
            PREFERENCES.c.user_id == user_id,
            PREFERENCES.c.kind == kind,
            PREFERENCES.c.medium == medium,
        )
    ).scalar_one_or_none()
    return default(session, kind, medium) if stored is None else bool(stored)


def disabled_kinds_query(user_id: int, medium: str) -> Any:
    """SQL: the kinds ``user_id`` switched off on ``medium`` (only non-default-off media
    may be filtered this way: every default is on for in-app and realtime)."""
    return select(PREFERENCES.c.kind).where(
        PREFERENCES.c.user_id == user_id,
        PREFERENCES.c.medium == medium,
        PREFERENCES.c.enabled.is_(False),
    )


def set_preferences(
    session: Session, user_id: int, changes: Mapping[str, Mapping[str, bool]]
) -> None:
    """Apply ``{kind: {medium: enabled}}`` (validated: unknown kinds or media are 422)."""
    names = known_kinds.names(session)
    for kind, media in changes.items():
        if kind not in names:
            raise _invalid("kinds", f"unknown notification kind {kind!r}", "invalid_kind")
        for medium, enabled in media.items():
            if medium not in MEDIA:
                raise _invalid("kinds", f"unknown medium {medium!r}", "invalid_medium")
            _store(session, user_id, kind, medium, enabled)


def _store(session: Session, user_id: int, kind: str, medium: str, enabled: bool) -> None:
    values = {"user_id": user_id, "kind": kind, "medium": medium, "enabled": enabled}
    if not insert_ignore(session, PREFERENCES, values):
        session.execute(
            PREFERENCES.update()
            .where(
                PREFERENCES.c.user_id == user_id,
                PREFERENCES.c.kind == kind,
                PREFERENCES.c.medium == medium,
            )
            .values(enabled=enabled)
        )


def user_settings(session: Session, user_id: int) -> NotificationUserSettings:
    """The user's row (a transient default when they never set anything)."""
    row = session.get(NotificationUserSettings, user_id)
    return row if row is not None else NotificationUserSettings(user_id=user_id)


def update_user_settings(session: Session, user_id: int, **values: Any) -> NotificationUserSettings:
    """Set ``timezone``, ``quiet_start``/``quiet_end`` (minutes) or ``email_digest``."""
    if "timezone" in values:
        values["timezone"] = check_timezone(values["timezone"])
    if values.get("email_digest") not in (None, *DIGESTS):
        raise _invalid("email_digest", "one of off, daily, weekly", "invalid_digest")
    insert_ignore(session, USER_SETTINGS, {"user_id": user_id})
    row = session.get(NotificationUserSettings, user_id)
    assert row is not None
    for name, value in values.items():
        setattr(row, name, value)
    session.add(row)
    session.flush()
    return row


def check_timezone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise _invalid("timezone", f"unknown time zone {name!r}", "invalid_timezone") from None
    if name not in _zones():
        raise _invalid("timezone", f"unknown time zone {name!r}", "invalid_timezone")
    return name


_ZONES: set[str] = set()


def _zones() -> set[str]:
    if not _ZONES:
        _ZONES.update(available_timezones(), {"UTC"})
    return _ZONES


def parse_clock(value: str) -> int:
    """``"22:30"`` -> minutes after midnight (422 otherwise)."""
    try:
        parsed = time.fromisoformat(value)
    except ValueError:
        raise _invalid("quiet_hours", f"not a HH:MM time: {value!r}", "invalid_time") from None
    return parsed.hour * 60 + parsed.minute


def format_clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def quiet_until(settings: NotificationUserSettings, now: datetime) -> datetime | None:
    """When the user's quiet hours around ``now`` (aware, UTC) end; ``None`` if not quiet.

    The window is ``[start, end)`` in local time and wraps past midnight when
    ``end <= start`` (22:00-07:00). Computed on local wall clocks, so a DST
    change moves the end with the clocks, as the user expects.
    """
    start, end = settings.quiet_start, settings.quiet_end
    if start is None or end is None or start == end:
        return None
    zone = ZoneInfo(settings.timezone)
    local = now.astimezone(zone)
    minute = local.hour * 60 + local.minute
    if start < end:
        if not start <= minute < end:
            return None
        end_date = local.date()
    elif minute >= start:
        end_date = local.date() + timedelta(days=1)
    elif minute < end:
        end_date = local.date()
    else:
        return None
    end_local = datetime.combine(end_date, time(end // 60, end % 60), tzinfo=zone)
    return end_local.astimezone(now.tzinfo)


def _invalid(field: str, message: str, code: str) -> ValidationProblem:
    return ValidationProblem(
        f"{field}: {message}.",
        slug="validation-error",
        errors=[{"field": field, "message": message, "code": code}],
    )
