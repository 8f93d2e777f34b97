"""OAuth 2.0 / OpenID Connect login (authlib for the protocol, joserfc for ID tokens).

Providers come from the ``oauth`` setting: a generic OIDC provider needs only
its discovery URL, client id and secret; ``preset`` fills in Google, GitHub,
Facebook or X. The authorization-code flow always uses ``state`` and PKCE
(S256), plus a ``nonce`` for OIDC. The three values travel in a short-lived
cookie signed with a key derived from ``secret_key``, so the API stays
stateless and a callback from another browser (login CSRF) fails.

An address the provider did not verify is never used: an identity without a
verified email gets an account with a placeholder address (``…@oauth.invalid``)
and is never linked by email. A verified address links the identity to the
account with that address. If that account had never verified its own
address, whoever created it may have pre-registered the victim's address
(pre-account hijacking), so every other way in goes: its password, sessions,
other external identities, 2FA and recovery codes.

ID tokens are checked for issuer, audience, ``azp`` (OIDC Core 3.1.3.7),
expiry and nonce; the redirect's ``iss`` (RFC 9207) for the provider's issuer;
``state`` is used once. Provider calls have bounded timeouts, and a failed
discovery is remembered for a short while.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import jwt as pyjwt
from authlib.common.security import generate_token
from authlib.oauth2.rfc6749.parameters import prepare_grant_uri
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from joserfc import jwt as jose_jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet
from sqlalchemy import delete
from sqlmodel import Session, col, select

from socialflow.accounts import audit
from socialflow.accounts import sessions as session_service
from socialflow.accounts.models import (
    AccountState,
    OAuthAccount,
    RecoveryCode,
    TotpCredential,
    User,
)
from socialflow.accounts.single_use import consume_token
from socialflow.accounts.tokens import derived_key
from socialflow.accounts.users import create_user, ensure_email_free, get_user_by_username
from socialflow.core.db.base import utcnow
from socialflow.core.errors import Conflict, Forbidden, NotFound, Problem
from socialflow.core.inputs import same_secret
from socialflow.core.settings import OAuthProviderSettings, Settings

STATE_TTL = timedelta(minutes=10)
STATE_COOKIE = "sf_oauth_state"
STATE_PURPOSE = "oauth-state"
# A provider that hangs must not hold a worker for long: bounded connect and read waits.
HTTP_TIMEOUT = httpx.Timeout(5.0, connect=3.0)
METADATA_TTL_SECONDS = 3600
# A discovery document or JWKS that could not be fetched is not asked for again this long.
FAILURE_TTL_SECONDS = 30
# Provider calls that may run at once per process (``api.auth`` runs them in their own
# small pool), so a slow provider cannot take every worker thread of the API.
OUTBOUND_CONCURRENCY = 8
MAX_SUBJECT_LENGTH = 255
ID_TOKEN_ALGORITHMS = ["RS256", "RS384", "RS512", "ES256", "ES384", "PS256"]

PRESETS: dict[str, dict[str, str | None]] = {
    "google": {
        "server_metadata_url": "https://accounts.google.com/.well-known/openid-configuration",
        "scope": "openid email profile",
    },
    "github": {
        "authorize_url": "https://github.com/login/oauth/authorize",
        "token_url": "https://github.com/login/oauth/access_token",
        "userinfo_url": "https://api.github.com/user",
        "scope": "read:user user:email",
    },
    "facebook": {
        "authorize_url": "https://www.facebook.com/v19.0/dialog/oauth",
        "token_url": "https://graph.facebook.com/v19.0/oauth/access_token",
        "userinfo_url": "https://graph.facebook.com/me?fields=id,name,email",
        "scope": "email public_profile",
    },
    "x": {
        "authorize_url": "https://twitter.com/i/oauth2/authorize",
        "token_url": "https://api.twitter.com/2/oauth2/token",
        "userinfo_url": "https://api.twitter.com/2/users/me",
        "scope": "users.read tweet.read",
    },
}


class OAuthFailed(Problem):
    status, slug, title = 400, "oauth-failed", "External sign-in failed"


@dataclass(frozen=True)
class Provider:
    """A provider with its endpoints resolved (preset, discovery, explicit settings)."""

    name: str
    kind: str  # "oidc" or a preset name
    client_id: str
    client_secret: str | None
    authorize_url: str
    token_url: str
    userinfo_url: str | None
    scope: str
    auth_method: str
    issuer: str | None = None
    jwks_uri: str | None = None
    # RFC 9207: the provider puts ``iss`` in its redirect back to us.
    iss_parameter_supported: bool = False


@dataclass(frozen=True)
class ExternalIdentity:
    subject: str
    email: str | None
    email_verified: bool
    username_hint: str
    display_name: str


@dataclass(frozen=True)
class LoginResult:
    user: User
    created: bool
    linked: bool


# ------------------------------------------------------------------ metadata

_metadata_cache: dict[str, tuple[float, dict[str, Any] | OAuthFailed]] = {}


def _get_json(url: str, **kwargs: Any) -> dict[str, Any]:
    try:
        response = httpx.get(url, timeout=HTTP_TIMEOUT, **kwargs)
        response.raise_for_status()
        data = response.json()
    except (httpx.HTTPError, ValueError) as exc:
        raise OAuthFailed(
            f"The sign-in provider could not be reached ({type(exc).__name__})."
        ) from exc
    if not isinstance(data, dict):
        raise OAuthFailed("The sign-in provider answered with something unexpected.")
    return data


def _cached_json(url: str) -> dict[str, Any]:
    """Discovery documents and JWKS: public, cached for an hour per process.

    A failure is cached too, for :data:`FAILURE_TTL_SECONDS`: while a provider
    is down or hangs, sign-ins through it fail at once instead of each waiting
    out the timeouts.
    """
    hit = _metadata_cache.get(url)
    if hit and hit[0] > time.monotonic():
        if isinstance(hit[1], OAuthFailed):
            raise OAuthFailed(hit[1].detail or "The sign-in provider could not be reached.")
        return hit[1]
    try:
        data = _get_json(url)
    except OAuthFailed as exc:
        _metadata_cache[url] = (time.monotonic() + FAILURE_TTL_SECONDS, exc)
        raise
    _metadata_cache[url] = (time.monotonic() + METADATA_TTL_SECONDS, data)
    return data


def configured(settings: Settings) -> dict[str, OAuthProviderSettings]:
    return settings.oauth


def resolve(settings: Settings, name: str) -> Provider:
    """The provider named ``name`` with all endpoints known; 404 if not configured."""
    config = settings.oauth.get(name)
    if config is None:
        raise NotFound(f"No sign-in provider named {name}.")
    preset = PRESETS.get(config.preset or "", {})
    values: dict[str, Any] = {**preset}
    for field in ("server_metadata_url", "authorize_url", "token_url", "userinfo_url", "scope"):
        explicit = getattr(config, field)
        if explicit:
            values[field] = explicit
    issuer = jwks_uri = None
    iss_parameter_supported = False
    if values.get("server_metadata_url"):
        metadata = _cached_json(str(values["server_metadata_url"]))
        values.setdefault("authorize_url", metadata.get("authorization_endpoint"))
        values.setdefault("token_url", metadata.get("token_endpoint"))
        values.setdefault("userinfo_url", metadata.get("userinfo_endpoint"))
        issuer, jwks_uri = metadata.get("issuer"), metadata.get("jwks_uri")
        iss_parameter_supported = (
            metadata.get("authorization_response_iss_parameter_supported") is True
        )
        values.setdefault("scope", "openid email profile")
    if not values.get("authorize_url") or not values.get("token_url"):
        raise OAuthFailed(f"Sign-in provider {name} has no authorization or token endpoint.")
    secret = config.client_secret.get_secret_value() if config.client_secret else None
    return Provider(
        name=name,
        kind="oidc" if issuer else (config.preset or "oauth2"),
        client_id=config.client_id,
        client_secret=secret,
        authorize_url=str(values["authorize_url"]),
        token_url=str(values["token_url"]),
        userinfo_url=values.get("userinfo_url"),
        scope=str(values.get("scope") or "openid email profile"),
        auth_method=config.token_endpoint_auth_method,
        issuer=issuer,
        jwks_uri=jwks_uri,
        iss_parameter_supported=iss_parameter_supported,
    )


def redirect_uri(settings: Settings, name: str) -> str:
    base = settings.oauth_redirect_url or f"{settings.public_url}{settings.api_prefix}/auth/oauth"
    return f"{base.rstrip('/')}/{name}/callback"


# ---------------------------------------------------------------- the flow


def start(settings: Settings, name: str) -> tuple[str, str]:
    """The provider's authorization URL and the signed state cookie to set."""
    provider = resolve(settings, name)
    state, verifier, nonce = generate_token(32), generate_token(64), generate_token(24)
    url = prepare_grant_uri(
        provider.authorize_url,
        provider.client_id,
        "code",
        redirect_uri=redirect_uri(settings, name),
        scope=provider.scope,
        state=state,
        code_challenge=create_s256_code_challenge(verifier),
        code_challenge_method="S256",
        **({"nonce": nonce} if provider.kind == "oidc" else {}),
    )
    cookie = pyjwt.encode(
        {
            "p": name,
            "s": state,
            "v": verifier,
            "n": nonce,
            "exp": datetime.now(UTC) + STATE_TTL,
        },
        derived_key(settings, "oauth-state"),
        algorithm="HS256",
    )
    return url, cookie


