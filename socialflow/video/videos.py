"""Videos: who may see them, processing jobs, views.

Processing is idempotent by construction. A job claims the video with a
lease (``job_token`` + heartbeat), writes every output under a fresh
``videos/<id>/hls/<attempt>/`` prefix, swaps ``hls_prefix`` to it in one
compare-and-set, and only then deletes every other attempt's prefix. A
worker killed at any point leaves either the old pointer or the new one,
never a mix, and the next run (redelivered message or the sweeper finding a
stale heartbeat) cleans up what the dead one left.

Long because the processing job is one state machine over one row: the
lease (claim, heartbeat, release, fail), the source composition, the pointer
swap and the sweeper that requeues dead jobs all read and write the same
``job_token``/``status`` columns under the same compare-and-set rules. Split
apart, a change to the lease would have to be made in several modules that
must agree exactly; the owner-facing reads and writes (visibility, update,
delete, views) sit beside it because they honour the same statuses.

Who commits: request and CLI paths (:func:`update_video`,
:func:`delete_video`, :func:`record_view`) leave the commit to their caller.
The job steps take a session *factory* and commit each step in its own
short session, so no transaction stays open while ffmpeg runs.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import logging
import shutil
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import and_, case, func, or_, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from socialflow.accounts.models import AccountState, User
from socialflow.core import screening
from socialflow.core.db.base import utcnow
from socialflow.core.db.sqlutil import DB
from socialflow.core.effects import enqueue_after_commit, record_event
from socialflow.core.errors import Conflict, NotFound, ValidationProblem
from socialflow.core.indexing import queue_video
from socialflow.core.inputs import ascii_int, has_forbidden_chars, same_secret
from socialflow.core.settings import Settings
from socialflow.graph import relations as graph
from socialflow.graph.models import Follow
from socialflow.plugins.audiences import audiences_of
from socialflow.plugins.manager import SocialflowPluginManager
from socialflow.plugins.protocols import StorageBackend, UploadedPart
from socialflow.video.media.hls import Variant
from socialflow.video.media.ladder import AUDIO_TRACK
from socialflow.video.media.pipeline import publish, transcode
from socialflow.video.media.probe import probe
from socialflow.video.media.safety import Limits, MediaRejected, MediaToolFailed
from socialflow.video.models import Upload, Video, VideoStatus, VideoView, Visibility
from socialflow.video.settings import video_settings
from socialflow.video.thumbnails import cover_prefix
from socialflow.video.uploads import PROCESS_TASK, chunk_prefix, chunks_of

logger = logging.getLogger("socialflow.videos")

if TYPE_CHECKING:
    from socialflow.core.platform import Platform

SessionFactory = Callable[[], AbstractContextManager[Session]]
# Frames of each video the moderation model sees: the poster and storyboard tiles.
FRAMES_TO_CHECK = 5
PART_SIZE = 8 * 1024 * 1024  # S3's minimum part is 5 MiB; 8 MiB keeps every backend happy
MAX_JOB_ATTEMPTS = 3
HEARTBEAT_EVERY = 1.0
DELETE_STORAGE_TASK = "socialflow.media.delete_video_storage"
USERS = User.__table__  # type: ignore[attr-defined]
FOLLOWS = Follow.__table__  # type: ignore[attr-defined]
VIDEOS = Video.__table__  # type: ignore[attr-defined]


def videos_prefix(video_id: str) -> str:
    return f"videos/{video_id}/"


def hls_root(video_id: str) -> str:
    return f"videos/{video_id}/hls/"


def source_key(video_id: str) -> str:
    return f"videos/{video_id}/source"


# ------------------------------------------------------------------- access


def owner_allows(session: Session, viewer_id: int | None, owner_id: int) -> bool:
    """Whether the owner's side lets ``viewer_id`` see their videos at all: no block
    either way, the account not deleted, and public or followed by the viewer
    (``graph.may_see_account``: the rule every post follows too)."""
    if viewer_id == owner_id:
        return True
    if graph.is_blocked_between(session, viewer_id, owner_id):
        return False
    owner = session.get(User, owner_id)
    if owner is None or owner.state == AccountState.deleted.value:
        return False
    return graph.may_see_account(session, viewer_id, owner)


def check_visibility(session: Session, value: str) -> str:
    """``value`` if it is a built-in video visibility or an audience a plugin registered."""
    audiences = audiences_of(session)
    if value in Visibility.__members__ or value in audiences.names:
        return value
    allowed = [v.value for v in Visibility] + audiences.names
    raise ValidationProblem(
        f"visibility must be one of: {', '.join(allowed)}.",
        errors=[{"field": "visibility", "message": "unknown visibility", "code": "invalid"}],
    )


def can_view(session: Session, video: Video, viewer: User | None) -> bool:
    """Owners see their videos in any state; others only ready, non-private ones whose
    owner allows them (:func:`owner_allows`: blocks, private accounts) and, for a
    visibility an app added (an audience), whom that audience admits."""
    viewer_id = viewer.id if viewer is not None else None
    if viewer_id is not None and viewer_id == video.owner_id:
        return True
    if video.status != VideoStatus.ready.value or video.visibility == Visibility.private.value:
        return False
    if video.visibility not in Visibility.__members__ and not audiences_of(session).admits(
        session, viewer_id, video.visibility, video.owner_id
    ):
        return False
    return owner_allows(session, viewer_id, video.owner_id)


def can_play(session: Session, video: Video, viewer: User | None, *, signed: bool) -> bool:
    """Whether a playlist request may be answered: by the viewer's own rights, or by a
    signed URL (handed out with a post the holder could see, whatever the video's own
    visibility). A signature never overrides a block: a signed-in viewer blocked by,
    or blocking, the owner is refused, and so is anyone once the owner is deleted."""
    if can_view(session, video, viewer):
        return True
    if not signed:
        return False
    viewer_id = viewer.id if viewer is not None else None
    if graph.is_blocked_between(session, viewer_id, video.owner_id):
        return False
    owner = session.get(User, video.owner_id)
    return owner is not None and owner.state != AccountState.deleted.value


def public_video_counts(session: DB, owner_ids: Sequence[int]) -> dict[int, int]:
    """How many ready, public videos each of ``owner_ids`` has (a profile's count)."""
    if not owner_ids:
        return {}
    statement = (
        select(VIDEOS.c.owner_id, func.count())
        .where(
            VIDEOS.c.owner_id.in_(owner_ids),
            VIDEOS.c.status == VideoStatus.ready.value,
            VIDEOS.c.visibility == Visibility.public.value,
        )
        .group_by(VIDEOS.c.owner_id)
    )
    return {int(owner): int(count) for owner, count in session.execute(statement).all()}


def get_visible_video(*, session: Session, video_id: str, viewer: User | None) -> Video:
    video = session.get(Video, video_id) if len(video_id) <= 32 else None
    if video is None or not can_view(session, video, viewer):
        raise NotFound("No such video.", slug="video-not-found")
    return video


def get_own_video(*, session: Session, owner: User, video_id: str) -> Video:
    """One of ``owner``'s videos; anyone else's is 404 like a missing one (no existence leak)."""
    video = session.get(Video, video_id) if len(video_id) <= 32 else None
    if video is None or video.owner_id != owner.id:
        raise NotFound("No such video.", slug="video-not-found")
    return video


def _listable(query: Any, viewer_id: int | None) -> Any:
    """The public listing's rule in SQL: ready, public videos of live accounts that are
    public or followed by the viewer (or the viewer's own), no block either way and
    no mute by the viewer. In the query, so pages stay full."""
    followed = select(FOLLOWS.c.followee_id).where(FOLLOWS.c.follower_id == viewer_id)
    query = query.join(USERS, USERS.c.id == Video.owner_id).where(
        Video.status == VideoStatus.ready.value,
        Video.visibility == Visibility.public.value,
        USERS.c.state != AccountState.deleted.value,
    )
    if viewer_id is None:
        return query.where(USERS.c.is_private.is_(False))
    return query.where(
        col(Video.owner_id).not_in(graph.hidden_user_ids_query(viewer_id)),
        or_(
            USERS.c.is_private.is_(False),
            col(Video.owner_id) == viewer_id,
            col(Video.owner_id).in_(followed),
        ),
    )


def list_videos(
    *,
    session: Session,
    viewer: User | None,
    mine: bool,
    cursor: str | None,
    limit: int,
    owner: User | None = None,
) -> tuple[list[Video], str | None]:
    """Newest first. ``mine``: the caller's own, any status. ``owner``: that account's
    ready videos the viewer may see (all of them for the owner, public ones for others
    whom the owner allows). Else: every public ready video the viewer may see."""
    viewer_id = viewer.id if viewer is not None else None
    query = select(Video)
    if mine:
        if viewer is None:
            raise NotFound("Sign in to list your videos.")
        query = query.where(Video.owner_id == viewer.id)
    elif owner is not None:
        assert owner.id is not None
        if not owner_allows(session, viewer_id, owner.id):
            return [], None
        query = query.where(Video.owner_id == owner.id, Video.status == VideoStatus.ready.value)
        if owner.id != viewer_id:
            query = query.where(
                or_(
                    col(Video.visibility) == Visibility.public.value,
                    audiences_of(session).condition(
                        viewer_id, VIDEOS.c.visibility, VIDEOS.c.owner_id
                    ),
                )
            )
    else:
        query = _listable(query, viewer_id)
    if cursor:
        created, _, last_id = cursor.partition("_")
        when = _parse_cursor_time(created)
        if when is None or has_forbidden_chars(last_id) or len(last_id) > 32:
            raise ValidationProblem("cursor: not a cursor this API gave out", slug="invalid-cursor")
        query = query.where(
            or_(
                col(Video.created_at) < when,
                and_(col(Video.created_at) == when, col(Video.id) < last_id),
            )
        )
    rows = list(
        session.exec(
            query.order_by(col(Video.created_at).desc(), col(Video.id).desc()).limit(limit + 1)
        )
    )
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        last = rows[-1]
        next_cursor = f"{int(last.created_at.timestamp() * 1_000_000)}_{last.id}"
    return rows, next_cursor


# --------------------------------------------------------------- management


def update_video(*, session: Session, owner: User, video_id: str, changes: dict[str, Any]) -> Video:
    """Apply the owner's ``changes`` (title, description, visibility, thumbnail choice,
    already validated); search and every cached post carrying the video follow the
    caller's commit."""
    video = get_own_video(session=session, owner=owner, video_id=video_id)
    if "thumbnail_choice" in changes:
        changes = {**changes, "thumbnail_key": _candidate_key(video, changes["thumbnail_choice"])}
    if "visibility" in changes and changes["visibility"] != video.visibility:
        if audiences_of(session).locked(video.visibility):
            raise Conflict("A moderator hid this video.", slug="moderated")
        check_visibility(session, changes["visibility"])
    changed = {field: value for field, value in changes.items() if getattr(video, field) != value}
    if changed:
        for field, value in changed.items():
            setattr(video, field, value)
        video.updated_at = utcnow()
        session.add(video)
        record_event(
            session, "video_updated", video_id=video.id, owner_id=owner.id, fields=sorted(changed)
        )
        queue_video(session, video.id)
    session.flush()
    session.refresh(video)
    return video


def _candidate_key(video: Video, choice: int) -> str:
    """The stored frame the owner picked as thumbnail (422 when there is no such candidate)."""
    candidates = video.thumbnail_candidates or []
    if video.status != VideoStatus.ready.value or not 0 <= choice < len(candidates):
        raise ValidationProblem(
            f"thumbnail_choice: this video has {len(candidates)} candidate frames.",
            errors=[
                {"field": "thumbnail_choice", "message": "no such candidate", "code": "invalid"}
            ],
        )
    return candidates[choice]


def storage_prefixes(session: Session, video: Video) -> list[str]:
    """Every storage prefix holding ``video``'s bytes: its own (source, every HLS
    attempt, poster, storyboard) and its upload's chunks."""
    uploads = session.exec(select(Upload.id).where(Upload.video_id == video.id)).all()
    return [videos_prefix(video.id), *(chunk_prefix(upload_id) for upload_id in uploads)]


def delete_video(
    *,
    session: Session,
    plugins: SocialflowPluginManager,
    owner: User,
    video_id: str,
    grace: timedelta = timedelta(0),
) -> list[str]:
    """Delete the owner's video (the caller commits); returns the storage prefixes
    whose removal was queued (none while a grace period runs).

    With a ``grace`` period the video turns ``deleted`` at once (so no list,
    post, search or playlist shows it any more, and a running job loses its
    lease) and :func:`purge_deleted` removes it for good once the period has
    passed; until then the owner may :func:`restore_video` it. An unfinished
    upload has nothing to restore and goes at once, like every video without
    a grace period (:func:`remove_now`).
    """
    video = get_own_video(session=session, owner=owner, video_id=video_id)
    if video.status == VideoStatus.deleted.value:
        raise NotFound("No such video.", slug="video-not-found")
    if grace <= timedelta(0) or video.status == VideoStatus.uploading.value:
        return remove_now(session=session, plugins=plugins, video=video)
    soft_delete(session, video)
    return []


def remove_now(
    *, session: Session, plugins: SocialflowPluginManager, video: Video, keep_storage: bool = False
) -> list[str]:
    """Delete ``video``'s row now; its stored objects go after the commit (returned).

    Apps holding rows that point at it detach them first, in the same
    transaction (``socialflow_object_deleting``: posts carrying it keep their
    text). The storage prefixes are removed by the ``DELETE_STORAGE_TASK``
    Celery task, retried while the backend fails, never before the commit: a
    rolled-back deletion leaves every byte in place. ``keep_storage``: the
    bytes stay where they are (a moderator's removal under a legal hold).
    """
    video_id, owner_id = video.id, video.owner_id
    prefixes = storage_prefixes(session, video)
    plugins.hook.socialflow_object_deleting(
        session=session, kind="video", object_id=video_id, **plugins.hook_context()
    )
    session.delete(video)
    record_event(session, "video_deleted", video_id=video_id, owner_id=owner_id)
    queue_video(session, video_id)
    if not keep_storage:
        enqueue_after_commit(session, DELETE_STORAGE_TASK, prefixes, queue="media")
    return prefixes


def restore_video(*, session: Session, owner: User, video_id: str, grace: timedelta) -> Video:
    """Undo the owner's deletion within the grace period (the caller commits).

    A video that was ready plays again from the outputs it kept; one deleted
    before its processing finished is processed again.
    """
    video = get_own_video(session=session, owner=owner, video_id=video_id)
    if video.status != VideoStatus.deleted.value or video.deleted_at is None:
        raise Conflict("This video is not deleted.", slug="video-not-deleted")
    if audiences_of(session).locked(video.visibility):
        raise Conflict(
            "A moderator removed this video; appeal the decision instead.",
            slug="removed-by-moderator",
        )
    if video.deleted_at + grace <= utcnow():
        raise Conflict("The grace period to restore this video has passed.", slug="grace-passed")
    undelete(session=session, video=video)
    session.flush()
    session.refresh(video)
    return video


def soft_delete(session: Session, video: Video) -> None:
    """Turn ``video`` ``deleted`` now (hidden everywhere, its job's lease lost); the purge
    removes it once the grace period has passed, :func:`undelete` brings it back."""
    video.status = VideoStatus.deleted.value
    video.deleted_at = utcnow()
    video.job_token = None
    video.job_heartbeat_at = None
    video.reprocessing = False
    video.replacement_upload_id = None  # a replacement still uploading is dropped
    video.updated_at = video.deleted_at
    session.add(video)
    record_event(
        session, "video_updated", video_id=video.id, owner_id=video.owner_id, fields=["status"]
    )
    queue_video(session, video.id)


def undelete(*, session: Session, video: Video) -> None:
    """Bring a soft-deleted video back: one that was ready plays again from the outputs
    it kept; one deleted before its processing finished is processed again."""
    video.deleted_at = None
    if video.hls_prefix:  # its outputs were finished: it plays again from them
        video.status = VideoStatus.ready.value
        video.updated_at = utcnow()
        session.add(video)
        record_event(
            session, "video_updated", video_id=video.id, owner_id=video.owner_id, fields=["status"]
        )
        queue_video(session, video.id)
    else:
        video.status = VideoStatus.failed.value  # start_processing takes it from here
        start_processing(session=session, video=video)


def purge_deleted(
    *, session: Session, plugins: SocialflowPluginManager, grace: timedelta, limit: int = 500
) -> list[str]:
    """Remove for good the videos deleted longer than ``grace`` ago (the caller commits);
    their ids. Idempotent: a purged video is gone, the next run finds the rest."""
    cutoff = utcnow() - grace
    rows = session.exec(
        select(Video)
        .where(Video.status == VideoStatus.deleted.value, col(Video.deleted_at) <= cutoff)
        .order_by(col(Video.deleted_at))
        .limit(limit)
    ).all()
    purged = []
    for video in rows:
        purged.append(video.id)
        remove_now(session=session, plugins=plugins, video=video)
    return purged


def delete_stored(storage: StorageBackend, prefixes: list[str]) -> int:
    """Remove every object under ``prefixes`` (idempotent); returns how many went."""
    return sum(storage.delete_prefix(prefix) for prefix in prefixes)


def _parse_cursor_time(value: str) -> Any:
    """The creation time in a video cursor (microseconds since the epoch), or
    None when it is not one: non-ASCII digits, or past what a datetime holds."""
    from datetime import UTC, datetime

    micros = ascii_int(value)
    if micros is None:
        return None
    try:
        return datetime.fromtimestamp(micros / 1_000_000, UTC)
    except (OverflowError, OSError, ValueError):
        return None


# ------------------------------------------------------------ playback URLs


def playback_signature(secret: str, video_id: str, name: str, expires: int) -> str:
    """HMAC granting one playlist of one video until ``expires``."""
    message = f"playlist\n{video_id}\n{name}\n{expires}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def check_playback_signature(
    secret: str, video_id: str, name: str, expires: int | str | None, sig: str | None
) -> bool:
    """True when ``sig`` grants this playlist until ``expires`` (parsed, or the raw
    query value, of which only ASCII digits count), not yet passed."""
    when = ascii_int(expires) if isinstance(expires, str) else expires
    if when is None or not sig or when < time.time():
        return False
    expected = playback_signature(secret, video_id, name, when)
    return same_secret(sig, expected)


