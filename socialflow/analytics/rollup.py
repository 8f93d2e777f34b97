"""Rollups: raw events to hourly and daily aggregates, recomputed whole.

A rollup takes a batch of raw events not yet counted (``rolled`` false),
marks them, and recomputes **every** hour and day they fall in from all the
raw events of that hour or day: delete that period's aggregate rows, insert
fresh ones. So an event that commits late (after its hour was rolled up)
folds into its own hour at the next run, and running a rollup twice gives
the same numbers. An event that commits while a rollup runs stays unmarked
(the marks are taken from the rows read first) and is counted next time.

Hourly: per creator (views, watch time, likes, comments, shares, follows
gained and lost) and per video (views, distinct viewers, watch time); those
summed per day too (what dashboards over long ranges read). Daily:
per video traffic sources and drop-off positions (the retention curve), the
day's active users, and platform totals. Services: the caller commits.

Long because every aggregate table is recomputed by the same rules (which
periods a batch touches, delete them, insert one grouped query's rows, in
SQL that groups by hour or day on both SQLite and PostgreSQL), and the
tables must agree with one another to the event: the hour and day sums of
one batch are written side by side, where a reader can check they match.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import (
    Date,
    and_,
    case,
    cast,
    delete,
    distinct,
    func,
    insert,
    literal_column,
    select,
    text,
    update,
)
from sqlmodel import Session

from socialflow.analytics.agents import families
from socialflow.analytics.models import (
    ActiveUserDay,
    AnalyticsEvent,
    CreatorDay,
    CreatorHour,
    LiveHour,
    PlatformDay,
    VideoAgentDay,
    VideoDay,
    VideoDropoffDay,
    VideoGeoDay,
    VideoHour,
    VideoSourceDay,
)

EVENTS = AnalyticsEvent.__table__  # type: ignore[attr-defined]
CREATOR_HOURS = CreatorHour.__table__  # type: ignore[attr-defined]
VIDEO_HOURS = VideoHour.__table__  # type: ignore[attr-defined]
CREATOR_DAYS = CreatorDay.__table__  # type: ignore[attr-defined]
VIDEO_DAYS = VideoDay.__table__  # type: ignore[attr-defined]
SOURCES = VideoSourceDay.__table__  # type: ignore[attr-defined]
DROPOFFS = VideoDropoffDay.__table__  # type: ignore[attr-defined]
ACTIVE = ActiveUserDay.__table__  # type: ignore[attr-defined]
PLATFORM = PlatformDay.__table__  # type: ignore[attr-defined]
GEO = VideoGeoDay.__table__  # type: ignore[attr-defined]
AGENTS = VideoAgentDay.__table__  # type: ignore[attr-defined]
LIVE = LiveHour.__table__  # type: ignore[attr-defined]
UNKNOWN_COUNTRY = "unknown"
HOUR = timedelta(hours=1)
DAY = timedelta(days=1)
CHUNK = 500  # ids per IN (...) list: well under SQLite's variable limit
# PostgreSQL advisory lock key held by a rollup transaction ("analytic" in ASCII).
ROLLUP_LOCK = 0x616E616C79746963
# Raw kind -> CreatorHour column counting it.
CREATOR_COUNTS = {
    "like": "likes",
    "unlike": "unlikes",
    "comment": "comments",
    "share": "shares",
    "follow": "follows_gained",
    "unfollow": "follows_lost",
    "block_unfollow": "follows_lost",  # a follow a block cut
}
PLATFORM_COUNTS = {"upload": "uploads", "signup": "signups", "post": "posts", "like": "likes"}
PLATFORM_COUNTS["comment"] = "comments"


@dataclass
class RollupResult:
    events: int = 0
    hours: int = 0
    days: int = 0

    def add(self, other: RollupResult) -> None:
        self.events += other.events
        self.hours += other.hours
        self.days += other.days


def hour_of(moment: datetime) -> datetime:
    moment = moment.astimezone(UTC)
    return moment.replace(minute=0, second=0, microsecond=0)


def day_start(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=UTC)


def roll_pending(session: Session, *, batch_size: int, bucket_seconds: int) -> RollupResult:
    """Count one batch of unrolled raw events (their hours and days recomputed whole).

    Rollups take turns: on PostgreSQL a transaction-scoped advisory lock makes a
    second one (beat and a CLI backfill at once) wait, then find the batch already
    marked; SQLite lets one writer at a time anyway.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": ROLLUP_LOCK})
    rows = session.execute(
        select(EVENTS.c.id, EVENTS.c.occurred_at)
        .where(EVENTS.c.rolled.is_(False))
        .order_by(EVENTS.c.id)
        .limit(batch_size)
    ).all()
    if not rows:
        return RollupResult()
    ids = [row.id for row in rows]
    for start in range(0, len(ids), CHUNK):
        session.execute(
            update(EVENTS).where(EVENTS.c.id.in_(ids[start : start + CHUNK])).values(rolled=True)
        )
    hours = {hour_of(row.occurred_at) for row in rows}
    result = recompute(session, hours, bucket_seconds=bucket_seconds)
    result.events = len(rows)
    return result


