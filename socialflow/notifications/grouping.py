"""Grouping a page of the inbox: "ana and 4 others liked your post".

Notifications of one groupable kind (liked, shared, commented) about one
post, within ``group_window_seconds`` of the newest of them, become one item:
the newest, with a ``group`` saying how many notifications and distinct
actors it stands for, the first few actors, their ids (to mark them all
read) and a sentence. Grouping works on a page the inbox already selected
and ordered, so paging stays exact: a group never spans two pages (the next
page may hold older members of the same group as a group of its own).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from socialflow.notifications.messages import GROUPABLE, VERBS, actors_phrase

SHOWN_ACTORS = 3


def _when(item: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(str(item["created_at"]).replace("Z", "+00:00"))


def group_page(items: list[dict[str, Any]], window_seconds: int) -> list[dict[str, Any]]:
    """``items`` (newest first) with each group folded into its newest member."""
    if window_seconds <= 0:
        return items
    window = timedelta(seconds=window_seconds)
    heads: dict[tuple[str, int], dict[str, Any]] = {}
    result: list[dict[str, Any]] = []
    for item in items:
        post = item.get("post")
        if item["kind"] not in GROUPABLE or not post:
            result.append(item)
            continue
        key = (item["kind"], int(post["id"]))
        head = heads.get(key)
        if head is not None and _when(head) - _when(item) <= window:
            _join(head, item)
            continue
        head = {**item, "group": _start(item)}
        heads[key] = head
        result.append(head)
    for item in result:
        group = item.get("group")
        if group is not None:
            others = len(group["actor_ids"]) - 1
            group["actor_count"] = len(group["actor_ids"])
            group["text"] = (
                f"{actors_phrase(item['actor']['username'], others)} {VERBS[item['kind']]}"
            )
            del group["actor_ids"]
    return result


def _start(item: dict[str, Any]) -> dict[str, Any]:
    return {
        "count": 1,
        "ids": [item["id"]],
        "actors": [item["actor"]],
        "actor_ids": [item["actor"]["id"]],
    }


def _join(head: dict[str, Any], item: dict[str, Any]) -> None:
    group = head["group"]
    group["count"] += 1
    group["ids"].append(item["id"])
    if item["actor"]["id"] not in group["actor_ids"]:
        group["actor_ids"].append(item["actor"]["id"])
        if len(group["actors"]) < SHOWN_ACTORS:
            group["actors"].append(item["actor"])
    head["read"] = head["read"] and item["read"]
