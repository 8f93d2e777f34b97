"""The graph app's part of a user's data export: who they follow, who follows them,
their pending requests, blocks and mutes (by username and date)."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, select

from socialflow.accounts.models import User
from socialflow.core.db.base import iso_or_none as _iso
from socialflow.graph.models import Block, Follow, FollowRequest, Mute


def graph_section(session: Session, user_id: int) -> dict[str, Any]:
    def usernames(model: Any, mine: str, theirs: str) -> list[dict[str, Any]]:
        statement = (
            select(User.username, model.created_at)
            .join(model, getattr(model, theirs) == User.id)
            .where(getattr(model, mine) == user_id)
        )
        return [{"username": name, "since": _iso(at)} for name, at in session.exec(statement)]

    return {
        "following": usernames(Follow, "follower_id", "followee_id"),
        "followers": usernames(Follow, "followee_id", "follower_id"),
        "follow_requests_sent": usernames(FollowRequest, "requester_id", "target_id"),
        "blocked": usernames(Block, "blocker_id", "blocked_id"),
        "muted": usernames(Mute, "muter_id", "muted_id"),
    }