# --------------------------------------------------------------- processing


def start_processing(*, session: Session, video: Video) -> Video:
    """Mark ``video`` for (re)processing and queue the job after commit."""
    if video.status == VideoStatus.uploading.value:
        raise ValidationProblem("The upload of this video is not finished.")
    video.status = VideoStatus.processing.value
    video.progress = 0
    video.failure_reason = None
    video.job_token = None
    video.job_heartbeat_at = None
    video.job_attempts = 0
    video.updated_at = utcnow()
    session.add(video)
    enqueue_after_commit(session, PROCESS_TASK, video.id, queue="media")
    queue_video(session, video.id)  # not ready any more: out of search until it is
    return video


def start_reprocessing(*, session: Session, video: Video) -> str:
    """Queue a new processing job for ``video`` (the caller commits); returns what was done.

    A ``ready`` video stays ``ready`` and keeps serving its current outputs
    (``reprocessing`` is set): the job's outputs replace them in the same
    pointer swap as any job, then the old ones are deleted. A failed video is
    processed again as usual. Idempotent: a video whose job is running, or whose
    upload is unfinished, is left alone; one whose job waits is sent again.
    """
    if _has_job(video):
        if video.job_token is not None:
            return "running"
        # Due but not claimed: its message may be lost, so send one more. A duplicate
        # is harmless: the lease lets one job run, the other finds it busy or done.
        enqueue_after_commit(session, PROCESS_TASK, video.id, queue="media")
        return "requeued"
    if video.status == VideoStatus.uploading.value:
        return "skipped: upload unfinished"
    if video.status != VideoStatus.ready.value:
        start_processing(session=session, video=video)
        return "queued"
    video.reprocessing = True
    video.updated_at = utcnow()
    video.failure_reason = None
    video.job_token = None
    video.job_heartbeat_at = None
    video.job_attempts = 0
    session.add(video)
    enqueue_after_commit(session, PROCESS_TASK, video.id, queue="media")
    return "queued"


