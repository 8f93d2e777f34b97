"""``/users/{username}/follow|followers|following|block|mute`` and follow requests."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter

from socialflow.accounts import avatars
from socialflow.accounts.deps import CurrentUser, OptionalUser
from socialflow.accounts.models import User
from socialflow.accounts.schemas import UserPublic
from socialflow.core.errors import NotFound
from socialflow.core.http.deps import PageDep, PlatformDep, SessionDep
from socialflow.core.http.openapi import problems
from socialflow.core.http.types import Name
from socialflow.graph import relations as graph_service
from socialflow.graph.relations import get_visible_user, is_following
from socialflow.graph.schemas import FollowState, RelationState, UserPage
from socialflow.plugins.session import counters_of

router = APIRouter(prefix="/users", tags=["graph"])


def _page(session: SessionDep, viewer: User | None, users: list[User], limit: int) -> UserPage:
    ids = [u.id for u in users if u.id is not None]
    following = graph_service.followed_among(session, viewer.id if viewer else None, ids)
    counters = counters_of(session, "user", ids)
    items = [
        UserPublic.of(u, is_following=u.id in following, counters=counters.get(u.id)) for u in users
    ]
    next_cursor = str(users[-1].id) if len(users) == limit else None
    return UserPage(items=items, next_cursor=next_cursor)


@router.get("/me/follow-requests", response_model=UserPage)
def list_follow_requests(session: SessionDep, user: CurrentUser, page: PageDep) -> UserPage:
    users = graph_service.pending_requests(
        session, target=user, limit=page.limit, before=page.id_cursor()
    )
    return _page(session, user, users, page.limit)


@router.post("/me/follow-requests/{username}/{decision}", response_model=FollowState)
def answer_follow_request(
    username: Name, decision: Literal["approve", "reject"], session: SessionDep, user: CurrentUser
) -> FollowState:
    requester = graph_service.get_visible_user(session, username=username, viewer=user)
    graph_service.answer_request(
        session, target=user, requester=requester, approve=decision == "approve"
    )
    session.commit()
    return FollowState(state="none")


@router.post("/{username}/follow", response_model=FollowState, responses=problems(403))
def follow(username: Name, session: SessionDep, user: CurrentUser) -> FollowState:
    target = graph_service.get_visible_user(session, username=username, viewer=user)
    state = graph_service.follow(session, follower=user, target=target)
    session.commit()
    return FollowState(state=state)


@router.delete("/{username}/follow", response_model=FollowState)
def unfollow(username: Name, session: SessionDep, user: CurrentUser) -> FollowState:
    target = graph_service.get_visible_user(session, username=username, viewer=user)
    graph_service.unfollow(session, follower=user, target=target)
    session.commit()
    return FollowState(state="none")


def _connections(
    direction: Literal["followers", "following"],
    username: Name,
    session: SessionDep,
    viewer: User | None,
    page: PageDep,
) -> UserPage:
    user = graph_service.get_visible_user(session, username=username, viewer=viewer)
    if not graph_service.can_see_connections(session, viewer=viewer, user=user):
        raise NotFound(f"{username}'s {direction} are private.")
    users = graph_service.connections(
        session,
        user=user,
        viewer=viewer,
        direction=direction,
        limit=page.limit,
        before=page.id_cursor(),
    )
    return _page(session, viewer, users, page.limit)


@router.get("/{username}/followers", response_model=UserPage)
def followers(username: Name, session: SessionDep, viewer: OptionalUser, page: PageDep) -> UserPage:
    return _connections("followers", username, session, viewer, page)


@router.get("/{username}/following", response_model=UserPage)
def following(username: Name, session: SessionDep, viewer: OptionalUser, page: PageDep) -> UserPage:
    return _connections("following", username, session, viewer, page)


@router.post("/{username}/block", response_model=RelationState)
def block(username: Name, session: SessionDep, user: CurrentUser) -> RelationState:
    target = graph_service.get_visible_user(session, username=username, viewer=None)
    graph_service.block(session, blocker=user, target=target)
    session.commit()
    return RelationState(blocked=True)


@router.delete("/{username}/block", response_model=RelationState)
def unblock(username: Name, session: SessionDep, user: CurrentUser) -> RelationState:
    target = graph_service.get_visible_user(session, username=username, viewer=None)
    graph_service.unblock(session, blocker=user, target=target)
    session.commit()
    return RelationState(blocked=False)


@router.post("/{username}/mute", response_model=RelationState)
def mute(username: Name, session: SessionDep, user: CurrentUser) -> RelationState:
    target = graph_service.get_visible_user(session, username=username, viewer=user)
    graph_service.mute(session, muter=user, target=target)
    session.commit()
    return RelationState(muted=True)


@router.delete("/{username}/mute", response_model=RelationState)
def unmute(username: Name, session: SessionDep, user: CurrentUser) -> RelationState:
    target = graph_service.get_visible_user(session, username=username, viewer=None)
    graph_service.unmute(session, muter=user, target=target)
    session.commit()
    return RelationState(muted=False)


# A public profile is seen through the graph (blocks, private accounts, is_following);
# it keeps the accounts app's tag.
profiles_router = APIRouter(prefix="/users", tags=["users"])


@profiles_router.get("/{username}", response_model=UserPublic)
def read_user(
    username: Name, session: SessionDep, platform: PlatformDep, viewer: OptionalUser
) -> UserPublic:
    user = get_visible_user(session, username=username, viewer=viewer)
    return UserPublic.of(
        user,
        avatar_url=avatars.avatar_url(platform.storage, user),
        is_following=is_following(session, viewer.id if viewer else None, user.id),
        counters=counters_of(session, "user", [user.id]).get(user.id),
    )
