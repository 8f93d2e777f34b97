"""Serving recommendations: the model's answer, the fallbacks, and the visibility rule.

Every answer passes the same gate as the feeds: the social app's visibility
rule (private accounts, followers-only posts, audiences) and the viewer's
blocks and mutes (:func:`socialflow.social.posts.visible_rows` with the
viewer's facts), so a recommender can never surface what the viewer may not
see. A model (``socialflow_recommenders``) is asked for more than the page;
when it has nothing (no plugin, not trained yet, a new viewer) the cold start
fills the page from the viewer's hashtags, then trending posts, then the
newest public posts.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import func, select
from sqlmodel import Session

from socialflow.accounts.models import AccountState, User
from socialflow.core.platform import Platform
from socialflow.feeds.cache import HydratedPost
from socialflow.feeds.hydration import hydrate, render
from socialflow.feeds.pages import viewer_facts
from socialflow.graph import relations as graph
from socialflow.graph.models import Follow
from socialflow.recommendations import features
from socialflow.recommendations.models import POSITIVE, RecEvent
from socialflow.recommendations.models_registry import models
from socialflow.social import trending
from socialflow.social.models import Post, PostHashtag
from socialflow.social.posts import liked_among, locked_videos, public_condition, visible_rows

EVENTS = RecEvent.__table__  # type: ignore[attr-defined]
POSTS = Post.__table__  # type: ignore[attr-defined]
TAGS = PostHashtag.__table__  # type: ignore[attr-defined]
USERS = User.__table__  # type: ignore[attr-defined]
FOLLOWS = Follow.__table__  # type: ignore[attr-defined]
OVERFETCH = 3
TREND_BUCKET = 300


def visible_posts(
    platform: Platform, session: Session, viewer_id: int | None, post_ids: Iterable[int]
) -> dict[int, HydratedPost]:
    """The posts of ``post_ids`` the viewer may see (live, visible, author not hidden)."""
    facts = viewer_facts(platform, session, viewer_id)
    hydrated = hydrate(platform, session, list(dict.fromkeys(post_ids)))
    rows = visible_rows(
        session,
        viewer_id,
        (post.row for post in hydrated.values()),
        hidden=facts.hidden,
        followed=facts.followed,
    )
    return {row.id: hydrated[row.id] for row in rows}


def render_posts(
    session: Session, viewer_id: int | None, order: Sequence[int], posts: dict[int, HydratedPost]
) -> list[dict[str, Any]]:
    shown = [posts[i] for i in order if i in posts]
    liked = liked_among(session, viewer_id, [p.row.id for p in shown])
    locked = locked_videos(session, viewer_id, [p.video for p in shown])
    return render(shown, liked, locked)


def seen_posts(session: Session, viewer_id: int) -> set[int]:
    """Posts the viewer already answered positively (not recommended again)."""
    statement = select(EVENTS.c.post_id).where(
        EVENTS.c.user_id == viewer_id, EVENTS.c.kind.in_(POSITIVE)
    )
    return {int(p) for (p,) in session.execute(statement)}


def cold_start(session: Session, viewer_id: int | None, want: int) -> list[int]:
    """Posts for a viewer the model knows nothing of: their hashtags, trending, newest."""
    ids: list[int] = []
    if viewer_id is not None:
        _, interests = features.viewer_profile(session, viewer_id)
        tags = sorted(interests, key=lambda t: (-interests[t], t))[:5]
        if tags:
            ids += [
                int(p)
                for (p,) in session.execute(
                    select(TAGS.c.post_id)
                    .where(TAGS.c.tag.in_(tags))
                    .order_by(TAGS.c.post_id.desc())
                    .limit(want)
                )
            ]
    ids += [
        int(key)
        for key, _ in trending.top(
            session, kind="post", window="24h", limit=want, bucket_seconds=TREND_BUCKET
        )
        if key.isdigit()
    ]
    ids += [
        int(p)
        for (p,) in session.execute(
            select(POSTS.c.id)
            .select_from(POSTS.join(USERS, USERS.c.id == POSTS.c.author_id))
            .where(public_condition())
            .order_by(POSTS.c.id.desc())
            .limit(want)
        )
    ]
    return list(dict.fromkeys(ids))


def for_you(
    platform: Platform, session: Session, viewer_id: int, limit: int, *, videos_only: bool
) -> tuple[list[dict[str, Any]], str]:
    """The viewer's "for you" page and who made it (the recommender's name or ``fallback``)."""
    exclude = seen_posts(session, viewer_id)
    recommender = models(platform).recommender
    ids: list[int] = []
    source = "fallback"
    if recommender is not None:
        answer = recommender.recommend(
            "items", str(viewer_id), limit * OVERFETCH, {str(i) for i in exclude}
        )
        ids = [int(i) for i, _ in answer if i.isdigit()]
        source = recommender.name if ids else source
    ids += cold_start(session, viewer_id, limit * OVERFETCH)
    ids = [i for i in dict.fromkeys(ids) if i not in exclude]
    posts = visible_posts(platform, session, viewer_id, ids)
    posts = {
        i: p
        for i, p in posts.items()
        if p.row.author_id != viewer_id and (not videos_only or p.row.video_id)
    }
    order = [i for i in ids if i in posts][:limit]
    return render_posts(session, viewer_id, order, posts), source


def similar(
    platform: Platform, session: Session, viewer_id: int | None, post_id: int, limit: int
) -> tuple[list[dict[str, Any]], str]:
    """Posts like ``post_id`` (which the caller checked the viewer may see)."""
    recommender = models(platform).recommender
    ids: list[int] = []
    source = "fallback"
    if recommender is not None:
        ids = [
            int(i) for i, _ in recommender.similar(str(post_id), limit * OVERFETCH) if i.isdigit()
        ]
        source = recommender.name if ids else source
    # Fallback: posts sharing the most hashtags with it, then its author's others.
    mine = select(TAGS.c.tag).where(TAGS.c.post_id == post_id).scalar_subquery()
    shared = func.count().label("shared")
    ids += [
        int(p)
        for p, _ in session.execute(
            select(TAGS.c.post_id, shared)
            .where(TAGS.c.tag.in_(mine), TAGS.c.post_id != post_id)
            .group_by(TAGS.c.post_id)
            .order_by(shared.desc(), TAGS.c.post_id.desc())
            .limit(limit * OVERFETCH)
        )
    ]
    author = session.execute(select(POSTS.c.author_id).where(POSTS.c.id == post_id)).scalar()
    ids += [
        int(p)
        for (p,) in session.execute(
            select(POSTS.c.id)
            .where(POSTS.c.author_id == author, POSTS.c.id != post_id)
            .order_by(POSTS.c.id.desc())
            .limit(limit)
        )
    ]
    ids = [i for i in dict.fromkeys(ids) if i != post_id]
    posts = visible_posts(platform, session, viewer_id, ids)
    order = [i for i in ids if i in posts][:limit]
    return render_posts(session, viewer_id, order, posts), source


def who_to_follow(
    platform: Platform, session: Session, viewer_id: int, limit: int
) -> tuple[list[User], str]:
    """Accounts to follow: the model's, then friends of friends, then popular accounts.

    Never the viewer, someone they follow, or anyone hidden either way (blocks,
    mutes); only active accounts.
    """
    followed = graph.followed_ids(session, viewer_id)
    hidden = graph.hidden_user_ids(session, viewer_id)
    skip = followed | hidden | {viewer_id}
    recommender = models(platform).recommender
    ids: list[int] = []
    source = "fallback"
    if recommender is not None:
        answer = recommender.recommend(
            "users", str(viewer_id), limit * OVERFETCH, {str(i) for i in skip}
        )
        ids = [int(i) for i, _ in answer if i.isdigit()]
        source = recommender.name if ids else source
    if followed:
        weight = func.count().label("weight")
        ids += [
            int(u)
            for u, _ in session.execute(
                select(FOLLOWS.c.followee_id, weight)
                .where(FOLLOWS.c.follower_id.in_(followed))
                .group_by(FOLLOWS.c.followee_id)
                .order_by(weight.desc(), FOLLOWS.c.followee_id)
                .limit(limit * OVERFETCH + len(skip))
            )
        ]
    ids += [
        int(u)
        for (u,) in session.execute(
            select(USERS.c.id)
            .where(USERS.c.state == AccountState.active.value)
            .order_by(USERS.c.follower_count.desc(), USERS.c.id)
            .limit(limit * OVERFETCH + len(skip))
        )
    ]
    wanted = [i for i in dict.fromkeys(ids) if i not in skip]
    found = session.execute(
        select(User).where(
            User.id.in_(wanted),  # type: ignore[union-attr]
            User.state == AccountState.active.value,  # type: ignore[arg-type]
        )
    )
    users = {u.id: u for u in found.scalars()}
    # Blocks the other way round (they blocked the viewer) are in ``hidden`` too.
    return [users[i] for i in wanted if i in users][:limit], source