def _has_job(video: Video) -> bool:
    """Whether a processing job is due or running for ``video``."""
    return video.status == VideoStatus.processing.value or (
        video.status == VideoStatus.ready.value and bool(video.reprocessing)
    )


def job_pending(table: Any) -> Any:
    """:func:`_has_job` as SQL: first processing, or reprocessing a ready video."""
    return or_(
        table.c.status == VideoStatus.processing.value,
        and_(table.c.status == VideoStatus.ready.value, table.c.reprocessing.is_(True)),
    )


def claim_job(
    sessions: SessionFactory, settings: Settings, video_id: str, token: str
) -> Video | str:
    """Take the job lease of a ``processing`` video; a string says why not (skipped, busy...).

    Public with :func:`finish_job` so tests and tools can move a video to
    ``ready`` through the same steps as the pipeline, without running ffmpeg.

    Commits: the first step of the processing job, in its own session; the
    lease must be visible to other workers before this one starts working.
    """
    with sessions() as session:
        video = session.get(Video, video_id)
        if video is None:
            return "missing"
        if not _has_job(video):
            return f"skipped: video is {video.status}"
        now = utcnow()
        stale = now - timedelta(seconds=settings.media_job_stale_seconds)
        if (
            video.job_token
            and video.job_heartbeat_at is not None
            and video.job_heartbeat_at > stale
        ):
            return "busy: another worker holds the job"
        if video.job_attempts >= MAX_JOB_ATTEMPTS:
            stuck_token = video.job_token
            session.close()
            _fail(
                sessions,
                video_id,
                stuck_token,
                f"processing gave up after {MAX_JOB_ATTEMPTS} attempts",
            )
            return "failed: too many attempts"
        table = Video.__table__  # type: ignore[attr-defined]
        condition = (
            table.c.job_token.is_(None)
            if video.job_token is None
            else table.c.job_token == video.job_token
        )
        result = session.execute(
            update(table)
            .where(and_(table.c.id == video_id, job_pending(table), condition))
            .values(
                job_token=token,
                job_heartbeat_at=now,
                job_attempts=table.c.job_attempts + 1,
                progress=0,
            )
        )
        session.commit()
        if result.rowcount != 1:  # type: ignore[attr-defined]
            return "busy: lost the race for the job"
        session.refresh(video)
        session.expunge(video)
        return video