@dataclass(frozen=True)
class PendingSignIn:
    """A sign-in the browser started here (read from its state cookie)."""

    provider: str
    state: str
    verifier: str
    nonce: str
    expires_at: datetime


def read_state(settings: Settings, name: str, cookie: str | None, state: str) -> PendingSignIn:
    """The sign-in the state cookie holds, if it is ours, unexpired and for ``state``."""
    if not cookie:
        raise OAuthFailed("The sign-in session is missing; start again from the sign-in page.")
    try:
        data: dict[str, Any] = pyjwt.decode(
            cookie, derived_key(settings, "oauth-state"), algorithms=["HS256"]
        )
    except pyjwt.PyJWTError as exc:
        raise OAuthFailed("The sign-in session expired; start again.") from exc
    if data.get("p") != name or not same_secret(state, str(data.get("s", ""))):
        raise OAuthFailed("The sign-in state does not match; start again.")
    return PendingSignIn(
        provider=name,
        state=state,
        verifier=str(data["v"]),
        nonce=str(data["n"]),
        expires_at=datetime.fromtimestamp(int(data["exp"]), UTC),
    )


def consume_state(session: Session, pending: PendingSignIn) -> None:
    """Use the ``state`` once (atomically, see ``services.single_use``); the caller commits.

    A replayed or concurrent second callback with the same state is refused
    before anything is asked of the provider.
    """
    if not consume_token(
        session, purpose=STATE_PURPOSE, token_id=pending.state, expires_at=pending.expires_at
    ):
        raise OAuthFailed("This sign-in was already completed; start again.")


