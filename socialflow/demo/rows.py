"""The drawn demo data laid out as table columns, ready for a bulk load.

Deterministic: every random pick was made in :mod:`socialflow.demo.draw`;
here a post index becomes an id, picks become texts and entities, and the
last day's public activity becomes trending counters. Columns are dicts of
arrays or lists (:func:`~socialflow.core.db.bulk.insert_columns` writes them
with COPY on PostgreSQL, executemany on SQLite).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import numpy as np

from socialflow.demo.draw import (
    MICROSECONDS_A_DAY,
    PUBLIC,
    VISIBILITIES,
    Content,
    Ids,
    Pools,
    chosen,
    utc64,
)

BATCH = 50_000  # rows per COPY: large enough to amortise a statement, small enough to pipeline


def _post_texts(
    content: Content, pools: Pools, names: list[str], rows: slice, first_id: int
) -> tuple[list[str], list[str]]:
    """Texts and entities JSON of posts ``rows``: ``@mention`` first, hashtags last.

    The JSON is written with f-strings: usernames and tags are letters, digits
    and underscores, so quoting them needs no escaping.
    """
    texts: list[str] = []
    entities: list[str] = []
    for sentence, mention, picks in zip(
        content.sentence[rows].tolist(),
        content.mention[rows].tolist(),
        content.tags[rows].tolist(),
        strict=True,
    ):
        body = pools.sentences[sentence]
        mentions = ""
        if mention >= 0:
            body = f"@{names[mention]} {body}"
            mentions = f'{{"id":{first_id + mention},"username":"{names[mention]}"}}'
        tags = [pools.tags[t] for t in picks if t >= 0]
        if tags:
            body += " " + " ".join(f"#{t}" for t in tags)
        texts.append(body)
        quoted = ",".join(f'"{t}"' for t in tags)
        entities.append(f'{{"hashtags":[{quoted}],"mentions":[{mentions}],"links":[]}}')
    return texts, entities


def post_batches(
    content: Content, pools: Pools, names: list[str], ids: Ids
) -> Iterator[dict[str, Any]]:
    """Posts in batches of ``BATCH`` rows, their texts made batch by batch (a million
    texts at once would only take memory)."""
    count = content.author.size
    for start in range(0, count, BATCH):
        yield post_columns(content, pools, names, slice(start, min(count, start + BATCH)), ids)


def post_columns(
    content: Content, pools: Pools, names: list[str], rows: slice, ids: Ids
) -> dict[str, Any]:
    texts, entities = _post_texts(content, pools, names, rows, ids.first_user)
    return {
        "id": ids.first_post + np.arange(rows.start, rows.stop),
        "author_id": ids.first_user + content.author[rows],
        "text": texts,
        "entities": entities,
        "visibility": VISIBILITIES[content.visibility[rows]],
        "video_id": None,
        "like_count": content.like_count[rows],
        "comment_count": content.comment_count[rows],
        "share_count": 0,
        "view_count": content.view_count[rows],
        "created_at": content.created[rows],
        "edited_at": None,
        "deleted_at": None,
    }


def hashtag_columns(content: Content, pools: Pools, ids: Ids) -> dict[str, Any]:
    """One row per (tag, post), in the primary key's order."""
    post, slot = np.nonzero(content.tags >= 0)
    tag = content.tags[post, slot]
    order = np.lexsort((post, tag))
    return {
        "tag": np.array(pools.tags)[tag[order]],
        "post_id": ids.first_post + post[order],
    }


def like_columns(content: Content, ids: Ids) -> dict[str, Any]:
    return {
        "user_id": ids.first_user + content.like_user,
        "post_id": ids.first_post + content.like_post,
        "created_at": content.created[content.like_post],
    }


def comment_columns(content: Content, pools: Pools, ids: Ids) -> dict[str, Any]:
    return {
        "post_id": ids.first_post + content.comment_post,
        "author_id": ids.first_user + content.comment_author,
        "parent_id": None,
        "text": chosen(pools.sentences, content.comment_sentence),
        "reply_count": 0,
        "created_at": content.created[content.comment_post],
    }


def trending_rows(
    content: Content, pools: Pools, ids: Ids, *, now: datetime, bucket: int
) -> list[dict[str, Any]]:
    """Trending counters of the last day's public posts: their tags, and likes plus
    twice the comments of each post, by time bucket."""
    recent = np.flatnonzero(
        (content.visibility == PUBLIC)
        & (utc64(now) - content.created < np.timedelta64(MICROSECONDS_A_DAY, "us"))
    )
    seconds = content.created[recent].astype("datetime64[s]").astype(np.int64)
    trend: Counter[tuple[str, str, int]] = Counter()
    for index, slot, picks, likes, comments in zip(
        recent.tolist(),
        (seconds // bucket * bucket).tolist(),
        content.tags[recent].tolist(),
        content.like_count[recent].tolist(),
        content.comment_count[recent].tolist(),
        strict=True,
    ):
        for tag in picks:
            if tag >= 0:
                trend["tag", pools.tags[tag], slot] += 1
        if likes or comments:
            trend["post", str(ids.first_post + index), slot] += likes + 2 * comments
    return [{"kind": k, "key": key, "bucket": b, "count": c} for (k, key, b), c in trend.items()]