def _heartbeat(sessions: SessionFactory, video_id: str, token: str, progress: int) -> bool:
    """Renew the job's lease and record its progress; False if another worker took it.

    Commits: a step of the processing job, in its own session; the sweeper
    and the owner's progress bar only see a committed heartbeat.
    """
    table = Video.__table__  # type: ignore[attr-defined]
    with sessions() as session:
        result = session.execute(
            update(table)
            .where(and_(table.c.id == video_id, table.c.job_token == token))
            .values(job_heartbeat_at=utcnow(), progress=progress)
        )
        session.commit()
        return bool(result.rowcount == 1)  # type: ignore[attr-defined]


def _fail(sessions: SessionFactory, video_id: str, token: str | None, reason: str) -> None:
    """End the job in ``failed`` with ``reason`` if this job (``token``) still holds it.

    Commits: the last step of a rejected job, in its own session.
    """
    table = Video.__table__  # type: ignore[attr-defined]
    with sessions() as session:
        owned = table.c.job_token.is_(None) if token is None else table.c.job_token == token
        result = session.execute(
            update(table)
            .where(and_(table.c.id == video_id, table.c.status == "processing", owned))
            .values(
                status=VideoStatus.failed.value,
                failure_reason=reason[:500],
                replacement_upload_id=None,
                job_token=None,
                progress=0,
                updated_at=utcnow(),
            )
        )
        if result.rowcount != 1:  # type: ignore[attr-defined]
            # A reprocessing job failed: the video keeps its current outputs.
            session.execute(
                update(table)
                .where(and_(table.c.id == video_id, table.c.reprocessing.is_(True), owned))
                .values(
                    reprocessing=False,
                    replacement_upload_id=None,
                    failure_reason=reason[:500],
                    job_token=None,
                    progress=100,
                    updated_at=utcnow(),
                )
            )
        elif result.rowcount == 1:  # type: ignore[attr-defined]
            owner_id = session.execute(
                select(table.c.owner_id).where(table.c.id == video_id)
            ).scalar_one_or_none()
            record_event(
                session, "video_failed", video_id=video_id, owner_id=owner_id, reason=reason[:500]
            )
            queue_video(session, video_id)
        session.commit()


