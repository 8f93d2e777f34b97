"""Users: create, look up, authenticate.

The accounts issue grows this module (verification, deletion, export); the
rules that every other domain relies on live here: usernames are unique
case-insensitively, emails are stored lower-cased, and only ``active`` and
``unverified`` accounts may act.
"""

from __future__ import annotations

import re

from email_validator import EmailNotValidError, validate_email
from sqlmodel import Session, select

from socialflow.errors import Conflict, ValidationProblem
from socialflow.models.base import utcnow
from socialflow.models.user import AccountState, Role, User
from socialflow.services.passwords import hash_password, needs_rehash, verify_password

USERNAME_PATTERN = re.compile(r"^[A-Za-z0-9_]{3,30}$")
MIN_PASSWORD_LENGTH = 8
MAX_PASSWORD_LENGTH = 1024
ACTIVE_STATES = frozenset({AccountState.active.value, AccountState.unverified.value})


def normalize_username(username: str) -> str:
    return username.strip().lower()


def normalize_email(email: str) -> str:
    try:
        return validate_email(email.strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError as exc:
        raise ValidationProblem(
            f"email: {exc}", errors=[{"field": "email", "message": str(exc), "code": "invalid"}]
        ) from exc


def validate_username(username: str) -> str:
    if not USERNAME_PATTERN.fullmatch(username):
        message = "3 to 30 characters: letters, digits and underscores"
        raise ValidationProblem(
            f"username: {message}",
            errors=[{"field": "username", "message": message, "code": "invalid"}],
        )
    return username


def validate_password(password: str, *, username: str, email: str) -> None:
    """NIST SP 800-63B: length only, plus no password equal to the username or email."""
    problems = []
    if len(password) < MIN_PASSWORD_LENGTH:
        problems.append(f"at least {MIN_PASSWORD_LENGTH} characters")
    if len(password) > MAX_PASSWORD_LENGTH:
        problems.append(f"at most {MAX_PASSWORD_LENGTH} characters")
    if password.lower() in {username.lower(), email.lower(), email.split("@")[0].lower()}:
        problems.append("must differ from your username and email")
    if problems:
        message = "; ".join(problems)
        raise ValidationProblem(
            f"password: {message}",
            errors=[{"field": "password", "message": message, "code": "weak_password"}],
        )


def get_user(*, session: Session, user_id: int) -> User | None:
    return session.get(User, user_id)


def get_user_by_username(*, session: Session, username: str) -> User | None:
    statement = select(User).where(User.username_key == normalize_username(username))
    return session.exec(statement).first()


def get_user_by_login(*, session: Session, username_or_email: str) -> User | None:
    value = username_or_email.strip()
    if "@" in value:
        return session.exec(select(User).where(User.email == value.lower())).first()
    return get_user_by_username(session=session, username=value)


def create_user(
    *,
    session: Session,
    username: str,
    email: str,
    password: str | None,
    display_name: str = "",
    role: Role = Role.user,
    state: AccountState = AccountState.unverified,
) -> User:
    """Create and flush a user; the caller commits. Conflicts name the taken field."""
    validate_username(username)
    email_key = normalize_email(email)
    if password is not None:
        validate_password(password, username=username, email=email_key)
    if get_user_by_username(session=session, username=username):
        raise Conflict("That username is taken.", slug="username-taken")
    if session.exec(select(User).where(User.email == email_key)).first():
        raise Conflict("That email is already registered.", slug="email-taken")
    user = User(
        username=username,
        username_key=normalize_username(username),
        email=email_key,
        password_hash=hash_password(password) if password is not None else None,
        display_name=display_name or username,
        role=role.value,
        state=state.value,
    )
    session.add(user)
    session.flush()
    return user


def authenticate(*, session: Session, username_or_email: str, password: str) -> User | None:
    """The user if the password matches and the account may log in, else ``None``.

    Unknown users cost one Argon2 verification too, so timing does not reveal
    which accounts exist. Hashes made with older parameters are upgraded.
    """
    user = get_user_by_login(session=session, username_or_email=username_or_email)
    if not verify_password(user.password_hash if user else None, password) or user is None:
        return None
    if user.state not in ACTIVE_STATES:
        return None
    if user.password_hash and needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
        user.updated_at = utcnow()
        session.add(user)
    return user
