"""Checks the settings model runs on itself: addresses, drivers, production safety.

Each returns the value or raises :class:`ValueError` with a message that
names the setting and the fix; pydantic turns it into a validation error and
:func:`~socialflow.core.settings.base.explain` into a :class:`SettingsError`.
"""

from __future__ import annotations

import importlib.util
import ipaddress
from typing import TYPE_CHECKING

from socialflow.core.secret_strength import MIN_SECRET_BITS, estimate_secret_bits
from socialflow.core.settings.base import ENV_PREFIX, SETTINGS_FILE

if TYPE_CHECKING:
    from socialflow.core.settings.model import Settings

# Secrets that must never run in production: the documented example and empties.
WEAK_SECRETS = frozenset({"", "change-me", "changeme", "secret", "dev", "development"})
MIN_SECRET_LENGTH = 32
SECRET_HOWTO = "python -c 'import secrets; print(secrets.token_urlsafe(48))'"  # noqa: S105


def weak_secret_problem(name: str, secret: str) -> str | None:
    """Why ``secret`` (the value of setting ``name``) may not run in production, or None."""
    if secret.lower() in WEAK_SECRETS:
        problem = "missing or a known default"
    elif len(secret) < MIN_SECRET_LENGTH:
        problem = f"shorter than {MIN_SECRET_LENGTH} characters"
    elif estimate_secret_bits(secret) < MIN_SECRET_BITS:
        problem = (
            "too predictable (repeated characters, runs like abc or 123, or a repeated "
            f"pattern; it needs about {MIN_SECRET_BITS} bits of randomness)"
        )
    else:
        return None
    env = f"{ENV_PREFIX}{name.upper()}"
    return (
        f"{name} is {problem}, and environment is production. Set {env} (or {name} in "
        f"{SETTINGS_FILE}) to a random value such as the output of `{SECRET_HOWTO}`."
    )


def _installed(module: str) -> bool:
    """Whether ``module`` can be imported, without importing it (start-up stays fast)."""
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        return False


def proxies_are_addresses(value: list[str]) -> list[str]:
    """``trusted_proxies``: each entry an IP address or network, or ``*``."""
    for entry in value:
        if entry != "*":
            try:
                ipaddress.ip_network(entry, strict=False)
            except ValueError:
                raise ValueError(
                    f"{entry!r} is not an IP address or network (10.0.0.1, 10.0.0.0/8) or *"
                ) from None
    return value


def require_installed_drivers(settings: Settings) -> Settings:
    """The database and broker drivers the URLs need are installed."""
    # A missing driver would otherwise surface later as a raw ModuleNotFoundError.
    uses_postgres = str(settings.database_url).startswith(("postgres://", "postgresql"))
    if uses_postgres and not _installed("psycopg"):
        raise ValueError(
            "database_url is a PostgreSQL URL and PostgreSQL needs the psycopg driver, "
            "which is not installed: pip install 'socialflow[postgres]'"
        )
    uses_redis = any(
        str(url or "").startswith(("redis://", "rediss://", "unix://"))
        for url in (settings.redis_url, settings.broker_url)
    )
    if uses_redis and not _installed("redis"):
        raise ValueError(
            "redis_url (or broker_url) points at Redis and Redis needs the redis "
            "client, which is not installed: pip install 'socialflow[redis]'"
        )
    return settings


def refuse_unsafe_production_settings(settings: Settings) -> Settings:
    """In production: strong secrets, and account mail that does not go to the log."""
    if settings.environment != "production":
        return settings
    secret = settings.secret_key.get_secret_value() if settings.secret_key else ""
    problem = weak_secret_problem("secret_key", secret)
    if problem is None and settings.metrics_token is not None:
        problem = weak_secret_problem("metrics_token", settings.metrics_token.get_secret_value())
    if problem:
        raise ValueError(problem)
    if settings.mail_channel == "console":
        raise ValueError(
            "mail_channel is `console`, which writes account mail (sign-in and reset "
            "links) to the log, and environment is production. Set mail_channel = "
            '"smtp" (SOCIALFLOW_MAIL_CHANNEL) with smtp_host and smtp_port, or another '
            "installed notification channel."
        )
    return settings
