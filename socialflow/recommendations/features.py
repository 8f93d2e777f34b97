"""Per-viewer signals for ranking: what the logs say about a viewer and the candidates.

Filled into each :class:`~socialflow.plugins.protocols.FeedCandidate`'s
``features`` before the ranker runs (``socialflow_rank_features``), and for
training and replay with ``until`` set, so a model learns and is judged only
on what was known before the impressions it scores:

* ``author_affinity``: log1p of the viewer's positive events (watched, liked,
  shared) on the candidate's author;
* ``topic_interest``: the viewer's positive events on the candidate's
  hashtags, log-scaled and summed;
* ``watch_ratio``: the mean share of the candidate's video watched by everyone;
* ``has_video``: 1.0 for a post carrying a video (the media type).

Four indexed queries per call, whatever the number of candidates.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from socialflow.core.db.sqlutil import DB
from socialflow.plugins.protocols import FeedCandidate
from socialflow.recommendations.models import POSITIVE, RecEvent
from socialflow.social.models import Post, PostHashtag

EVENTS = RecEvent.__table__  # type: ignore[attr-defined]
TAGS = PostHashtag.__table__  # type: ignore[attr-defined]
POSTS = Post.__table__  # type: ignore[attr-defined]
NAMES = ("author_affinity", "topic_interest", "watch_ratio", "has_video")


def _before(statement: Any, until: datetime | None) -> Any:
    return statement if until is None else statement.where(EVENTS.c.at < until)


def viewer_profile(
    session: DB, viewer_id: int, until: datetime | None = None
) -> tuple[dict[int, float], dict[str, float]]:
    """The viewer's positive events by author and by hashtag (before ``until``)."""
    mine = (EVENTS.c.user_id == viewer_id) & EVENTS.c.kind.in_(POSITIVE)
    by_author = _before(
        select(EVENTS.c.author_id, func.count()).where(mine).group_by(EVENTS.c.author_id), until
    )
    authors = {int(a): float(n) for a, n in session.execute(by_author) if a is not None}
    by_tag = _before(
        select(TAGS.c.tag, func.count())
        .select_from(EVENTS.join(TAGS, TAGS.c.post_id == EVENTS.c.post_id))
        .where(mine)
        .group_by(TAGS.c.tag),
        until,
    )
    tags = {str(t): float(n) for t, n in session.execute(by_tag)}
    return authors, tags


def candidate_facts(
    session: DB, post_ids: Sequence[int], until: datetime | None = None
) -> tuple[dict[int, list[str]], set[int], dict[int, float]]:
    """Each candidate's hashtags, which carry a video, and their mean watch ratio."""
    tags: dict[int, list[str]] = defaultdict(list)
    for post_id, tag in session.execute(
        select(TAGS.c.post_id, TAGS.c.tag).where(TAGS.c.post_id.in_(post_ids))
    ):
        tags[int(post_id)].append(str(tag))
    videos = {
        int(post_id)
        for (post_id,) in session.execute(
            select(POSTS.c.id).where(POSTS.c.id.in_(post_ids), POSTS.c.video_id.is_not(None))
        )
    }
    ratio = _before(
        select(EVENTS.c.post_id, func.avg(EVENTS.c.watch_ratio))
        .where(EVENTS.c.post_id.in_(post_ids), EVENTS.c.watch_ratio.is_not(None))
        .group_by(EVENTS.c.post_id),
        until,
    )
    ratios = {int(p): float(r) for p, r in session.execute(ratio) if r is not None}
    return tags, videos, ratios


def fill(
    session: DB,
    candidates: Sequence[FeedCandidate],
    viewer_id: int | None,
    until: datetime | None = None,
) -> None:
    """Write the four features into each candidate's ``features``."""
    if not candidates:
        return
    ids = [int(c.post_id) for c in candidates if c.post_id.isdigit()]
    tags, videos, ratios = candidate_facts(session, ids, until)
    authors: dict[int, float] = {}
    interests: dict[str, float] = {}
    if viewer_id is not None:
        authors, interests = viewer_profile(session, viewer_id, until)
    for candidate in candidates:
        post_id = int(candidate.post_id) if candidate.post_id.isdigit() else -1
        author = int(candidate.author_id) if candidate.author_id.isdigit() else -1
        candidate.features.update(
            author_affinity=math.log1p(authors.get(author, 0.0)),
            topic_interest=sum(math.log1p(interests.get(t, 0.0)) for t in tags.get(post_id, ())),
            watch_ratio=ratios.get(post_id, 0.0),
            has_video=1.0 if post_id in videos else 0.0,
        )
