"""Training data from the logs: ranker examples and recommender interactions.

A ranker example is one logged impression (``shown``) with the features
known *before the day it was shown* (:func:`features.fill` with ``until``),
labelled 1.0 when the viewer then watched, liked or shared that post. The
recommender gets every viewer's positive events summed per post (watched 1 +
its watch ratio, liked 2, shared 3), who follows whom, and the posts' text.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import select

from socialflow.core.db.sqlutil import DB
from socialflow.graph.models import Follow
from socialflow.plugins.learning import Interaction, RankExample, RecommenderData
from socialflow.plugins.protocols import FeedCandidate, FeedContext
from socialflow.recommendations import features
from socialflow.recommendations.models import LIKED, POSITIVE, SHARED, SHOWN, WATCHED, RecEvent
from socialflow.social.models import Post

EVENTS = RecEvent.__table__  # type: ignore[attr-defined]
POSTS = Post.__table__  # type: ignore[attr-defined]
FOLLOWS = Follow.__table__  # type: ignore[attr-defined]
WEIGHTS = {WATCHED: 1.0, LIKED: 2.0, SHARED: 3.0}


def candidates_of(session: DB, post_ids: Iterable[int]) -> dict[int, FeedCandidate]:
    """Feed candidates for ``post_ids`` as the feeds build them (live posts only)."""
    statement = select(
        POSTS.c.id,
        POSTS.c.author_id,
        POSTS.c.created_at,
        POSTS.c.like_count,
        POSTS.c.comment_count,
        POSTS.c.share_count,
        POSTS.c.view_count,
    ).where(POSTS.c.id.in_(list(post_ids)), POSTS.c.deleted_at.is_(None))
    return {
        int(r.id): FeedCandidate(
            post_id=str(r.id),
            author_id=str(r.author_id),
            created_at=r.created_at,
            like_count=r.like_count,
            comment_count=r.comment_count,
            share_count=r.share_count,
            view_count=r.view_count,
        )
        for r in session.execute(statement)
    }


def window_events(
    session: DB, start: datetime, end: datetime
) -> tuple[dict[tuple[int, date], list[tuple[int, str | None]]], set[tuple[int, int]]]:
    """Impressions by (viewer, day) as (post, feed), and the (viewer, post) pairs answered
    positively, in ``[start, end)``."""
    shown: dict[tuple[int, date], list[tuple[int, str | None]]] = defaultdict(list)
    positive: set[tuple[int, int]] = set()
    statement = select(
        EVENTS.c.user_id, EVENTS.c.post_id, EVENTS.c.kind, EVENTS.c.day, EVENTS.c.surface
    ).where(EVENTS.c.at >= start, EVENTS.c.at < end, EVENTS.c.user_id.is_not(None))
    for user_id, post_id, kind, day, surface in session.execute(statement):
        if kind == SHOWN:
            shown[(int(user_id), day)].append((int(post_id), surface))
        elif kind in POSITIVE:
            positive.add((int(user_id), int(post_id)))
    return shown, positive


def rank_examples(session: DB, start: datetime, end: datetime) -> list[RankExample]:
    """Logged impressions in ``[start, end)`` as labelled ranker examples."""
    shown, positive = window_events(session, start, end)
    posts = candidates_of(session, {p for rows in shown.values() for p, _ in rows})
    examples: list[RankExample] = []
    for (viewer, day), rows in sorted(shown.items()):
        until = datetime.combine(day, time(), tzinfo=UTC)
        picked = {p: FeedCandidate(**_fields(posts[p])) for p, _ in rows if p in posts}
        features.fill(session, list(picked.values()), viewer, until)
        feeds = dict(rows)
        for post_id, candidate in picked.items():
            feed: Any = feeds.get(post_id) if feeds.get(post_id) in _FEEDS else "home"
            context = FeedContext(feed=feed, viewer_id=str(viewer), now=until + timedelta(hours=12))
            label = 1.0 if (viewer, post_id) in positive else 0.0
            examples.append(RankExample(candidate, context, label))
    return examples


_FEEDS = ("home", "explore", "hashtag", "profile")


def _fields(candidate: FeedCandidate) -> dict[str, Any]:
    return {
        "post_id": candidate.post_id,
        "author_id": candidate.author_id,
        "created_at": candidate.created_at,
        "like_count": candidate.like_count,
        "comment_count": candidate.comment_count,
        "share_count": candidate.share_count,
        "view_count": candidate.view_count,
    }


def recommender_data(session: DB, since: datetime, text_limit: int = 50_000) -> RecommenderData:
    """Interactions since ``since``, the follow graph, and the text of recent posts."""
    weights: dict[tuple[str, str], float] = defaultdict(float)
    statement = select(
        EVENTS.c.user_id, EVENTS.c.post_id, EVENTS.c.kind, EVENTS.c.watch_ratio
    ).where(EVENTS.c.at >= since, EVENTS.c.kind.in_(POSITIVE), EVENTS.c.user_id.is_not(None))
    for user_id, post_id, kind, ratio in session.execute(statement):
        weights[(str(user_id), str(post_id))] += WEIGHTS[kind] + float(ratio or 0.0)
    follows = [
        (str(a), str(b))
        for a, b in session.execute(select(FOLLOWS.c.follower_id, FOLLOWS.c.followee_id))
    ]
    texts: dict[str, str] = {}
    authors: dict[str, str] = {}
    for i, t, a in session.execute(
        select(POSTS.c.id, POSTS.c.text, POSTS.c.author_id)
        .where(POSTS.c.deleted_at.is_(None))
        .order_by(POSTS.c.id.desc())
        .limit(text_limit)
    ):
        texts[str(i)] = str(t)
        authors[str(i)] = str(a)
    return RecommenderData(
        interactions=[Interaction(u, i, w) for (u, i), w in sorted(weights.items())],
        follows=follows,
        item_texts=texts,
        item_authors=authors,
    )