def check_response_issuer(provider: Provider, iss: str | None) -> None:
    """RFC 9207: the ``iss`` of the redirect must name the provider we sent the user to.

    Required when the provider says it sends one; checked whenever present.
    It stops a mix-up attack, where another provider's response is passed
    off as this one's.
    """
    if iss is None:
        if provider.iss_parameter_supported:
            raise OAuthFailed("The sign-in provider's response does not name its issuer.")
        return
    if provider.issuer is None or not same_secret(iss, provider.issuer):
        raise OAuthFailed("The sign-in response comes from another issuer.")


def _exchange_code(
    settings: Settings, provider: Provider, code: str, verifier: str
) -> dict[str, Any]:
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": redirect_uri(settings, provider.name),
        "code_verifier": verifier,
        "client_id": provider.client_id,
    }
    auth: tuple[str, str] | None = None
    if provider.client_secret and provider.auth_method == "client_secret_basic":
        auth = (provider.client_id, provider.client_secret)
    elif provider.client_secret and provider.auth_method == "client_secret_post":
        form["client_secret"] = provider.client_secret
    try:
        response = httpx.post(
            provider.token_url,
            data=form,
            auth=auth,
            headers={"Accept": "application/json"},
            timeout=HTTP_TIMEOUT,
        )
        token = response.json()
    except (httpx.HTTPError, ValueError) as exc:
        raise OAuthFailed("The sign-in provider's token endpoint failed.") from exc
    if response.status_code != 200 or not isinstance(token, dict) or "access_token" not in token:
        error = token.get("error") if isinstance(token, dict) else None
        raise OAuthFailed(
            f"The sign-in provider refused the code ({error or response.status_code})."
        )
    return token


def _verify_signature(provider: Provider, id_token: str) -> jose_jwt.Token:
    """Decode with the provider's JWKS; on failure refetch it once (keys rotate)."""
    assert provider.jwks_uri is not None
    for attempt in range(2):
        if attempt:
            _metadata_cache.pop(provider.jwks_uri, None)
        keys = KeySet.import_key_set(_cached_json(provider.jwks_uri))  # type: ignore[arg-type]
        try:
            return jose_jwt.decode(id_token, keys, algorithms=ID_TOKEN_ALGORITHMS)
        except (JoseError, ValueError) as exc:
            error = exc
    raise OAuthFailed("The sign-in provider's ID token is not valid.") from error


