"""TOTP two-factor authentication (pyotp, RFC 6238) and recovery codes.

Setup stores a fresh seed, encrypted (Fernet, key derived from
``secret_key``); enabling needs a valid code, so nobody locks themselves out
with a mistyped secret. Each code is accepted once: the time step of the last
accepted code is stored and only later steps pass, moved by one conditional
UPDATE so that concurrent requests with the same code cannot all pass. Ten recovery codes are
issued on enabling, shown once, and stored as keyed hashes.
"""

from __future__ import annotations

import base64
import io
import secrets
import time
from dataclasses import dataclass
from datetime import timedelta

import pyotp
import qrcode
import qrcode.image.pil
from cryptography.fernet import Fernet, InvalidToken
from sqlalchemy import delete, update
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session, col

from socialflow.accounts import audit
from socialflow.accounts.models import RecoveryCode, TotpCredential, User
from socialflow.accounts.single_use import consume_once
from socialflow.accounts.tokens import InvalidToken as InvalidActionToken
from socialflow.accounts.tokens import (
    decode_action_token,
    derived_key,
    fingerprint,
    issue_action_token,
    keyed_hash,
)
from socialflow.core.db.base import utcnow
from socialflow.core.errors import Conflict, Problem, Unauthorized
from socialflow.core.inputs import same_secret
from socialflow.core.settings import Settings

RECOVERY_CODE_COUNT = 10
RECOVERY_PURPOSE = "recovery-code"
STEP_SECONDS = 30
# Accept the previous and next step too: phone clocks drift.
VALID_WINDOW = 1


@dataclass(frozen=True)
class TotpSetup:
    secret: str
    otpauth_uri: str
    qr_png: bytes


class InvalidOtp(Unauthorized):
    slug, title = "invalid-otp", "Invalid one-time code"


def _fernet(settings: Settings) -> Fernet:
    return Fernet(base64.urlsafe_b64encode(derived_key(settings, "totp-seed")))


def _seed(settings: Settings, credential: TotpCredential) -> str:
    try:
        return _fernet(settings).decrypt(credential.secret_encrypted.encode()).decode()
    except InvalidToken as exc:
        raise Problem(
            "The stored 2FA secret cannot be read (was secret_key changed?).",
            status=500,
            slug="totp-unreadable",
        ) from exc


def is_enabled(session: Session, *, user: User) -> bool:
    credential = session.get(TotpCredential, user.id)
    return credential is not None and credential.enabled_at is not None


def setup(session: Session, settings: Settings, *, user: User) -> TotpSetup:
    """Start (or restart) setup with a fresh seed; refused while 2FA is on."""
    credential = session.get(TotpCredential, user.id)
    if credential is not None and credential.enabled_at is not None:
        raise Conflict("Two-factor authentication is already enabled.", slug="2fa-enabled")
    seed = pyotp.random_base32()
    encrypted = _fernet(settings).encrypt(seed.encode()).decode()
    if credential is None:
        assert user.id is not None
        credential = TotpCredential(user_id=user.id, secret_encrypted=encrypted)
    else:
        credential.secret_encrypted = encrypted
        credential.last_used_step = 0
    session.add(credential)
    uri = pyotp.TOTP(seed).provisioning_uri(name=user.email, issuer_name=settings.site_name)
    return TotpSetup(secret=seed, otpauth_uri=uri, qr_png=qr_png(uri))


def qr_png(data: str) -> bytes:
    """The otpauth URI as a QR code PNG, for authenticator apps to scan."""
    image = qrcode.make(data, image_factory=qrcode.image.pil.PilImage, box_size=6, border=2)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def _matching_step(settings: Settings, credential: TotpCredential, code: str) -> int | None:
    """The time step (around now, after the last one used) whose code is ``code``."""
    code = code.strip().replace(" ", "")
    if not code.isdigit() or len(code) != 6:
        return None
    totp = pyotp.TOTP(_seed(settings, credential))
    now_step = int(time.time()) // STEP_SECONDS
    for step in range(now_step - VALID_WINDOW, now_step + VALID_WINDOW + 1):
        if step > credential.last_used_step and same_secret(code, totp.at(step * STEP_SECONDS)):
            return step
    return None


def _accept_code(
    session: Session, settings: Settings, credential: TotpCredential, code: str
) -> bool:
    """Check ``code`` and consume its time step atomically (see ``services.single_use``).

    Of several requests with the same code at once, only the one whose
    conditional UPDATE moves ``last_used_step`` forward wins.
    """
    step = _matching_step(settings, credential, code)
    if step is None:
        return False
    won = consume_once(
        session,
        update(TotpCredential)
        .where(
            col(TotpCredential.user_id) == credential.user_id,
            col(TotpCredential.last_used_step) < step,
        )
        .values(last_used_step=step),
    )
    if won:
        credential.last_used_step = step
        # The row already says so; keep the ORM from writing it again.
        set_committed_value(credential, "last_used_step", step)
    return won


