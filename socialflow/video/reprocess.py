"""Choosing videos to process again, and watching their jobs (``socialflow videos reprocess``).

Reprocessing goes through the same Celery task and the same lease and
pointer swap as a first transcode (:mod:`socialflow.video.videos`): a ready
video keeps playing from its current outputs until the new set replaces
them. Selecting ``missing_dash`` picks ready videos not yet packaged as CMAF,
so running it again after the jobs finish selects nothing: the command is
idempotent: a video whose job is running is left alone, and one whose job waits
is sent once more (the job's lease lets only one run).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import or_
from sqlmodel import Session, col, select

from socialflow.video import videos as video_service
from socialflow.video.models import Video, VideoStatus


@dataclass(frozen=True)
class JobState:
    """Where one video's job stands, for the progress bar."""

    video_id: str
    done: bool
    progress: int
    outcome: str  # "running", "ready", "failed: <reason>", "missing"


def select_ids(
    session: Session,
    *,
    ids: Sequence[str] = (),
    everything: bool = False,
    missing_dash: bool = False,
) -> list[str]:
    """The videos to process: the given ids, every processed one, or those lacking DASH."""
    if ids:
        return list(dict.fromkeys(ids))
    query = select(Video.id)
    if missing_dash:
        query = query.where(
            Video.status == VideoStatus.ready.value,
            or_(col(Video.packaging).is_(None), col(Video.packaging) != "cmaf"),
        )
    elif everything:
        query = query.where(
            col(Video.status).in_([VideoStatus.ready.value, VideoStatus.failed.value])
        )
    else:
        return []
    return list(session.exec(query.order_by(col(Video.created_at))))


def queue(session: Session, video_ids: Sequence[str]) -> dict[str, str]:
    """Queue a job for each video (sent after the caller's commit); what was done for each."""
    outcomes = {}
    for video_id in video_ids:
        video = session.get(Video, video_id) if len(video_id) <= 32 else None
        if video is None:
            outcomes[video_id] = "missing"
            continue
        outcomes[video_id] = video_service.start_reprocessing(session=session, video=video)
    return outcomes


def job_states(session: Session, video_ids: Sequence[str]) -> list[JobState]:
    """The current state of each video's job (read fresh from the database)."""
    rows = {v.id: v for v in session.exec(select(Video).where(col(Video.id).in_(video_ids)))}
    states = []
    for video_id in video_ids:
        video = rows.get(video_id)
        if video is None:
            states.append(JobState(video_id, True, 0, "missing"))
        elif video.status == VideoStatus.failed.value or (
            video.status == VideoStatus.ready.value
            and not video.reprocessing
            and video.failure_reason
        ):
            states.append(JobState(video_id, True, 100, f"failed: {video.failure_reason}"))
        elif video.status == VideoStatus.ready.value and not video.reprocessing:
            states.append(JobState(video_id, True, 100, "ready"))
        else:
            progress = (
                0
                if video.status == VideoStatus.ready.value and not video.job_token
                else (video.progress)
            )
            states.append(JobState(video_id, False, progress, "running"))
    return states
