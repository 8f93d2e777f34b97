"""``/users``: the caller's account and public profiles."""

from __future__ import annotations

from fastapi import APIRouter

from socialflow.api.deps import CurrentUser, OptionalUser, PlatformDep, SessionDep
from socialflow.api.schemas import UserPrivate, UserPublic, UserUpdate
from socialflow.errors import NotFound
from socialflow.models.base import utcnow
from socialflow.services import users as user_service
from socialflow.services.graph import is_following

router = APIRouter(prefix="/users", tags=["users"])


@router.get("/me", response_model=UserPrivate)
def read_me(user: CurrentUser) -> UserPrivate:
    return UserPrivate.of_self(user)


@router.patch("/me", response_model=UserPrivate)
def update_me(
    body: UserUpdate, user: CurrentUser, session: SessionDep, platform: PlatformDep
) -> UserPrivate:
    changes = body.model_dump(exclude_unset=True, exclude_none=True)
    filtered = platform.plugins.apply_filters(
        "socialflow_filter_profile", {"user_id": user.id, **changes}
    )
    for field in changes:
        setattr(user, field, filtered.get(field, changes[field]))
    user.updated_at = utcnow()
    session.add(user)
    session.commit()
    return UserPrivate.of_self(user)


@router.get("/{username}", response_model=UserPublic)
def read_user(username: str, session: SessionDep, viewer: OptionalUser) -> UserPublic:
    user = user_service.get_user_by_username(session=session, username=username)
    if user is None or user.state == "deleted":
        raise NotFound(f"No user named {username}.")
    return UserPublic.of(
        user, is_following=is_following(session, viewer.id if viewer else None, user.id)
    )
