"""A plugin whose filters veto and rewrite content (used by test_filters)."""

from __future__ import annotations

from typing import Any

from socialflow import hookimpl
from socialflow.plugins.specs import ContentRejected

# Every post payload the filter saw (tests/video/test_post_video.py reads it).
SEEN_POSTS: list[dict[str, Any]] = []


@hookimpl
def socialflow_filter_post(post: dict[str, Any]) -> dict[str, Any] | None:
    SEEN_POSTS.append(dict(post))
    if "forbidden" in post["text"]:
        raise ContentRejected("Posts may not say that.")
    if post["text"].startswith("shout:"):
        return {**post, "text": post["text"].upper()}
    if "#novideo" in post["text"]:
        return {**post, "video_id": None}
    return None


@hookimpl
def socialflow_filter_comment(comment: dict[str, Any]) -> dict[str, Any] | None:
    if "forbidden" in comment["text"]:
        raise ContentRejected("Comments may not say that.")
    return None


@hookimpl
def socialflow_filter_profile(profile: dict[str, Any]) -> dict[str, Any] | None:
    if "forbidden" in str(profile.get("bio", "")):
        raise ContentRejected("Profiles may not say that.")
    name = profile.get("display_name")
    if isinstance(name, str) and name.startswith("shout:"):
        return {**profile, "display_name": name.upper()}
    return None
