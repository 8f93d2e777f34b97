"""Asking the active moderation model about content, and recording what it said.

The apps that own content (accounts for profiles, social for posts, comments
and images, video for videos) call these at the moment content comes in:
``judge_text`` / ``judge_images`` ask the active moderator (``moderation``
setting; the built-in ``none`` allows everything), ``refuse_if_rejected``
turns a ``reject`` into the 422 the author sees (recorded in place of the
author's transaction, which is rolled back), and ``record``
hands every other verdict to ``socialflow_content_screened`` inside the
transaction that stores the content, where the moderation app keeps it and
queues a ``hold``. Here because every content app needs it and the kernel is
the one place they all may import.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING

from socialflow.plugins.protocols import (
    BatchModerator,
    ModerationVerdict,
    Moderator,
    ScreenedContent,
)
from socialflow.plugins.specs import ContentRejected

if TYPE_CHECKING:
    from sqlmodel import Session

    from socialflow.core.platform import Platform

logger = logging.getLogger(__name__)

PASS_THROUGH = "none"  # noqa: S105 - the pass-through moderator's name
ALLOW = ModerationVerdict("allow", 0.0, model=PASS_THROUGH, model_version="1")
_RANK = {"allow": 0, "hold": 1, "reject": 2}


def moderator_of(platform: Platform) -> Moderator | None:
    """The active moderator, or None for ``none`` (answered here without asking the
    provider, so a ``plugins`` list that leaves the built-in out changes nothing)."""
    if platform.settings.moderation == PASS_THROUGH:
        return None
    return platform.plugins.provider("moderation")


def active(platform: Platform) -> bool:
    """Whether a model looks at content (anything but ``none``): callers skip the work
    of preparing images or frames otherwise."""
    return platform.settings.moderation != PASS_THROUGH


def _stamp(moderator: Moderator, verdict: ModerationVerdict) -> ModerationVerdict:
    """The verdict with the model's name and version filled in where the model left them."""
    return dataclasses.replace(
        verdict,
        model=verdict.model or moderator.name,
        model_version=verdict.model_version or str(getattr(moderator, "version", "")),
    )


def worst(verdicts: Sequence[ModerationVerdict]) -> ModerationVerdict:
    """The most severe verdict (reject > hold > allow, then the highest score)."""
    return max(verdicts, key=lambda v: (_RANK[v.action], v.score))


def judge_text(platform: Platform, text: str, *, kind: str, author_id: int) -> ModerationVerdict:
    """The active moderator's verdict on ``text`` (stamped with its model and version)."""
    moderator = moderator_of(platform)
    if moderator is None or not text.strip():
        return ALLOW
    verdict = moderator.check_text(text, context={"kind": kind, "author_id": author_id})
    return _stamp(moderator, verdict)


def judge_images(
    platform: Platform, images: Sequence[bytes], *, kind: str, author_id: int
) -> ModerationVerdict:
    """The worst verdict over ``images`` (a photo, or a video's sampled frames)."""
    moderator = moderator_of(platform)
    if moderator is None or not images:
        return ALLOW
    context = {"kind": kind, "author_id": author_id}
    if isinstance(moderator, BatchModerator):
        verdicts = moderator.check_images(list(images), context=context)
    else:
        verdicts = [moderator.check_image(image, context=context) for image in images]
    return _stamp(moderator, worst(verdicts))


def record(
    session: Session,
    platform: Platform,
    *,
    kind: str,
    target_id: str | None,
    author_id: int,
    verdict: ModerationVerdict,
) -> bool:
    """Hand the verdict to ``socialflow_content_screened`` in ``session``'s transaction;
    True if someone took a ``hold`` over (hid the content and queued it)."""
    if verdict.model == PASS_THROUGH:
        return False
    screened = ScreenedContent(kind, target_id, author_id, verdict)
    answers = platform.plugins.hook.socialflow_content_screened(
        session=session, screened=screened, **platform.plugins.hook_context()
    )
    taken = any(answers)
    if verdict.action == "hold" and not taken:
        logger.warning(
            "%s %s was held by %s but no app queues holds (is the moderation app off?)",
            kind,
            target_id,
            verdict.model,
        )
    return taken


def refuse_if_rejected(
    session: Session,
    platform: Platform,
    verdict: ModerationVerdict,
    *,
    kind: str,
    author_id: int,
) -> None:
    """Raise the author's 422 for a ``reject``, with the verdict recorded first.

    The caller's transaction would be rolled back by the 422 anyway, and has
    stored nothing of the content yet: it is rolled back now and the verdict
    committed in its place, in the same session (a second connection would wait
    on the first's write lock under SQLite).
    """
    if verdict.action != "reject":
        return
    session.rollback()
    record(session, platform, kind=kind, target_id=None, author_id=author_id, verdict=verdict)
    session.commit()
    labels = ", ".join(verdict.labels)
    raise ContentRejected(
        verdict.reason or f"refused by the moderation model ({labels or 'policy'})."
    )


def arrived(
    session: Session, platform: Platform, *, kind: str, target_id: str, author_id: int
) -> bool:
    """New content is being published in ``session``'s transaction: plugins may hold it
    for review first (``socialflow_content_arrived``, pre-moderation); True if one did."""
    answers = platform.plugins.hook.socialflow_content_arrived(
        session=session,
        kind=kind,
        target_id=target_id,
        author_id=author_id,
        **platform.plugins.hook_context(),
    )
    return any(answers)