class JobLost(Exception):  # noqa: N818 - reads as what happened
    """Another worker took the job over (our heartbeat was presumed dead)."""


def process_video(
    *,
    sessions: SessionFactory,
    storage: StorageBackend,
    settings: Settings,
    video_id: str,
    platform: Platform | None = None,
) -> str:
    """Probe, transcode and publish one video; returns a one-line outcome.

    Rejections (not a video, too long, unsafe container, ffmpeg errors) end
    in status ``failed`` with a reason. Unexpected errors release the lease
    and propagate, so Celery logs them and the sweeper retries (at most
    ``MAX_JOB_ATTEMPTS`` times).
    """
    token = uuid.uuid4().hex
    claimed = claim_job(sessions, settings, video_id, token)
    if isinstance(claimed, str):
        return claimed
    video = claimed
    prefix = f"{hls_root(video_id)}{token}/"
    _delete_other_attempts(storage, video_id, keep=video.hls_prefix)
    last_beat = [0.0]

    def progress(percent: int, *, force: bool = False) -> None:
        now = time.monotonic()
        if force or now - last_beat[0] >= HEARTBEAT_EVERY:
            last_beat[0] = now
            if not _heartbeat(sessions, video_id, token, percent):
                raise JobLost(video_id)

    limits = Limits(
        timeout=settings.media_probe_timeout,
        memory_bytes=settings.media_memory_limit_mb * 1024 * 1024,
    )
    options = video_settings(settings)
    work = Path(tempfile.mkdtemp(prefix=f"socialflow-{video_id[:8]}-"))
    try:
        source_path = work / "source"
        replaced = _fetch_source(sessions, storage, video, source_path, beat=lambda: progress(1))
        progress(2, force=True)
        facts = probe(
            source_path,
            limits=limits,
            max_duration=settings.video_max_duration,
            max_pixels=settings.video_max_pixels,
        )
        out_dir = work / "out"
        out_dir.mkdir()
        result = transcode(
            source_path,
            out_dir,
            facts,
            limits=Limits(timeout=settings.media_job_timeout, memory_bytes=limits.memory_bytes),
            max_height=settings.video_max_height,
            segment_seconds=settings.hls_segment_seconds,
            preset=settings.media_preset,
            on_progress=lambda fraction: progress(3 + int(fraction * 87)),
            packaging=options.packaging,
            thumbnails=options.thumbnail_candidates,
            sample=FRAMES_TO_CHECK if platform and screening.active(platform) else 0,
        )
        screened = _screen_frames(platform, video, result.frames)
        publish(
            out_dir,
            storage,
            prefix,
            on_file=lambda done, total: progress(90 + int(9 * done / total)),
        )
        renditions = [
            {
                "name": r.name,
                "width": r.variant.width,
                "height": r.variant.height,
                "bandwidth": r.variant.bandwidth,
                "codecs": r.variant.codecs,
            }
            for r in result.renditions
        ]
        layout = result.storyboard
        if not finish_job(
            sessions,
            video_id,
            token,
            prefix=prefix,
            values={
                "duration": facts.duration,
                "width": facts.width,
                "height": facts.height,
                "renditions": renditions,
                **_thumbnail_values(video_id, prefix, result.thumbnails, video.thumbnail_choice),
                **_source_values(replaced),
                "packaging": result.packaging,
                "audio_track": _audio_track(result.audio),
                "storyboard_key": prefix + "storyboard.jpg",
                "storyboard": {
                    "interval": layout.interval,
                    "count": layout.count,
                    "columns": layout.columns,
                    "rows": layout.rows,
                    "tile_width": layout.tile_width,
                    "tile_height": layout.tile_height,
                },
            },
            also=screened,
        ):
            storage.delete_prefix(prefix)
            _drop_if_deleted(sessions, storage, video_id)
            return "lost: another worker finished first"
        _delete_other_attempts(storage, video_id, keep=prefix)
        if replaced is not None and video.source_key and video.source_key != replaced[0]:
            storage.delete(video.source_key)  # the replaced source, now unused
        return f"ready: {len(renditions)} renditions"
    except (MediaRejected, MediaToolFailed) as exc:
        storage.delete_prefix(prefix)
        if video.replacement_upload_id:
            storage.delete(replacement_key(video_id, video.replacement_upload_id))
        _fail(sessions, video_id, token, str(exc))
        return f"failed: {exc}"
    except JobLost:
        _drop_if_deleted(sessions, storage, video_id)
        return "lost: another worker took the job over"
    except Exception:
        storage.delete_prefix(prefix)
        _release(sessions, video_id, token)
        raise
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _source_values(replaced: tuple[str, int] | None) -> dict[str, Any]:
    """A replacement source becomes the video's source in the pointer swap."""
    if replaced is None:
        return {}
    key, size = replaced
    return {"source_key": key, "source_size": size, "replacement_upload_id": None}