def recompute(session: Session, hours: Iterable[datetime], *, bucket_seconds: int) -> RollupResult:
    """Recompute the given hours and the days they fall in from the raw events.

    Set-wise: a run of nearby hours (days) is recomputed by one grouped query per
    rollup table, not one query per hour, so a batch spanning weeks costs about what
    a batch spanning an hour does."""
    hours = sorted(set(hours))
    days = sorted({h.date() for h in hours})
    for run in _runs(hours, gap=DAY):
        recompute_hours(session, run)
    for run in _runs(days, gap=timedelta(days=7)):
        recompute_days(session, run, bucket_seconds=bucket_seconds)
    return RollupResult(hours=len(hours), days=len(days))


def _runs(points: list[Any], *, gap: timedelta) -> list[list[Any]]:
    """``points`` (sorted) cut where two follow each other more than ``gap`` apart, so
    one late event from long ago does not make a query read everything in between."""
    runs: list[list[Any]] = []
    for point in points:
        if runs and point - runs[-1][-1] <= gap:
            runs[-1].append(point)
        else:
            runs.append([point])
    return runs


def _dialect(session: Session) -> str:
    return session.get_bind().dialect.name


def _hour_bucket(session: Session, column: Any) -> Any:
    """SQL for the UTC hour ``column`` falls in (a string on SQLite; see :func:`_as_hour`)."""
    if _dialect(session) == "postgresql":
        # Literal arguments: the same text in SELECT and GROUP BY.
        return func.date_trunc(
            literal_column("'hour'"), func.timezone(literal_column("'UTC'"), column)
        )
    return func.strftime(literal_column("'%Y-%m-%d %H:00:00'"), column)


def _day_bucket(session: Session, column: Any) -> Any:
    """SQL for the UTC day ``column`` falls in (see :func:`_as_day`)."""
    if _dialect(session) == "postgresql":
        return cast(func.timezone(literal_column("'UTC'"), column), Date)
    return func.date(column)


def _as_hour(value: str | datetime) -> datetime:
    """An hour bucket as the database returns it: a string on SQLite, a naive UTC
    timestamp on PostgreSQL."""
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else hour_of(moment)


def _as_day(value: str | date) -> date:
    """A day bucket as the database returns it (a string on SQLite)."""
    if isinstance(value, str):
        return date.fromisoformat(value[:10])
    return value.date() if isinstance(value, datetime) else value


def _delete_in(session: Session, table: Any, column: str, values: list[Any]) -> None:
    for start in range(0, len(values), CHUNK):
        session.execute(delete(table).where(table.c[column].in_(values[start : start + CHUNK])))


def _within(start: datetime, length: timedelta) -> Any:
    return and_(EVENTS.c.occurred_at >= start, EVENTS.c.occurred_at < start + length)


def recompute_hour(session: Session, hour: datetime) -> None:
    """Replace ``hour``'s creator, video and live rows by what its raw events say."""
    recompute_hours(session, [hour])