def _id_token_claims(provider: Provider, id_token: str, nonce: str) -> dict[str, Any]:
    assert provider.issuer is not None
    token = _verify_signature(provider, id_token)
    try:
        jose_jwt.JWTClaimsRegistry(
            iss={"essential": True, "value": provider.issuer},
            aud={"essential": True, "value": provider.client_id},
            sub={"essential": True},
            exp={"essential": True},
            nonce={"essential": True, "value": nonce},
            leeway=30,
        ).validate(token.claims)
    except (JoseError, ValueError) as exc:
        raise OAuthFailed("The sign-in provider's ID token is not valid.") from exc
    _check_authorized_party(provider, token.claims)
    return dict(token.claims)


def _check_authorized_party(provider: Provider, claims: dict[str, Any]) -> None:
    """OpenID Connect Core 3.1.3.7: a token for several audiences must say (``azp``) that
    it was issued to us, and an ``azp``, when present, must be our client id."""
    audiences = claims.get("aud")
    several = isinstance(audiences, list) and len(audiences) > 1
    azp = claims.get("azp")
    if (several and azp is None) or (azp is not None and azp != provider.client_id):
        raise OAuthFailed("The sign-in provider's ID token was issued to another client.")


def _userinfo(provider: Provider, access_token: str) -> dict[str, Any]:
    if not provider.userinfo_url:
        return {}
    return _get_json(provider.userinfo_url, headers={"Authorization": f"Bearer {access_token}"})


def _github_emails(provider: Provider, access_token: str) -> list[dict[str, Any]]:
    """GitHub's address list (``<userinfo_url>/emails``), which says which are verified."""
    if not provider.userinfo_url:
        return []
    response = httpx.get(
        f"{provider.userinfo_url.rstrip('/')}/emails",
        headers={"Authorization": f"Bearer {access_token}", "Accept": "application/json"},
        timeout=HTTP_TIMEOUT,
    )
    data = response.json() if response.status_code == 200 else []
    return data if isinstance(data, list) else []


def identity_from(provider: Provider, token: dict[str, Any], nonce: str) -> ExternalIdentity:
    """Normalize what the provider told us into one shape."""
    access_token = str(token["access_token"])
    if provider.kind == "oidc":
        if "id_token" not in token:
            raise OAuthFailed("The OpenID provider sent no ID token.")
        claims = _id_token_claims(provider, str(token["id_token"]), nonce)
        if "email" not in claims and provider.userinfo_url:
            info = _userinfo(provider, access_token)
            if str(info.get("sub")) == str(claims["sub"]):
                claims = {**info, **claims}
        verified = claims.get("email_verified") in (True, "true")
        return ExternalIdentity(
            subject=str(claims["sub"]),
            email=claims.get("email"),
            email_verified=verified,
            username_hint=str(claims.get("preferred_username") or claims.get("nickname") or ""),
            display_name=str(claims.get("name") or ""),
        )
    info = _userinfo(provider, access_token)
    if provider.kind == "x":
        data = info.get("data") or {}
        return ExternalIdentity(
            subject=str(data.get("id", "")),
            email=None,
            email_verified=False,
            username_hint=str(data.get("username") or ""),
            display_name=str(data.get("name") or ""),
        )
    email, verified = info.get("email"), False
    if provider.kind == "github":
        for entry in _github_emails(provider, access_token):
            if entry.get("primary") and entry.get("verified"):
                email, verified = entry.get("email"), True
    # Facebook does not promise the address was confirmed: never used to link.
    return ExternalIdentity(
        subject=str(info.get("id", "")),
        email=email,
        email_verified=verified,
        username_hint=str(info.get("login") or ""),
        display_name=str(info.get("name") or ""),
    )


def fetch_identity(
    settings: Settings, pending: PendingSignIn, *, code: str, iss: str | None
) -> ExternalIdentity:
    """Swap the code (with the PKCE verifier) and learn who signed in.

    Network only, no database: run it where a slow provider holds nothing
    else (``api.auth`` uses a small thread pool of its own).
    """
    provider = resolve(settings, pending.provider)
    check_response_issuer(provider, iss)
    token = _exchange_code(settings, provider, code, pending.verifier)
    identity = identity_from(provider, token, pending.nonce)
    if not identity.subject:
        raise OAuthFailed("The sign-in provider did not say who you are.")
    if len(identity.subject) > MAX_SUBJECT_LENGTH:
        raise OAuthFailed("The sign-in provider's user id is too long.")
    return identity


