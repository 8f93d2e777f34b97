"""``/auth``: registration and login."""

from __future__ import annotations

from fastapi import APIRouter, status

from socialflow.api.deps import PlatformDep, SessionDep
from socialflow.api.schemas import LoginRequest, RegisterRequest, TokenPair, UserPrivate
from socialflow.errors import Unauthorized
from socialflow.services import users as user_service
from socialflow.services.effects import record_event
from socialflow.services.tokens import ACCESS_TOKEN_TTL, issue_access_token

router = APIRouter(prefix="/auth", tags=["auth"])


@router.post("/register", status_code=status.HTTP_201_CREATED, response_model=UserPrivate)
def register(body: RegisterRequest, session: SessionDep) -> UserPrivate:
    user = user_service.create_user(
        session=session,
        username=body.username,
        email=body.email,
        password=body.password,
        display_name=body.display_name,
    )
    record_event(session, "user_registered", user_id=user.id, username=user.username)
    session.commit()
    return UserPrivate.of_self(user)


@router.post("/login", response_model=TokenPair)
def login(body: LoginRequest, session: SessionDep, platform: PlatformDep) -> TokenPair:
    user = user_service.authenticate(
        session=session, username_or_email=body.username_or_email, password=body.password
    )
    if user is None or user.id is None:
        raise Unauthorized("Wrong username, email or password.", slug="invalid-credentials")
    session.commit()
    token = issue_access_token(platform.settings, user_id=user.id, token_version=user.token_version)
    return TokenPair(access_token=token, expires_in=int(ACCESS_TOKEN_TTL.total_seconds()))
