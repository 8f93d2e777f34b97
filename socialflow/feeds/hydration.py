"""Post ids to public post shapes for feed pages, through the shared post cache.

A feed page names 20 to 30 posts; hydrating them from the database costs a
query for the rows with their authors, one for images and one for videos.
Most of them were just hydrated for somebody else (a popular account's post
sits in thousands of home timelines), so hydrated posts are shared by all
viewers in ``FeedCache.posts`` (see ``services.feed_cache`` for how long and
what drops them) and only the misses are read. Whether the viewer liked a
post is theirs alone, and read with the page (``services.feeds``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence, Set
from typing import TYPE_CHECKING, Any

from socialflow.core.db.sqlutil import DB
from socialflow.feeds.cache import FeedCache, HydratedPost
from socialflow.feeds.generations import Generations, Stamp
from socialflow.plugins.session import counters_of
from socialflow.social import images as image_service
from socialflow.social.posts import load_rows, serialize
from socialflow.video.public import public_videos

if TYPE_CHECKING:
    from socialflow.core.platform import Platform


def _stamp_of(platform: Platform) -> Callable[[HydratedPost], Stamp]:
    generations = platform.get(Generations)
    return lambda post: generations.post_stamp(post.row.id, post.row.author_id)


def cached_posts(platform: Platform, post_ids: Iterable[int]) -> dict[int, HydratedPost]:
    """Those of ``post_ids`` hydrated and still good in the cache (no database)."""
    cache = platform.get(FeedCache).posts
    stamp_of = _stamp_of(platform)
    found = {}
    for post_id in post_ids:
        post = cache.get_checked(post_id, stamp_of)
        if post is not None:
            found[post_id] = post
    return found


def hydrate(platform: Platform, session: DB, post_ids: Iterable[int]) -> dict[int, HydratedPost]:
    """The live posts among ``post_ids`` (deleted ones and deleted authors' are absent).

    No visibility check: the caller decides what the viewer may see.
    """
    wanted = list(dict.fromkeys(post_ids))
    found = cached_posts(platform, wanted)
    missing = [post_id for post_id in wanted if post_id not in found]
    if not missing:
        return found
    generations = platform.get(Generations)
    version = generations.version
    rows = load_rows(session, missing)
    videos = public_videos(platform, session, [row.video_id for row in rows.values()])
    images = image_service.images_by_post(platform, session, rows)
    counters = counters_of(session, "post", list(rows))
    # A counter that moved while we read may belong to these rows, and the stamps
    # below are read after the rows: keep them only as long as a whole page then.
    cache = platform.get(FeedCache)
    ttl = None if generations.version == version else cache.pages.ttl
    stamp_of = _stamp_of(platform)
    for post_id, row in rows.items():
        video = videos.get(row.video_id) if row.video_id else None
        post = HydratedPost(row, video, images.get(post_id, []), counters.get(post_id))
        cache.posts.put(post_id, stamp_of(post), post, ttl=ttl)
        found[post_id] = post
    return found


def render(
    posts: Sequence[HydratedPost], liked: Set[int], locked: Set[str] = frozenset()
) -> list[dict[str, Any]]:
    """The public Post shapes of ``posts``, in order; ``liked``: the viewer's likes among
    them; ``locked``: videos the viewer may not see (``social.posts.locked_videos``)."""
    return [
        serialize(
            post.row,
            liked=post.row.id in liked,
            video=post.video if post.row.video_id not in locked else None,
            images=post.images,
            counters=post.counters,
        )
        for post in posts
    ]