def _audio_track(audio: Variant | None) -> dict[str, Any] | None:
    """The CMAF audio track's facts (the DASH manifest's audio representation)."""
    if audio is None:
        return None
    return {"name": AUDIO_TRACK, "bandwidth": audio.bandwidth, "codecs": audio.codecs}


def _thumbnail_values(
    video_id: str, prefix: str, candidates: list[str], choice: int | None
) -> dict[str, Any]:
    """The poster, or the owner's earlier pick when the new outputs have that candidate.

    An image the owner uploaded stays the thumbnail, whatever the job read when it
    started: the pointer swap's UPDATE keeps a ``cover/`` key it finds in the row
    then, so a cover uploaded while the video was being reprocessed is kept too.
    """
    keys = [prefix + name for name in candidates]
    chosen = choice if choice is not None and 0 <= choice < len(keys) else None
    frame = keys[chosen] if chosen is not None else prefix + "poster.jpg"
    covered = VIDEOS.c.thumbnail_key.startswith(cover_prefix(video_id), autoescape=True)
    return {
        "thumbnail_candidates": keys,
        "thumbnail_key": case((covered, VIDEOS.c.thumbnail_key), else_=frame),
        "thumbnail_choice": None if chosen is None else case((covered, None), else_=chosen),
    }


def _screen_frames(
    platform: Platform | None, video: Video, frames: list[bytes]
) -> Callable[[Session], object] | None:
    """Ask the moderation model about the sampled frames. A reject fails the job
    (recorded first); any other verdict is recorded when the video turns ready, in
    that transaction, where a hold hides it and queues it for review. A video turning
    ready for the first time that no model held may still be held for review by
    pre-moderation (``screening.arrived``).

    Commits: a reject's verdict in its own session, since the job that failed
    writes nothing else the verdict could ride on.
    """
    if platform is None:
        return None
    verdict = None
    if frames:
        verdict = screening.judge_images(platform, frames, kind="video", author_id=video.owner_id)
    if verdict is not None and verdict.action == "reject":
        with platform.session() as session:
            screening.record(
                session,
                platform,
                kind="video",
                target_id=video.id,
                author_id=video.owner_id,
                verdict=verdict,
            )
            session.commit()
        raise MediaRejected(f"refused by the moderation model ({', '.join(verdict.labels)})")
    first = video.ready_at is None

    def on_ready(session: Session) -> None:
        held = verdict is not None and screening.record(
            session,
            platform,
            kind="video",
            target_id=video.id,
            author_id=video.owner_id,
            verdict=verdict,
        )
        if first and not held:
            screening.arrived(
                session, platform, kind="video", target_id=video.id, author_id=video.owner_id
            )

    return on_ready