def sign_in(
    session: Session, *, provider: str, identity: ExternalIdentity, ip: str | None = None
) -> LoginResult:
    """Find, link or create the account of ``identity``; the caller commits."""
    return _sign_in(session, provider=provider, identity=identity, ip=ip)


def _sign_in(
    session: Session, *, provider: str, identity: ExternalIdentity, ip: str | None
) -> LoginResult:
    linked = session.exec(
        select(OAuthAccount).where(
            OAuthAccount.provider == provider, OAuthAccount.subject == identity.subject
        )
    ).first()
    if linked is not None:
        user = session.get(User, linked.user_id)
        if user is None or not session_service.may_sign_in(user):
            raise Forbidden("This account cannot sign in.", slug="account-unavailable")
        linked.last_login_at = utcnow()
        session.add(linked)
        return LoginResult(user=user, created=False, linked=False)

    # An address the provider did not verify is never used: not to link, not for a new
    # account (which could then be taken over by whoever proves the address later).
    email = identity.email.strip().lower() if identity.email and identity.email_verified else None
    user = None
    created = False
    if email:
        user = session.exec(select(User).where(User.email == email)).first()
        if user is not None:
            if not session_service.may_sign_in(user):
                raise Forbidden("This account cannot sign in.", slug="account-unavailable")
            if user.email_verified_at is None:
                _take_over(session, user=user, provider=provider, ip=ip)
    if user is None:
        user = _create_from(session, provider=provider, identity=identity, email=email)
        created = True
    assert user.id is not None
    session.add(
        OAuthAccount(
            user_id=user.id,
            provider=provider,
            subject=identity.subject,
            email=email,
            last_login_at=utcnow(),
        )
    )
    audit.record(
        session,
        "oauth_signup" if created else "oauth_linked",
        subject_user_id=user.id,
        actor_id=user.id,
        ip=ip,
        provider=provider,
    )
    return LoginResult(user=user, created=created, linked=not created)


def _take_over(session: Session, *, user: User, provider: str, ip: str | None) -> None:
    """Hand an account whose address was never proved to the identity that proves it.

    Whoever created the account may have been an attacker who registered the
    victim's address first: every way in they could have set up goes (password,
    sessions, other external identities, 2FA and its recovery codes).
    """
    assert user.id is not None
    user.password_hash = None
    user.token_version += 1
    session_service.revoke_all(session, user=user, reason="oauth-takeover")
    session.execute(delete(OAuthAccount).where(col(OAuthAccount.user_id) == user.id))
    session.execute(delete(TotpCredential).where(col(TotpCredential.user_id) == user.id))
    session.execute(delete(RecoveryCode).where(col(RecoveryCode.user_id) == user.id))
    user.email_verified_at = utcnow()
    user.state = AccountState.active.value
    session.add(user)
    audit.record(
        session,
        "oauth_takeover",
        subject_user_id=user.id,
        actor_id=user.id,
        ip=ip,
        provider=provider,
    )


def _create_from(
    session: Session, *, provider: str, identity: ExternalIdentity, email: str | None
) -> User:
    taken = email is not None and not _email_free(session, email)
    trusted = False
    if email is None or taken:
        digest = hashlib.sha256(f"{provider}:{identity.subject}".encode()).hexdigest()[:20]
        email, trusted = f"{provider}-{digest}@oauth.invalid", True
    hint = identity.username_hint or identity.display_name or (email.split("@")[0])
    return create_user(
        session=session,
        username=_free_username(session, hint),
        email=email,
        password=None,
        display_name=identity.display_name[:50],
        state=AccountState.active if identity.email_verified else AccountState.unverified,
        email_verified=identity.email_verified and not trusted,
        trusted_email=trusted,
    )


def _email_free(session: Session, email: str) -> bool:
    try:
        ensure_email_free(session, email)
    except Conflict:
        return False
    return True


def _free_username(session: Session, hint: str) -> str:
    base = re.sub(r"[^A-Za-z0-9_]", "", hint.replace(" ", "_").replace(".", "_"))[:24]
    if len(base) < 3:
        base = f"user_{base}"
    candidate = base
    while get_user_by_username(session=session, username=candidate) is not None:
        candidate = f"{base}_{secrets.randbelow(100000)}"
    return candidate
