"""The social graph: follow, follow requests, block, mute, and who may see whom.

Every relation change is idempotent (insert-or-ignore / delete) and moves
``users.follower_count`` / ``following_count`` with atomic increments only
when a row really changed. Visibility rules that every other domain uses
(``hidden_user_ids``, ``is_blocked_between``) live here.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from sqlalchemy import CompoundSelect, and_, delete, or_, select, union_all
from sqlmodel import Session

from socialflow.accounts.models import AccountState, User
from socialflow.core.db.sqlutil import DB, bump, insert_ignore
from socialflow.core.effects import enqueue_after_commit, record_event
from socialflow.core.errors import Forbidden, NotFound, ValidationProblem
from socialflow.graph.models import Block, Follow, FollowRequest, Mute

FOLLOWS = Follow.__table__  # type: ignore[attr-defined]
REQUESTS = FollowRequest.__table__  # type: ignore[attr-defined]
BLOCKS = Block.__table__  # type: ignore[attr-defined]
MUTES = Mute.__table__  # type: ignore[attr-defined]
USERS = User.__table__  # type: ignore[attr-defined]

FollowState = Literal["following", "requested", "none"]


@dataclass(frozen=True)
class UserPageItem:
    user: User
    cursor: str


def get_visible_user(session: Session, *, username: str, viewer: User | None) -> User:
    """The user named ``username`` as ``viewer`` may see them.

    404 if absent, deleted, or blocking the viewer."""
    user: User | None = session.execute(
        select(User).where(USERS.c.username_key == username.strip().lower())
    ).scalar_one_or_none()
    if user is None or user.state == AccountState.deleted.value:
        raise NotFound(f"No user named {username}.")
    # The blocked side sees nothing of the blocker; the blocker still sees
    # whom they blocked (to unblock them).
    if viewer is not None and viewer.id != user.id and _blocks(session, user.id, viewer.id):
        raise NotFound(f"No user named {username}.")
    return user


def is_following(session: DB, viewer_id: int | None, user_id: int | None) -> bool:
    """Whether ``viewer_id`` follows ``user_id`` (False for anonymous viewers)."""
    if viewer_id is None or user_id is None or viewer_id == user_id:
        return False
    row = session.execute(
        select(FOLLOWS.c.follower_id).where(
            FOLLOWS.c.follower_id == viewer_id, FOLLOWS.c.followee_id == user_id
        )
    ).first()
    return row is not None


def _blocks(session: Session, blocker_id: int | None, blocked_id: int | None) -> bool:
    row = session.execute(
        select(BLOCKS.c.blocker_id).where(
            BLOCKS.c.blocker_id == blocker_id, BLOCKS.c.blocked_id == blocked_id
        )
    ).first()
    return row is not None


def is_blocked_between(session: DB, a: int | None, b: int | None) -> bool:
    """A block in either direction between ``a`` and ``b``."""
    if a is None or b is None or a == b:
        return False
    row = session.execute(
        select(BLOCKS.c.blocker_id).where(
            or_(
                and_(BLOCKS.c.blocker_id == a, BLOCKS.c.blocked_id == b),
                and_(BLOCKS.c.blocker_id == b, BLOCKS.c.blocked_id == a),
            )
        )
    ).first()
    return row is not None


def hidden_user_ids_query(viewer_id: int, *, include_mutes: bool = True) -> CompoundSelect[int]:
    """The SQL behind :func:`hidden_user_ids`, to use as ``NOT IN (...)`` inside a query
    (so a filtered, paged listing stays exact: no short pages, exact counts)."""
    parts = [
        select(BLOCKS.c.blocked_id).where(BLOCKS.c.blocker_id == viewer_id),
        select(BLOCKS.c.blocker_id).where(BLOCKS.c.blocked_id == viewer_id),
    ]
    if include_mutes:
        parts.append(select(MUTES.c.muted_id).where(MUTES.c.muter_id == viewer_id))
    return union_all(*parts)


def hidden_user_ids(session: DB, viewer_id: int | None, *, include_mutes: bool = True) -> set[int]:
    """Users whose content ``viewer_id`` must not see: blocked either way, and muted."""
    if viewer_id is None:
        return set()
    query = hidden_user_ids_query(viewer_id, include_mutes=include_mutes)
    return {row[0] for row in session.execute(query)}


def followed_ids(session: DB, viewer_id: int) -> set[int]:
    """Everyone ``viewer_id`` follows (accepted follows; one query)."""
    rows = session.execute(select(FOLLOWS.c.followee_id).where(FOLLOWS.c.follower_id == viewer_id))
    return {row[0] for row in rows}


def followed_among(session: DB, viewer_id: int | None, author_ids: Iterable[int]) -> set[int]:
    """Which of ``author_ids`` the viewer follows (one query)."""
    ids = set(author_ids)
    if viewer_id is None or not ids:
        return set()
    rows = session.execute(
        select(FOLLOWS.c.followee_id).where(
            FOLLOWS.c.follower_id == viewer_id, FOLLOWS.c.followee_id.in_(ids)
        )
    )
    return {row[0] for row in rows}


# ------------------------------------------------------------------- follows


def _add_follow(session: Session, follower_id: int, followee_id: int) -> bool:
    created = insert_ignore(
        session, FOLLOWS, {"follower_id": follower_id, "followee_id": followee_id}
    )
    if created:
        bump(session, USERS, follower_id, following_count=1)
        bump(session, USERS, followee_id, follower_count=1)
        record_event(session, "followed", follower_id=follower_id, followee_id=followee_id)
        enqueue_after_commit(session, "socialflow.feeds.backfill", follower_id, followee_id)
    return created


def _remove_follow(
    session: Session, follower_id: int, followee_id: int, *, event: bool = True
) -> bool:
    result = session.execute(
        delete(FOLLOWS).where(
            FOLLOWS.c.follower_id == follower_id, FOLLOWS.c.followee_id == followee_id
        )
    )
    removed = bool(result.rowcount)  # type: ignore[attr-defined]
    if removed:
        bump(session, USERS, follower_id, following_count=-1)
        bump(session, USERS, followee_id, follower_count=-1)
        if event:
            record_event(session, "unfollowed", follower_id=follower_id, followee_id=followee_id)
        enqueue_after_commit(session, "socialflow.feeds.unfollow", follower_id, followee_id)
    return removed


def follow(session: Session, *, follower: User, target: User) -> FollowState:
    """Follow ``target``, or ask to when the account is private. Idempotent."""
    assert follower.id is not None
    assert target.id is not None
    if follower.id == target.id:
        raise ValidationProblem("You cannot follow yourself.", slug="cannot-follow-self")
    if is_blocked_between(session, follower.id, target.id):
        # The caller blocked them (a block by the target already answered 404 on lookup).
        raise Forbidden("Unblock this account before following it.", slug="blocked")
    if is_following(session, follower.id, target.id):
        return "following"
    if target.is_private:
        if insert_ignore(session, REQUESTS, {"requester_id": follower.id, "target_id": target.id}):
            record_event(session, "follow_requested", requester_id=follower.id, target_id=target.id)
        return "requested"
    _add_follow(session, follower.id, target.id)
    return "following"


def unfollow(session: Session, *, follower: User, target: User) -> None:
    """Stop following (or withdraw a pending request). Idempotent."""
    assert follower.id is not None
    assert target.id is not None
    _remove_follow(session, follower.id, target.id)
    withdrawn = session.execute(
        delete(REQUESTS).where(
            REQUESTS.c.requester_id == follower.id, REQUESTS.c.target_id == target.id
        )
    )
    if withdrawn.rowcount:  # type: ignore[attr-defined]
        record_event(
            session, "follow_request_withdrawn", requester_id=follower.id, target_id=target.id
        )


def answer_request(session: Session, *, target: User, requester: User, approve: bool) -> None:
    """Approve (becomes a follow) or reject a pending request; 404 if there is none."""
    result = session.execute(
        delete(REQUESTS).where(
            REQUESTS.c.requester_id == requester.id, REQUESTS.c.target_id == target.id
        )
    )
    if not result.rowcount:  # type: ignore[attr-defined]
        raise NotFound(f"No pending follow request from {requester.username}.")
    assert requester.id is not None
    assert target.id is not None
    if approve:
        _add_follow(session, requester.id, target.id)
        record_event(session, "follow_approved", requester_id=requester.id, target_id=target.id)
    else:
        record_event(session, "follow_rejected", requester_id=requester.id, target_id=target.id)


def pending_requests(
    session: Session, *, target: User, limit: int, before: int | None
) -> list[User]:
    statement = (
        select(User)
        .join(REQUESTS, REQUESTS.c.requester_id == USERS.c.id)
        .where(REQUESTS.c.target_id == target.id)
        .order_by(USERS.c.id.desc())
        .limit(limit)
    )
    if before is not None:
        statement = statement.where(USERS.c.id < before)
    return list(session.execute(statement).scalars())


# -------------------------------------------------------------- block, mute


def block(session: Session, *, blocker: User, target: User) -> None:
    """Block: cuts follows both ways and pending requests; idempotent."""
    assert blocker.id is not None
    assert target.id is not None
    if blocker.id == target.id:
        raise ValidationProblem("You cannot block yourself.", slug="cannot-block-self")
    if insert_ignore(session, BLOCKS, {"blocker_id": blocker.id, "blocked_id": target.id}):
        # The follows cut ride on the event (analytics counts them as followers lost).
        cut = [
            [follower, followee]
            for follower, followee in ((blocker.id, target.id), (target.id, blocker.id))
            if _remove_follow(session, follower, followee, event=False)
        ]
        session.execute(
            delete(REQUESTS).where(
                or_(
                    and_(REQUESTS.c.requester_id == blocker.id, REQUESTS.c.target_id == target.id),
                    and_(REQUESTS.c.requester_id == target.id, REQUESTS.c.target_id == blocker.id),
                )
            )
        )
        record_event(
            session, "blocked", blocker_id=blocker.id, blocked_id=target.id, follows_cut=cut
        )


def unblock(session: Session, *, blocker: User, target: User) -> None:
    result = session.execute(
        delete(BLOCKS).where(BLOCKS.c.blocker_id == blocker.id, BLOCKS.c.blocked_id == target.id)
    )
    if result.rowcount:  # type: ignore[attr-defined]
        record_event(session, "unblocked", blocker_id=blocker.id, blocked_id=target.id)


def mute(session: Session, *, muter: User, target: User) -> None:
    if muter.id == target.id:
        raise ValidationProblem("You cannot mute yourself.", slug="cannot-mute-self")
    if insert_ignore(session, MUTES, {"muter_id": muter.id, "muted_id": target.id}):
        record_event(session, "muted", muter_id=muter.id, muted_id=target.id)


def unmute(session: Session, *, muter: User, target: User) -> None:
    result = session.execute(
        delete(MUTES).where(MUTES.c.muter_id == muter.id, MUTES.c.muted_id == target.id)
    )
    if result.rowcount:  # type: ignore[attr-defined]
        record_event(session, "unmuted", muter_id=muter.id, muted_id=target.id)


# ------------------------------------------------------------------- lists


def may_see_account(session: DB, viewer_id: int | None, user: User) -> bool:
    """Whether ``viewer_id`` may see ``user``'s content (posts, videos, follower lists):
    a private account's is for itself and its approved followers (a pending follow
    request is not enough). Blocks are the caller's (they hide even public accounts)."""
    if not user.is_private or (viewer_id is not None and viewer_id == user.id):
        return True
    return is_following(session, viewer_id, user.id)


def can_see_connections(session: Session, *, viewer: User | None, user: User) -> bool:
    """A private account's follower lists are for itself and its followers."""
    return may_see_account(session, viewer.id if viewer else None, user)


def connections(
    session: Session,
    *,
    user: User,
    viewer: User | None,
    direction: Literal["followers", "following"],
    limit: int,
    before: int | None,
) -> list[User]:
    """Followers or followings of ``user``, newest user id first, minus hidden accounts."""
    if direction == "followers":
        mine, other = FOLLOWS.c.followee_id, FOLLOWS.c.follower_id
    else:
        mine, other = FOLLOWS.c.follower_id, FOLLOWS.c.followee_id
    statement = (
        select(User)
        .join(FOLLOWS, other == USERS.c.id)
        .where(mine == user.id, USERS.c.state != AccountState.deleted.value)
        .order_by(other.desc())
        .limit(limit)
    )
    if before is not None:
        statement = statement.where(other < before)
    hidden = hidden_user_ids(session, viewer.id if viewer else None, include_mutes=False)
    if hidden:
        statement = statement.where(other.not_in(hidden))
    return list(session.execute(statement).scalars())