def recompute_hours(session: Session, hours: list[datetime]) -> None:
    """Replace the creator, video and live rows of ``hours`` (sorted, nearby) by what
    their raw events say: one grouped query per table for them all."""
    wanted = set(hours)
    for table in (CREATOR_HOURS, VIDEO_HOURS):
        _delete_in(session, table, "hour", hours)
    in_hours = _within(hours[0], hours[-1] - hours[0] + HOUR)
    bucket = _hour_bucket(session, EVENTS.c.occurred_at).label("bucket")
    new_views = func.sum(case((EVENTS.c.new_view.is_(True), 1), else_=0))
    creators: dict[tuple[datetime, int], dict[str, Any]] = {}
    found = session.execute(
        select(
            bucket,
            EVENTS.c.creator_id,
            EVENTS.c.kind,
            func.count(),
            new_views,
            func.sum(EVENTS.c.watch_seconds),
        )
        .where(in_hours, EVENTS.c.creator_id.is_not(None))
        .group_by(bucket, EVENTS.c.creator_id, EVENTS.c.kind)
    ).all()
    for at, creator_id, kind, count, views, watched in found:
        hour = _as_hour(at)
        if hour not in wanted:
            continue
        row = creators.setdefault((hour, creator_id), {"creator_id": creator_id, "hour": hour})
        if kind == "view":
            row["views"] = int(views or 0)
            row["watch_seconds"] = float(watched or 0.0)
        elif kind in CREATOR_COUNTS:
            column = CREATOR_COUNTS[kind]
            row[column] = row.get(column, 0) + int(count)
    wanted_rows = [row for row in creators.values() if len(row) > 2]
    if wanted_rows:
        session.execute(insert(CREATOR_HOURS), [_fill(CreatorHour, row) for row in wanted_rows])
    videos = session.execute(
        select(
            bucket,
            EVENTS.c.video_id,
            func.max(EVENTS.c.creator_id),
            new_views,
            func.count(distinct(EVENTS.c.viewer_key)),
            func.sum(EVENTS.c.watch_seconds),
        )
        .where(in_hours, EVENTS.c.kind == "view", EVENTS.c.video_id.is_not(None))
        .group_by(bucket, EVENTS.c.video_id)
    ).all()
    video_rows = [
        {
            "video_id": video_id,
            "hour": _as_hour(at),
            "creator_id": creator_id,
            "views": int(views or 0),
            "viewers": int(viewers),
            "watch_seconds": float(watched or 0.0),
        }
        for at, video_id, creator_id, views, viewers, watched in videos
        if creator_id is not None and _as_hour(at) in wanted
    ]
    if video_rows:
        session.execute(insert(VIDEO_HOURS), video_rows)
    recompute_live_hours(session, hours)


def recompute_live_hour(session: Session, hour: datetime) -> None:
    """Replace ``hour``'s live stream rows (see :func:`recompute_live_hours`)."""
    recompute_live_hours(session, [hour])


def recompute_live_hours(session: Session, hours: list[datetime]) -> None:
    """Replace the live stream rows of ``hours`` (sorted): per stream and hour, peak
    viewers and its first moment, joins, and the stream's distinct viewers so far (the
    largest count the live app reported)."""
    wanted = set(hours)
    _delete_in(session, LIVE, "hour", hours)
    changes = session.execute(
        select(
            EVENTS.c.stream_id,
            EVENTS.c.creator_id,
            EVENTS.c.occurred_at,
            EVENTS.c.live_viewers,
            EVENTS.c.live_total,
            EVENTS.c.new_view,
        )
        .where(
            _within(hours[0], hours[-1] - hours[0] + HOUR),
            EVENTS.c.kind == "live",
            EVENTS.c.stream_id.is_not(None),
        )
        .order_by(EVENTS.c.occurred_at, EVENTS.c.id)
    ).all()
    streams: dict[tuple[int, datetime], dict[str, Any]] = {}
    for stream_id, creator_id, at, viewers, total, joined in changes:
        hour = hour_of(at)
        if creator_id is None or hour not in wanted:
            continue
        row = streams.setdefault(
            (stream_id, hour),
            {
                "stream_id": stream_id,
                "hour": hour,
                "creator_id": creator_id,
                "peak_viewers": -1,
                "peak_at": at,
                "joins": 0,
                "total_viewers": 0,
            },
        )
        if (viewers or 0) > row["peak_viewers"]:
            row["peak_viewers"], row["peak_at"] = viewers or 0, at
        row["joins"] += 1 if joined else 0
        row["total_viewers"] = max(row["total_viewers"], total or 0)
    if streams:
        session.execute(insert(LIVE), list(streams.values()))


def _fill(model: type[Any], row: dict[str, Any]) -> dict[str, Any]:
    """``row`` with every counter column of ``model`` present (zero when absent)."""
    table = model.__table__
    return {c.name: row.get(c.name, 0) for c in table.columns}


def recompute_day(session: Session, day: date, *, bucket_seconds: int) -> None:
    """Replace ``day``'s sources, drop-offs, audience, active users, platform totals
    and creator and video day sums."""
    recompute_days(session, [day], bucket_seconds=bucket_seconds)


