"""OAuth 2.0 / OpenID Connect sign-in flow (authlib for the protocol, joserfc for ID tokens).

The authorization-code flow always uses ``state`` and PKCE (S256), plus a
``nonce`` for OIDC. The three values travel in a short-lived cookie signed
with a key derived from ``secret_key``, so the API stays stateless and a
callback from another browser (login CSRF) fails.

ID tokens are checked for issuer, audience, ``azp`` (OIDC Core 3.1.3.7),
expiry and nonce; the redirect's ``iss`` (RFC 9207) for the provider's issuer;
``state`` is used once. The providers and their endpoints are
:mod:`socialflow.accounts.oauth_providers`; the account an identity signs in
to is :mod:`socialflow.accounts.oauth_accounts`.
"""

from __future__ import annotations

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
from sqlmodel import Session

from socialflow.accounts.oauth_providers import (
    HTTP_TIMEOUT,
    OAuthFailed,
    Provider,
    cached_json,
    forget_cached,
    get_json,
    redirect_uri,
    resolve,
)
from socialflow.accounts.single_use import consume_token
from socialflow.accounts.tokens import derived_key
from socialflow.core.inputs import same_secret
from socialflow.core.settings import Settings

STATE_TTL = timedelta(minutes=10)
STATE_COOKIE = "sf_oauth_state"
STATE_PURPOSE = "oauth-state"
# Provider calls that may run at once per process (the OAuth routes run them in their own
# small pool), so a slow provider cannot take every worker thread of the API.
OUTBOUND_CONCURRENCY = 8
MAX_SUBJECT_LENGTH = 255
ID_TOKEN_ALGORITHMS = ["RS256", "RS384", "RS512", "ES256", "ES384", "PS256"]


@dataclass(frozen=True)
class ExternalIdentity:
    subject: str
    email: str | None
    email_verified: bool
    username_hint: str
    display_name: str


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
            forget_cached(provider.jwks_uri)
        keys = KeySet.import_key_set(cached_json(provider.jwks_uri))  # type: ignore[arg-type]
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
    return get_json(provider.userinfo_url, headers={"Authorization": f"Bearer {access_token}"})


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
    else (the OAuth routes use a small thread pool of their own).
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