def enable(session: Session, settings: Settings, *, user: User, otp: str) -> list[str]:
    """Turn 2FA on after a valid code; returns the ten recovery codes (shown once)."""
    credential = session.get(TotpCredential, user.id)
    if credential is None:
        raise Conflict("Call /auth/2fa/setup first.", slug="2fa-not-set-up")
    if credential.enabled_at is not None:
        raise Conflict("Two-factor authentication is already enabled.", slug="2fa-enabled")
    if not _accept_code(session, settings, credential, otp):
        raise InvalidOtp("That code is not valid; check your authenticator's clock.")
    credential.enabled_at = utcnow()
    session.add(credential)
    codes = _new_recovery_codes(session, settings, user=user)
    audit.record(session, "2fa_enabled", subject_user_id=user.id, actor_id=user.id)
    return codes


def _new_recovery_codes(session: Session, settings: Settings, *, user: User) -> list[str]:
    assert user.id is not None
    session.execute(delete(RecoveryCode).where(col(RecoveryCode.user_id) == user.id))
    codes = []
    for _ in range(RECOVERY_CODE_COUNT):
        raw = secrets.token_hex(5)  # 40 bits, shown as xxxxx-xxxxx
        code = f"{raw[:5]}-{raw[5:]}"
        codes.append(code)
        session.add(
            RecoveryCode(user_id=user.id, code_hash=keyed_hash(settings, RECOVERY_PURPOSE, raw))
        )
    return codes


def check_second_factor(session: Session, settings: Settings, *, user: User, otp: str) -> bool:
    """A TOTP code or an unused recovery code; either is consumed. The caller commits."""
    credential = session.get(TotpCredential, user.id)
    if credential is None or credential.enabled_at is None:
        return True
    if _accept_code(session, settings, credential, otp):
        return True
    normalized = otp.strip().lower().replace("-", "").replace(" ", "")
    if len(normalized) != 10:
        return False
    wanted = keyed_hash(settings, RECOVERY_PURPOSE, normalized)
    used = consume_once(
        session,
        update(RecoveryCode)
        .where(
            col(RecoveryCode.user_id) == user.id,
            col(RecoveryCode.code_hash) == wanted,
            col(RecoveryCode.used_at).is_(None),
        )
        .values(used_at=utcnow()),
    )
    if not used:
        return False
    audit.record(session, "recovery_code_used", subject_user_id=user.id, actor_id=user.id)
    return True


def disable(session: Session, settings: Settings, *, user: User, otp: str) -> None:
    """Turn 2FA off; needs a current code or a recovery code."""
    if not is_enabled(session, user=user):
        raise Conflict("Two-factor authentication is not enabled.", slug="2fa-not-enabled")
    if not check_second_factor(session, settings, user=user, otp=otp):
        raise InvalidOtp("That code is not valid.")
    session.execute(delete(TotpCredential).where(col(TotpCredential.user_id) == user.id))
    session.execute(delete(RecoveryCode).where(col(RecoveryCode.user_id) == user.id))
    audit.record(session, "2fa_disabled", subject_user_id=user.id, actor_id=user.id)


def regenerate_recovery_codes(
    session: Session, settings: Settings, *, user: User, otp: str
) -> list[str]:
    if not is_enabled(session, user=user):
        raise Conflict("Two-factor authentication is not enabled.", slug="2fa-not-enabled")
    if not check_second_factor(session, settings, user=user, otp=otp):
        raise InvalidOtp("That code is not valid.")
    return _new_recovery_codes(session, settings, user=user)


# ------------------------------------------- second step after external sign-in

MFA_PURPOSE = "second-factor"
MFA_TTL_SECONDS = 300


def issue_challenge(settings: Settings, *, user: User, method: str) -> str:
    """A short-lived token saying "first factor done" (used after OAuth sign-in).

    It names the user and how they signed in; it dies when ``token_version``
    changes and after five minutes. Only :func:`redeem_challenge` accepts it.
    """
    assert user.id is not None
    return issue_action_token(
        settings,
        purpose=MFA_PURPOSE,
        subject=user.id,
        ttl=timedelta(seconds=MFA_TTL_SECONDS),
        fp=fingerprint(user.token_version),
        method=method,
    )


def redeem_challenge(
    session: Session, settings: Settings, *, token: str, otp: str
) -> tuple[User, str]:
    """The user and sign-in method, once ``otp`` completes the challenge."""
    try:
        claims = decode_action_token(settings, token, purpose=MFA_PURPOSE)
    except InvalidActionToken as exc:
        raise Unauthorized(
            "The sign-in step expired; sign in again.", slug="invalid-mfa-token"
        ) from exc
    user = session.get(User, claims["sub"])
    if user is None or claims.get("fp") != fingerprint(user.token_version):
        raise Unauthorized("The sign-in step expired; sign in again.", slug="invalid-mfa-token")
    if not check_second_factor(session, settings, user=user, otp=otp):
        raise InvalidOtp("That code is not valid or was already used.")
    return user, str(claims.get("method") or "oauth")
