"""tus upload state: creation, locked compare-and-set PATCH commits, termination, expiry.

The bytes of each PATCH go to their own storage object (a *chunk*) under a
key nobody else uses; only after the body is complete (and its checksum
verified) does :func:`commit_patch` move ``offset`` forward, by
compare-and-set on the row. Two PATCHes racing on one upload therefore never
interleave bytes: one holds the lease (the other gets 423), and if a lease
ever expired under a slow writer, the offset check still lets only one
commit (the other gets 409 and its chunk is deleted).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, or_, update
from sqlmodel import Session, col, select

from socialflow.accounts.models import User
from socialflow.core.db.base import utcnow
from socialflow.core.effects import enqueue_after_commit, record_event
from socialflow.core.errors import Conflict, NotFound, Problem
from socialflow.core.indexing import queue_video
from socialflow.core.settings import Settings
from socialflow.plugins.audiences import audiences_of
from socialflow.plugins.protocols import StorageBackend
from socialflow.video import upload_quotas
from socialflow.video.media.tus import TusError, parse_metadata
from socialflow.video.models import Upload, UploadChunk, Video, VideoStatus, Visibility
from socialflow.video.replacement import replaced_video

PROCESS_TASK = "socialflow.media.process_video"
UPLOADS_PREFIX = "uploads"


class UploadGone(Problem):
    status, slug, title = 410, "upload-expired", "Upload expired"


class UploadLocked(Problem):
    status, slug, title = 423, "upload-locked", "Upload busy"


class UploadTooLarge(Problem):
    status, slug, title = 413, "upload-too-large", "Upload too large"


class UploadEmpty(Problem):
    status, slug, title = 400, "upload-empty", "Empty upload"


@dataclass(frozen=True)
class PatchLease:
    """What a PATCH holding the lock needs to know."""

    upload_id: str
    video_id: str
    token: str
    offset: int
    length: int


def chunk_prefix(upload_id: str) -> str:
    return f"{UPLOADS_PREFIX}/{upload_id}/"


def chunk_key(upload_id: str, offset: int, token: str) -> str:
    # Zero-padded offset sorts chunks in byte order; the token keeps racing
    # writers of the same offset apart.
    return f"{chunk_prefix(upload_id)}{offset:016d}-{token[:12]}"


def _tus_problem(exc: TusError) -> Problem:
    return Problem(str(exc), status=400, slug="tus-invalid-request", title="Invalid tus request")


def refuse_empty(length: int) -> None:
    """An empty file is not a video: refuse ``Upload-Length: 0`` at creation rather than
    keep an ``uploading`` video that no client finishes and that could only fail."""
    if length == 0:
        raise UploadEmpty("Upload-Length is 0: an empty file is not a video.")


def create_upload(
    *,
    session: Session,
    settings: Settings,
    owner: User,
    length: int,
    metadata_header: str | None,
) -> Upload:
    """Create the upload and its video (status ``uploading``); the caller commits.

    Refused before anything is written: an empty upload, one over
    ``upload_max_size``, bad metadata, or one over the account's quotas
    (:mod:`socialflow.video.upload_quotas`, which locks the account until commit).
    """
    refuse_empty(length)
    if length > settings.upload_max_size:
        raise UploadTooLarge(
            f"Upload-Length {length} exceeds the maximum of {settings.upload_max_size} bytes."
        )
    try:
        metadata = parse_metadata(metadata_header)
    except TusError as exc:
        raise _tus_problem(exc) from exc
    filename = (metadata.get("filename") or metadata.get("name") or "")[:255]
    visibility = metadata.get("visibility") or Visibility.public.value
    if visibility not in Visibility.__members__ and visibility not in audiences_of(session).names:
        allowed = ", ".join([v.value for v in Visibility] + audiences_of(session).names)
        raise Problem(
            f"visibility must be one of: {allowed}", status=400, slug="tus-invalid-request"
        )
    title = (metadata.get("title") or filename.rsplit(".", 1)[0] or "Untitled video")[:200]
    assert owner.id is not None
    replaced = replaced_video(session, owner, metadata.get("replaces"))
    upload_quotas.reserve(session=session, settings=settings, owner_id=owner.id, length=length)
    video = replaced or Video(owner_id=owner.id, title=title, visibility=visibility)
    session.add(video)
    session.flush()
    upload = Upload(
        owner_id=owner.id,
        video_id=video.id,
        length=length,
        metadata_header=metadata_header or None,
        filename=filename or None,
        content_type=(metadata.get("filetype") or metadata.get("type") or "")[:100] or None,
        expires_at=utcnow() + timedelta(seconds=settings.upload_expires_seconds),
    )
    session.add(upload)
    session.flush()
    if replaced is not None:
        replaced.replacement_upload_id = upload.id
        session.add(replaced)
        session.flush()
    else:
        record_event(session, "video_created", video_id=video.id, owner_id=owner.id)
    return upload


def get_upload(*, session: Session, owner: User, upload_id: str) -> Upload:
    """The caller's upload; anybody else's, or a missing one, is 404; an expired one 410."""
    upload = session.get(Upload, upload_id)
    if upload is None or upload.owner_id != owner.id:
        raise NotFound("No such upload.", slug="upload-not-found")
    if upload.completed_at is None and upload.expires_at <= utcnow():
        raise UploadGone("The upload expired; start a new one.")
    return upload


def begin_patch(
    *, session: Session, settings: Settings, owner: User, upload_id: str, offset: int
) -> PatchLease:
    """Take the upload's lock if ``offset`` matches; 409 on mismatch, 423 if busy.

    Commits: the lease must be visible to other requests before this one
    streams its body (it is what makes a racing PATCH get 423), and no
    transaction may stay open while the bytes arrive.
    """
    upload = get_upload(session=session, owner=owner, upload_id=upload_id)
    if upload.offset != offset:
        raise Conflict(
            f"Upload-Offset {offset} does not match the upload's offset {upload.offset}.",
            slug="upload-offset-mismatch",
        )
    now = utcnow()
    token = secrets.token_hex(16)
    table = Upload.__table__  # type: ignore[attr-defined]
    result = session.execute(
        update(table)
        .where(
            and_(
                table.c.id == upload_id,
                table.c.offset == offset,
                table.c.completed_at.is_(None),
                or_(table.c.lock_token.is_(None), table.c.locked_until < now),
            )
        )
        .values(
            lock_token=token, locked_until=now + timedelta(seconds=settings.upload_lock_seconds)
        )
    )
    session.commit()
    if result.rowcount != 1:  # type: ignore[attr-defined]
        session.refresh(upload)
        if upload.offset != offset or upload.completed_at is not None:
            raise Conflict(
                f"Upload-Offset {offset} does not match the upload's offset {upload.offset}.",
                slug="upload-offset-mismatch",
            )
        raise UploadLocked("Another request is writing to this upload; retry shortly.")
    return PatchLease(upload.id, upload.video_id, token, offset, upload.length)


def renew_lock(*, session: Session, settings: Settings, lease: PatchLease) -> bool:
    """Extend the lease while bytes still flow; False if it was lost.

    Commits: a step of a streaming PATCH; the longer lease only protects the
    upload once other requests can see it.
    """
    table = Upload.__table__  # type: ignore[attr-defined]
    result = session.execute(
        update(table)
        .where(and_(table.c.id == lease.upload_id, table.c.lock_token == lease.token))
        .values(locked_until=utcnow() + timedelta(seconds=settings.upload_lock_seconds))
    )
    session.commit()
    return bool(result.rowcount == 1)  # type: ignore[attr-defined]


def release_lock(*, session: Session, lease: PatchLease) -> None:
    """Give the lease up after a PATCH that failed or stopped early.

    Commits: runs in its own session after the PATCH's work has ended
    (often on an error path); the released lock must be durable at once so
    the client's retry is not refused with 423 until the lease times out.
    """
    table = Upload.__table__  # type: ignore[attr-defined]
    session.execute(
        update(table)
        .where(and_(table.c.id == lease.upload_id, table.c.lock_token == lease.token))
        .values(lock_token=None, locked_until=None)
    )
    session.commit()


def commit_patch(
    *, session: Session, settings: Settings, lease: PatchLease, size: int, key: str | None
) -> Upload:
    """Move the offset by ``size`` (compare-and-set) and record the chunk.

    When the upload is complete the video becomes ``processing`` and the
    media task is queued (after the commit).

    Commits: chunk bookkeeping of a streaming upload. The new offset and the
    chunk row must be durable before the response tells the client to send
    more bytes (or the media task reads the chunks); a conflict rolls back.
    """
    table = Upload.__table__  # type: ignore[attr-defined]
    now = utcnow()
    result = session.execute(
        update(table)
        .where(
            and_(
                table.c.id == lease.upload_id,
                table.c.offset == lease.offset,
                table.c.lock_token == lease.token,
            )
        )
        .values(
            offset=lease.offset + size,
            chunk_count=table.c.chunk_count + (1 if key else 0),
            lock_token=None,
            locked_until=None,
            expires_at=now + timedelta(seconds=settings.upload_expires_seconds),
            completed_at=now if lease.offset + size == lease.length else None,
        )
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        session.rollback()
        raise Conflict(
            "Another request moved this upload's offset first; HEAD and resume.",
            slug="upload-offset-mismatch",
        )
    if key is not None:
        session.add(UploadChunk(upload_id=lease.upload_id, offset=lease.offset, size=size, key=key))
    if lease.offset + size == lease.length:
        video = session.get(Video, lease.video_id)
        if video is not None and video.status == VideoStatus.uploading.value:
            video.status = VideoStatus.processing.value
            video.progress = 0
            video.updated_at = now
            session.add(video)
            enqueue_after_commit(session, PROCESS_TASK, video.id, queue="media")
        elif video is not None and video.replacement_upload_id == lease.upload_id:
            _queue_replacement(session, video)
    session.commit()
    upload = session.get(Upload, lease.upload_id)
    assert upload is not None
    session.refresh(upload)
    return upload


def _queue_replacement(session: Session, video: Video) -> None:
    """A replacement upload is complete: process it. A ready video keeps playing its
    current renditions meanwhile (``reprocessing``); a failed one is processed anew."""
    if video.status == VideoStatus.ready.value:
        video.reprocessing = True
    elif video.status == VideoStatus.failed.value:
        video.status = VideoStatus.processing.value
    else:  # deleted meanwhile: nothing to process
        return
    video.progress = 0 if video.status == VideoStatus.processing.value else video.progress
    video.failure_reason = None
    video.job_token = None
    video.job_heartbeat_at = None
    video.job_attempts = 0
    video.updated_at = utcnow()
    session.add(video)
    enqueue_after_commit(session, PROCESS_TASK, video.id, queue="media")


def chunks_of(*, session: Session, upload_id: str) -> list[UploadChunk]:
    """The committed chunks, in byte order."""
    return list(
        session.exec(
            select(UploadChunk)
            .where(UploadChunk.upload_id == upload_id)
            .order_by(col(UploadChunk.offset))
        )
    )


def terminate_upload(
    *, session: Session, storage: StorageBackend, owner: User, upload_id: str
) -> None:
    """tus termination: forget the upload, its bytes and its unfinished video.

    Commits: the stored bytes are deleted here, which no rollback undoes, so
    the rows go in the same call: the upload is never left live without its
    bytes by a caller that fails before committing.
    """
    upload = session.get(Upload, upload_id)
    if upload is None or upload.owner_id != owner.id:
        raise NotFound("No such upload.", slug="upload-not-found")
    _delete_upload(session=session, storage=storage, upload=upload)
    session.commit()


def _delete_upload(*, session: Session, storage: StorageBackend, upload: Upload) -> None:
    for chunk in chunks_of(session=session, upload_id=upload.id):
        session.delete(chunk)
    video = session.get(Video, upload.video_id)
    session.delete(upload)
    session.flush()
    if video is not None and video.replacement_upload_id == upload.id:
        video.replacement_upload_id = None  # an unfinished replacement: the video stays
        session.add(video)
    if video is not None and video.status == VideoStatus.uploading.value:
        session.delete(video)
        queue_video(session, video.id)
    storage.delete_prefix(chunk_prefix(upload.id))


def expire_uploads(
    *, session: Session, storage: StorageBackend, now: datetime | None = None
) -> int:
    """Delete unfinished uploads past ``Upload-Expires`` (bytes, row, unfinished video).

    Finished uploads are left to the media task, which deletes the chunks
    once it has composed the source; their rows go when the video has a source.

    Commits: one upload at a time, right after its bytes are deleted (which
    no rollback undoes), so an error on one upload neither keeps the
    uploads already expired nor leaves their rows pointing at deleted bytes.
    """
    now = now or utcnow()
    expired = list(
        session.exec(
            select(Upload).where(col(Upload.completed_at).is_(None), col(Upload.expires_at) <= now)
        )
    )
    for upload in expired:
        _delete_upload(session=session, storage=storage, upload=upload)
        session.commit()
    done = list(
        session.exec(
            select(Upload)
            .join(Video, col(Video.id) == col(Upload.video_id))
            .where(
                col(Upload.completed_at).is_not(None),
                col(Video.source_key).is_not(None),
                # A pending replacement's chunks wait for its processing job.
                or_(
                    col(Video.replacement_upload_id).is_(None),
                    col(Video.replacement_upload_id) != col(Upload.id),
                ),
            )
        )
    )
    for upload in done:
        _delete_upload(session=session, storage=storage, upload=upload)
        session.commit()
    return len(expired)