def _drop_if_deleted(sessions: SessionFactory, storage: StorageBackend, video_id: str) -> None:
    """A job that lost its lease because the owner deleted the video removes what it
    wrote meanwhile (the deletion's own cleanup may have run before)."""
    with sessions() as session:
        gone = session.get(Video, video_id) is None
    if gone:
        storage.delete_prefix(videos_prefix(video_id))


def _release(sessions: SessionFactory, video_id: str, token: str) -> None:
    """Give the lease up after an unexpected error, so the sweeper may retry the job.

    Commits: an error-path step of the processing job, in its own session.
    """
    table = Video.__table__  # type: ignore[attr-defined]
    with sessions() as session:
        session.execute(
            update(table)
            .where(and_(table.c.id == video_id, table.c.job_token == token))
            .values(job_token=None, job_heartbeat_at=None)
        )
        session.commit()


def finish_job(
    sessions: SessionFactory,
    video_id: str,
    token: str,
    *,
    prefix: str,
    values: dict[str, Any],
    also: Callable[[Session], object] | None = None,
) -> bool:
    """The pointer swap: the new outputs become current in one compare-and-set.

    The video turns ``ready``; ``video_ready`` and its search indexing follow the commit.

    Commits: the last step of the processing job, in its own session; the
    old attempts' objects are deleted only after this commit.
    """
    table = Video.__table__  # type: ignore[attr-defined]
    now = utcnow()
    with sessions() as session:
        result = session.execute(
            update(table)
            .where(and_(table.c.id == video_id, table.c.job_token == token))
            .values(
                status=VideoStatus.ready.value,
                progress=100,
                failure_reason=None,
                hls_prefix=prefix,
                job_token=None,
                reprocessing=False,
                updated_at=now,
                ready_at=now,
                **values,
            )
        )
        if result.rowcount != 1:  # type: ignore[attr-defined]
            session.rollback()
            return False
        video = session.get(Video, video_id)
        record_event(
            session,
            "video_ready",
            video_id=video_id,
            owner_id=video.owner_id if video else None,
        )
        queue_video(session, video_id)
        if also is not None:
            also(session)  # the moderation verdict: a hold hides it in this same commit
        session.commit()
        return True


def _delete_other_attempts(storage: StorageBackend, video_id: str, *, keep: str | None) -> None:
    root = hls_root(video_id)
    attempts = {key[len(root) :].split("/", 1)[0] for key in storage.list(root)}
    for attempt in attempts:
        if f"{root}{attempt}/" != keep:
            storage.delete_prefix(f"{root}{attempt}/")


def replacement_key(video_id: str, upload_id: str) -> str:
    """Where a replacement upload's source is composed (the current source stays meanwhile)."""
    return f"videos/{video_id}/source-{upload_id}"


def _fetch_source(
    sessions: SessionFactory,
    storage: StorageBackend,
    video: Video,
    target: Path,
    *,
    beat: Callable[[], None],
) -> tuple[str, int] | None:
    """Get the source to ``target``; compose it from an upload's chunks when needed.

    First run: the video's upload is composed to ``videos/<id>/source`` and
    the row points at it at once. A replacement (a finished upload in
    ``replacement_upload_id``) is composed to :func:`replacement_key` and
    returned as ``(key, size)``: the row points at it only in the pointer
    swap (:func:`finish_job`), so a rejected replacement leaves the video as
    it was. Otherwise the current source is downloaded.

    Commits: a step of the processing job, in its own session; the row must
    durably point at a first composed source before the chunks are deleted.
    """
    if video.replacement_upload_id:
        key = replacement_key(video.id, video.replacement_upload_id)
        if storage.exists(key):
            _download(storage, key, target, beat)
            return key, target.stat().st_size
        size = _compose(sessions, storage, video.replacement_upload_id, key, target, beat)
        storage.delete_prefix(chunk_prefix(video.replacement_upload_id))
        return key, size
    key = source_key(video.id)
    if video.source_key and storage.exists(video.source_key):
        _download(storage, video.source_key, target, beat)
        return None
    with sessions() as session:
        upload = session.exec(select(Upload.id).where(Upload.video_id == video.id)).first()
    if upload is None:
        raise MediaRejected("the upload of this video is missing or unfinished")
    size = _compose(sessions, storage, upload, key, target, beat)
    with sessions() as session:
        row = session.get(Video, video.id)
        if row is not None:
            row.source_key = key
            row.source_size = size
            session.add(row)
            session.commit()
    storage.delete_prefix(chunk_prefix(upload))
    return None


def _download(storage: StorageBackend, key: str, target: Path, beat: Callable[[], None]) -> None:
    with target.open("wb") as out:
        for piece in storage.open(key):
            out.write(piece)
            beat()


