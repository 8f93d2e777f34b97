"""OAuth / OpenID Connect providers: presets, discovery and their endpoints resolved.

Providers come from the ``oauth`` setting: a generic OIDC provider needs only
its discovery URL, client id and secret; ``preset`` fills in Google, GitHub,
Facebook or X; explicit URLs override. Discovery documents and JWKS are
public and cached per process; provider calls have bounded timeouts, and a
failed discovery is remembered for a short while so that sign-ins through a
provider that is down fail at once.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import httpx

from socialflow.core.errors import NotFound, Problem
from socialflow.core.settings import OAuthProviderSettings, Settings

# A provider that hangs must not hold a worker for long: bounded connect and read waits.
HTTP_TIMEOUT = httpx.Timeout(5.0, connect=3.0)
METADATA_TTL_SECONDS = 3600
# A discovery document or JWKS that could not be fetched is not asked for again this long.
FAILURE_TTL_SECONDS = 30

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


# ------------------------------------------------------------------ metadata

_metadata_cache: dict[str, tuple[float, dict[str, Any] | OAuthFailed]] = {}


def get_json(url: str, **kwargs: Any) -> dict[str, Any]:
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


def cached_json(url: str) -> dict[str, Any]:
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
        data = get_json(url)
    except OAuthFailed as exc:
        _metadata_cache[url] = (time.monotonic() + FAILURE_TTL_SECONDS, exc)
        raise
    _metadata_cache[url] = (time.monotonic() + METADATA_TTL_SECONDS, data)
    return data


def forget_cached(url: str) -> None:
    """Drop ``url`` from the cache (a JWKS whose keys rotated is fetched again)."""
    _metadata_cache.pop(url, None)


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
        metadata = cached_json(str(values["server_metadata_url"]))
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
