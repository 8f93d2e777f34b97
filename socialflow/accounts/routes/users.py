"""``/users``: the caller's account (profile, avatar, export, deletion) and public profiles."""

from __future__ import annotations

import json
import logging

from fastapi import APIRouter, Request, Response, status
from sqlmodel import Session

from socialflow.accounts import avatars, totp
from socialflow.accounts import users as user_service
from socialflow.accounts.deps import CurrentUser, DetachedUser
from socialflow.accounts.export import export_user_data
from socialflow.accounts.models import User
from socialflow.accounts.passwords import verify_password
from socialflow.accounts.schemas import DeleteAccountRequest, UserPrivate, UserUpdate
from socialflow.core.errors import Unauthorized
from socialflow.core.http.deps import (
    ClientIp,
    PlatformDep,
    RateLimiterDep,
    SessionDep,
    in_session,
)
from socialflow.core.http.examples import json_example
from socialflow.core.http.image_form import decode_limiter, image_upload_openapi, read_image_form
from socialflow.core.http.openapi import problems
from socialflow.core.http.route_marks import streams_body
from socialflow.core.platform import Platform
from socialflow.plugins.session import counters_of

router = APIRouter(prefix="/users", tags=["users"])
logger = logging.getLogger("socialflow.users")


def _me(user: User, session: SessionDep, platform: Platform) -> UserPrivate:
    return UserPrivate.of_self(
        user,
        avatar_url=avatars.avatar_url(platform.storage, user),
        two_factor_enabled=totp.is_enabled(session, user=user),
        counters=counters_of(session, "user", [user.id]).get(user.id),
    )


def _delete_stored(platform: Platform, key: str | None) -> None:
    """Remove an object after the commit; a failure leaves an orphan, never a broken row."""
    if not key:
        return
    try:
        platform.storage.delete(key)
    except Exception:
        logger.warning("could not delete stored object %s", key, exc_info=True)


@router.get("/me", response_model=UserPrivate)
def read_me(user: CurrentUser, session: SessionDep, platform: PlatformDep) -> UserPrivate:
    return _me(user, session, platform)


@router.patch("/me", response_model=UserPrivate)
def update_me(
    body: UserUpdate, user: CurrentUser, session: SessionDep, platform: PlatformDep
) -> UserPrivate:
    changes = body.model_dump(exclude_unset=True, exclude_none=True)
    if "birth_date" in body.model_fields_set:
        changes["birth_date"] = body.birth_date  # null removes it
    user_service.update_profile(session=session, platform=platform, user=user, changes=changes)
    session.commit()
    return _me(user, session, platform)


_AVATAR_BODY = image_upload_openapi()


@router.put(
    "/me/avatar",
    response_model=UserPrivate,
    openapi_extra=_AVATAR_BODY,
    responses=problems(413, 415),
)
@streams_body
async def upload_avatar(
    request: Request, caller: DetachedUser, platform: PlatformDep
) -> UserPrivate:
    """Replace the avatar. The image is re-encoded; its metadata never reaches storage.

    The body streams through ``avatar_max_bytes`` (413 as soon as it passes);
    no database connection is held while it arrives.
    """
    limit = platform.settings.avatar_max_bytes
    form = await read_image_form(
        request,
        limit=limit,
        too_large=lambda: avatars.PayloadTooLarge(f"Avatars may be at most {limit} bytes."),
    )

    def store(*, session: Session) -> tuple[UserPrivate, str | None]:
        user = session.get(User, caller.id)
        assert user is not None
        previous = avatars.set_avatar(
            session, platform.settings, platform.storage, user=user, data=form.data
        )
        session.commit()
        return _me(user, session, platform), previous

    me, previous = await in_session(platform, store, limiter=decode_limiter(platform))
    _delete_stored(platform, previous)
    return me


@router.delete("/me/avatar", response_model=UserPrivate)
def delete_avatar(user: CurrentUser, session: SessionDep, platform: PlatformDep) -> UserPrivate:
    previous = avatars.remove_avatar(session, user=user)
    session.commit()
    _delete_stored(platform, previous)
    return _me(user, session, platform)


@router.get(
    "/me/export",
    responses=json_example(
        {"account": {"id": 42, "username": "alice", "email": "alice@example.com"}, "posts": []},
        "A JSON download: one section per app (accounts, posts, videos...).",
    ),
)
def export_me(user: CurrentUser, session: SessionDep, platform: PlatformDep) -> Response:
    """Everything the platform holds about the caller's account, as a JSON download."""
    data = export_user_data(session=session, user=user, plugins=platform.plugins)
    return Response(
        json.dumps(data, indent=2),
        media_type="application/json",
        headers={
            "Content-Disposition": f'attachment; filename="{user.username}-export.json"',
            "Cache-Control": "no-store",
        },
    )


@router.delete("/me", status_code=status.HTTP_204_NO_CONTENT)
def delete_me(
    body: DeleteAccountRequest,
    user: CurrentUser,
    session: SessionDep,
    platform: PlatformDep,
    limiter: RateLimiterDep,
    ip: ClientIp,
) -> Response:
    """Delete the account: personal data is erased, the deletion audited.

    Needs the password (if the account has one) and, with 2FA on, a code.
    """
    limiter.check_lockout(f"user:{user.id}")
    if user.password_hash and not verify_password(user.password_hash, body.password or ""):
        limiter.record_failure(f"user:{user.id}")
        raise Unauthorized("The password is wrong.", slug="invalid-credentials")
    if totp.is_enabled(session, user=user) and not totp.check_second_factor(
        session, platform.settings, user=user, otp=body.otp or ""
    ):
        limiter.record_failure(f"user:{user.id}")
        raise totp.InvalidOtp("A valid `otp` is needed to delete this account.")
    avatar_key = user_service.delete_account(session=session, user=user, actor_id=user.id, ip=ip)
    session.commit()
    _delete_stored(platform, avatar_key)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