def recompute_days(session: Session, days: list[date], *, bucket_seconds: int) -> None:
    """Replace the sources, drop-offs, audience, active users, platform totals and
    creator and video day sums of ``days`` (sorted, nearby; their hours recomputed
    first): one grouped query per table for them all."""
    wanted = set(days)
    for table in (SOURCES, DROPOFFS, ACTIVE, PLATFORM, GEO, AGENTS):
        _delete_in(session, table, "day", days)
    in_days = _within(day_start(days[0]), day_start(days[-1]) + DAY - day_start(days[0]))
    bucket = _day_bucket(session, EVENTS.c.occurred_at).label("bucket")
    views = and_(in_days, EVENTS.c.kind == "view", EVENTS.c.video_id.is_not(None))
    sources = session.execute(
        select(bucket, EVENTS.c.video_id, EVENTS.c.source, func.count())
        .where(views, EVENTS.c.new_view.is_(True))
        .group_by(bucket, EVENTS.c.video_id, EVENTS.c.source)
    ).all()
    by_source: Counter[tuple[date, str, str]] = Counter()
    for at, video_id, source, count in sources:
        day = _as_day(at)
        if day in wanted:
            by_source[(day, video_id, source or "unknown")] += int(count)
    if by_source:
        session.execute(
            insert(SOURCES),
            [
                {"video_id": v, "day": d, "source": s, "views": n}
                for (d, v, s), n in by_source.items()
            ],
        )
    furthest = session.execute(
        select(bucket, EVENTS.c.video_id, EVENTS.c.viewer_key, func.max(EVENTS.c.position))
        .where(views, EVENTS.c.position.is_not(None), EVENTS.c.viewer_key.is_not(None))
        .group_by(bucket, EVENTS.c.video_id, EVENTS.c.viewer_key)
    ).all()
    drops: Counter[tuple[date, str, int]] = Counter()
    for at, video_id, _viewer, position in furthest:
        day = _as_day(at)
        if day in wanted:
            second = int(float(position) // bucket_seconds) * bucket_seconds
            drops[(day, video_id, second)] += 1
    if drops:
        session.execute(
            insert(DROPOFFS),
            [
                {"video_id": v, "day": d, "second": s, "viewers": n}
                for (d, v, s), n in drops.items()
            ],
        )
    _audience_days(session, wanted, bucket, views)
    active = session.execute(
        select(bucket, EVENTS.c.actor_id).distinct().where(in_days, EVENTS.c.actor_id.is_not(None))
    ).all()
    active_rows = [
        {"day": _as_day(at), "user_id": user_id} for at, user_id in active if _as_day(at) in wanted
    ]
    if active_rows:
        session.execute(insert(ACTIVE), active_rows)
    _platform_days(session, wanted, bucket, in_days)
    sum_hours_into_days(session, days)


def sum_hours_into_day(session: Session, day: date) -> None:
    """Replace ``day``'s creator and video day rows by the sums of its hourly rows."""
    sum_hours_into_days(session, [day])


def sum_hours_into_days(session: Session, days: list[date]) -> None:
    """Replace the creator and video day rows of ``days`` (sorted) by the sums of their
    hourly rows (which the caller recomputed first), so long ranges read one row per day."""
    wanted = set(days)
    start, end = day_start(days[0]), day_start(days[-1]) + DAY
    for daily in (CREATOR_DAYS, VIDEO_DAYS):
        _delete_in(session, daily, "day", days)
    counters = [c.name for c in CREATOR_DAYS.columns if c.name not in ("creator_id", "day")]
    hours = CREATOR_HOURS
    bucket = _day_bucket(session, hours.c.hour).label("bucket")
    creators = session.execute(
        select(bucket, hours.c.creator_id, *(func.sum(hours.c[name]) for name in counters))
        .where(hours.c.hour >= start, hours.c.hour < end)
        .group_by(bucket, hours.c.creator_id)
    ).all()
    creator_rows = [
        {
            "creator_id": row[1],
            "day": _as_day(row[0]),
            **dict(zip(counters, row[2:], strict=True)),
        }
        for row in creators
        if _as_day(row[0]) in wanted
    ]
    if creator_rows:
        session.execute(insert(CREATOR_DAYS), creator_rows)
    bucket = _day_bucket(session, VIDEO_HOURS.c.hour).label("bucket")
    videos = session.execute(
        select(
            bucket,
            VIDEO_HOURS.c.video_id,
            func.max(VIDEO_HOURS.c.creator_id),
            func.sum(VIDEO_HOURS.c.views),
            func.sum(VIDEO_HOURS.c.viewers),
            func.sum(VIDEO_HOURS.c.watch_seconds),
        )
        .where(VIDEO_HOURS.c.hour >= start, VIDEO_HOURS.c.hour < end)
        .group_by(bucket, VIDEO_HOURS.c.video_id)
    ).all()
    video_rows = [
        {
            "video_id": video_id,
            "day": _as_day(at),
            "creator_id": creator_id,
            "views": int(views or 0),
            "viewers": int(viewers or 0),
            "watch_seconds": float(watched or 0.0),
        }
        for at, video_id, creator_id, views, viewers, watched in videos
        if _as_day(at) in wanted
    ]
    if video_rows:
        session.execute(insert(VIDEO_DAYS), video_rows)


def _audience_days(session: Session, wanted: set[date], bucket: Any, views: Any) -> None:
    """New views per video and day by country and region, and by device, OS and
    browser (User-Agent strings parsed here, once per distinct string)."""
    places = session.execute(
        select(
            bucket,
            EVENTS.c.video_id,
            func.max(EVENTS.c.creator_id),
            EVENTS.c.country,
            EVENTS.c.region,
            func.sum(case((EVENTS.c.new_view.is_(True), 1), else_=0)),
            func.sum(EVENTS.c.watch_seconds),
        )
        .where(views, EVENTS.c.creator_id.is_not(None))
        .group_by(bucket, EVENTS.c.video_id, EVENTS.c.country, EVENTS.c.region)
    ).all()
    geo: dict[tuple[date, str, str, str], dict[str, Any]] = {}
    for at, video_id, creator_id, country, region, count, watched in places:
        day = _as_day(at)
        if day not in wanted:
            continue
        place = (day, str(video_id), str(country or UNKNOWN_COUNTRY), str(region or ""))
        row = geo.setdefault(
            place,
            {
                "video_id": place[1],
                "day": day,
                "country": place[2],
                "region": place[3],
                "creator_id": creator_id,
                "views": 0,
                "watch_seconds": 0.0,
            },
        )
        row["views"] += int(count or 0)
        row["watch_seconds"] += float(watched or 0.0)
    if geo:
        session.execute(insert(GEO), list(geo.values()))
    agents = session.execute(
        select(
            bucket,
            EVENTS.c.video_id,
            func.max(EVENTS.c.creator_id),
            EVENTS.c.user_agent,
            func.count(),
        )
        .where(views, EVENTS.c.creator_id.is_not(None), EVENTS.c.new_view.is_(True))
        .group_by(bucket, EVENTS.c.video_id, EVENTS.c.user_agent)
    ).all()
    by_family: dict[tuple[date, str, str, str, str], dict[str, Any]] = {}
    for at, video_id, creator_id, agent, count in agents:
        day = _as_day(at)
        if day not in wanted:
            continue
        device, os_family, browser = families(agent)
        key = (day, video_id, device, os_family, browser)
        row = by_family.setdefault(
            key,
            {
                "video_id": video_id,
                "day": day,
                "device": device,
                "os": os_family,
                "browser": browser,
                "creator_id": creator_id,
                "views": 0,
            },
        )
        row["views"] += int(count)
    if by_family:
        session.execute(insert(AGENTS), list(by_family.values()))


def _platform_days(session: Session, wanted: set[date], bucket: Any, in_days: Any) -> None:
    totals: dict[date, dict[str, Any]] = {}
    found = session.execute(
        select(
            bucket,
            EVENTS.c.kind,
            func.count(),
            func.sum(case((EVENTS.c.new_view.is_(True), 1), else_=0)),
            func.sum(EVENTS.c.watch_seconds),
        )
        .where(in_days)
        .group_by(bucket, EVENTS.c.kind)
    ).all()
    for at, kind, count, views, watched in found:
        day = _as_day(at)
        if day not in wanted:
            continue
        row = totals.setdefault(day, defaultdict(int))
        if kind == "view":
            row["views"] = int(views or 0)
            row["watch_seconds"] = float(watched or 0.0)
        elif kind in PLATFORM_COUNTS:
            row[PLATFORM_COUNTS[kind]] = int(count)
    if totals:
        session.execute(
            insert(PLATFORM),
            [_fill(PlatformDay, {**row, "day": day}) for day, row in totals.items()],
        )


def reset_since(session: Session, since: datetime) -> int:
    """Mark every raw event from ``since`` on as not rolled (a backfill recomputes them);
    returns how many were marked."""
    result = session.execute(
        update(EVENTS).where(EVENTS.c.occurred_at >= since).values(rolled=False)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def sweep(session: Session, *, now: datetime, retention_days: int) -> int:
    """Delete rolled raw events older than the retention, by whole days (so no day is
    left half there for a later recompute); returns how many went."""
    cutoff = day_start(now.astimezone(UTC).date() - timedelta(days=retention_days))
    result = session.execute(
        delete(EVENTS).where(EVENTS.c.occurred_at < cutoff, EVENTS.c.rolled.is_(True))
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def oldest_recomputable(now: datetime, retention_days: int) -> datetime:
    """The earliest moment a backfill may recompute (raw events before it may be swept)."""
    return day_start(now.astimezone(UTC).date() - timedelta(days=retention_days))