def _compose(
    sessions: SessionFactory,
    storage: StorageBackend,
    upload_id: str,
    key: str,
    target: Path,
    beat: Callable[[], None],
) -> int:
    """Compose a finished upload's chunks into the object ``key`` and the local ``target``.

    Streams chunk by chunk into a multipart upload of ``PART_SIZE`` parts
    (spooled on disk, never whole in memory); returns the composed size.
    """
    with sessions() as session:
        upload = session.get(Upload, upload_id)
        if upload is None or upload.completed_at is None:
            raise MediaRejected("the upload of this video is missing or unfinished")
        chunks = chunks_of(session=session, upload_id=upload.id)
        content_type = upload.content_type
        length = upload.length
    expected = 0
    for chunk in chunks:
        if chunk.offset != expected:
            raise MediaRejected("the upload's chunks are not contiguous")
        expected += chunk.size
    if expected != length:
        raise MediaRejected("the upload's chunks do not add up to its length")

    multipart = storage.create_multipart(key, content_type=content_type)
    parts: list[UploadedPart] = []
    try:
        with target.open("wb") as local:
            part = tempfile.SpooledTemporaryFile(max_size=PART_SIZE + 1)  # noqa: SIM115
            for chunk in chunks:
                for piece in storage.open(chunk.key):
                    local.write(piece)
                    part.write(piece)
                    beat()
                    if part.tell() >= PART_SIZE:
                        parts.append(_flush_part(storage, key, multipart, len(parts) + 1, part))
                        part = tempfile.SpooledTemporaryFile(max_size=PART_SIZE + 1)  # noqa: SIM115
            if part.tell() or not parts:
                parts.append(_flush_part(storage, key, multipart, len(parts) + 1, part))
        info = storage.complete_multipart(key, multipart, parts)
    except BaseException:
        with contextlib.suppress(Exception):
            storage.abort_multipart(key, multipart)
        raise
    return int(info.size)


def _flush_part(
    storage: StorageBackend, key: str, multipart: str, number: int, part: Any
) -> UploadedPart:
    part.seek(0)
    try:
        return storage.upload_part(key, multipart, number, part)
    finally:
        part.close()


# -------------------------------------------------------------------- sweep


def sweep_stale_jobs(*, session: Session, settings: Settings) -> list[str]:
    """Videos whose job (first processing or reprocessing) has no live worker: queue
    them again (after commit)."""
    stale = utcnow() - timedelta(seconds=settings.media_job_stale_seconds)
    rows = session.exec(
        select(Video).where(
            job_pending(VIDEOS),
            or_(
                col(Video.job_heartbeat_at) < stale,
                and_(col(Video.job_heartbeat_at).is_(None), col(Video.updated_at) < stale),
            ),
        )
    )
    ids = []
    for video in rows:
        enqueue_after_commit(session, PROCESS_TASK, video.id, queue="media")
        ids.append(video.id)
    return ids


# -------------------------------------------------------------------- views


def viewer_key(*, secret: str, user: User | None, client: str) -> str:
    """Who is watching: the user id, or a keyed hash of the client (no raw IPs stored)."""
    if user is not None:
        return f"u:{user.id}"
    digest = hmac.new(secret.encode(), client.encode(), hashlib.sha256).hexdigest()
    return f"a:{digest[:40]}"


def record_view(
    *,
    session: Session,
    settings: Settings,
    video: Video,
    viewer: str,
    watch_seconds: float,
    position: float | None = None,
    source: str | None = None,
    viewer_id: int | None = None,
) -> tuple[bool, Video]:
    """Count at most one view per viewer per window; add watch time every time.

    ``position`` (the playhead), ``source`` (where the viewer came from) and
    ``viewer_id`` (the signed-in viewer, if any) only ride on the
    ``video_watched`` event, for listeners such as the analytics app.

    Returns (counted_as_new_view, refreshed video); the caller commits.
    Counters move by atomic ``UPDATE ... SET n = n + 1`` so concurrent
    viewers never lose counts.
    """
    if video.duration:
        watch_seconds = min(watch_seconds, video.duration)
        position = None if position is None else min(position, video.duration)
    window = int(time.time()) // settings.view_window_seconds
    table = Video.__table__  # type: ignore[attr-defined]
    views = VideoView.__table__  # type: ignore[attr-defined]
    counted = False
    try:
        with session.begin_nested():
            session.add(
                VideoView(
                    video_id=video.id, viewer_key=viewer, window=window, watch_seconds=watch_seconds
                )
            )
        counted = True
    except IntegrityError:
        session.execute(
            update(views)
            .where(
                and_(
                    views.c.video_id == video.id,
                    views.c.viewer_key == viewer,
                    views.c.window == window,
                )
            )
            .values(watch_seconds=views.c.watch_seconds + watch_seconds, updated_at=utcnow())
        )
    session.execute(
        update(table)
        .where(table.c.id == video.id)
        .values(
            view_count=table.c.view_count + (1 if counted else 0),
            watch_seconds=table.c.watch_seconds + watch_seconds,
        )
    )
    record_event(
        session,
        "video_watched",
        video_id=video.id,
        viewer=viewer,
        new_view=counted,
        watch_seconds=watch_seconds,
        owner_id=video.owner_id,
        viewer_id=viewer_id,
        position=position,
        source=source,
    )
    session.refresh(video)
    return counted, video


def iter_all(*, session: Session, owner_id: int | None = None) -> Iterator[Video]:
    """Every video (for the CLI), newest first."""
    query = select(Video)
    if owner_id is not None:
        query = query.where(Video.owner_id == owner_id)
    yield from session.exec(query.order_by(col(Video.created_at).desc()))
