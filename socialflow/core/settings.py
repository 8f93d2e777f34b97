"""Settings: ``SOCIALFLOW_*`` environment variables over ``socialflow.toml``.

Precedence, highest first: keyword arguments, environment variables,
``<project_dir>/socialflow.toml``, defaults. The project directory is the
``project_dir`` argument, else ``SOCIALFLOW_PROJECT_DIR``, else the current
directory; embedded defaults (SQLite database, media folder, broker file) live
inside it so a project is one folder.
"""

from __future__ import annotations

import difflib
import importlib.util
import ipaddress
import json
import logging
import os
import secrets
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar, get_args, get_origin

from pydantic import (
    BaseModel,
    BeforeValidator,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings, NoDecode, PydanticBaseSettingsSource, SettingsConfigDict
from pydantic_settings import SettingsError as SourceError

from socialflow.core.secret_strength import MIN_SECRET_BITS, estimate_secret_bits

SETTINGS_FILE = "socialflow.toml"
ENV_PREFIX = "SOCIALFLOW_"
# Secrets that must never run in production: the documented example and empties.
WEAK_SECRETS = frozenset({"", "change-me", "changeme", "secret", "dev", "development"})
MIN_SECRET_LENGTH = 32
SECRET_HOWTO = "python -c 'import secrets; print(secrets.token_urlsafe(48))'"  # noqa: S105

ModelT = TypeVar("ModelT", bound=BaseModel)


class SettingsError(Exception):
    """Settings are invalid; the message names the setting and the fix."""


def _split_list(value: Any) -> Any:
    """A list setting from the environment: ``a``, ``a,b`` or a JSON list ``["a", "b"]``.

    People type ``SOCIALFLOW_CORS_ORIGINS=https://app.example``; only a value
    that looks like JSON (starts with ``[``) is read as JSON.
    """
    if not isinstance(value, str):
        return value
    if value.lstrip().startswith("["):
        try:
            return json.loads(value)
        except json.JSONDecodeError as exc:
            raise ValueError(
                f"not a valid JSON list ({exc.msg}); write a,b or a JSON list of strings"
            ) from exc
    return [part.strip() for part in value.split(",") if part.strip()]


# A list of strings that environment variables give as "a,b" or a JSON list.
# NoDecode: pydantic-settings would otherwise insist on JSON and fail on "a".
CommaList = Annotated[list[str], NoDecode, BeforeValidator(_split_list)]


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


def _project_dir_from(init_kwargs: dict[str, Any]) -> Path:
    raw = init_kwargs.get("project_dir") or os.environ.get(f"{ENV_PREFIX}PROJECT_DIR") or "."
    return Path(raw).expanduser().resolve()


class ProjectTomlSource(PydanticBaseSettingsSource):
    """Reads ``socialflow.toml`` from the project directory, if there is one."""

    def __init__(self, settings_cls: type[BaseSettings], init_kwargs: dict[str, Any]) -> None:
        super().__init__(settings_cls)
        self.path = _project_dir_from(init_kwargs) / SETTINGS_FILE

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        # Unused: __call__ returns the whole file at once.
        return None, field_name, False

    def __call__(self) -> dict[str, Any]:
        if not self.path.is_file():
            return {}
        try:
            with self.path.open("rb") as fh:
                data = tomllib.load(fh)
        except tomllib.TOMLDecodeError as exc:
            raise SettingsError(
                f"{self.path} is not valid TOML: {exc}. Fix the file, or move it away "
                "to run on the defaults."
            ) from exc
        # [socialflow] table or top-level keys are both accepted.
        return dict(data.get("socialflow", data))


class OAuthProviderSettings(BaseModel):
    """One ``[oauth.<name>]`` login provider.

    ``preset`` fills the endpoints of a well-known provider (google, github,
    facebook, x); a generic OpenID Connect provider needs only
    ``server_metadata_url`` (its discovery document). Explicit URLs override.
    """

    model_config = {"extra": "forbid"}

    preset: Literal["google", "github", "facebook", "x"] | None = None
    client_id: str
    client_secret: SecretStr | None = None
    server_metadata_url: str | None = Field(
        default=None, description="OIDC discovery URL (.../.well-known/openid-configuration)."
    )
    authorize_url: str | None = None
    token_url: str | None = None
    userinfo_url: str | None = None
    scope: str | None = None
    token_endpoint_auth_method: Literal["client_secret_basic", "client_secret_post", "none"] = (
        "client_secret_basic"  # noqa: S105 - a method name
    )
    display_name: str | None = None


class RateLimitSettings(BaseModel):
    """Limits in the ``limits`` library's notation (``"10/minute"``, ``"5 per 15 minutes"``)."""

    model_config = {"extra": "forbid"}

    enabled: bool = True
    login_per_ip: str = "30/minute"
    login_per_account: str = "10/minute"
    register_per_ip: str = "10/hour"
    password_reset_per_ip: str = "10/hour"  # noqa: S105 - a rate
    password_reset_per_account: str = "3/hour"  # noqa: S105 - a rate
    two_factor_per_account: str = "10/5 minutes"
    oauth_authorize_per_ip: str = "20/minute"
    # Progressive lockout: failed logins of one account, each tier stricter and longer.
    lockout_tiers: list[str] = Field(
        default_factory=lambda: ["5/5 minutes", "10/hour", "20/day"],
        description="Failed logins per account before a lockout, shortest window first.",
    )


class Settings(BaseSettings):
    """Everything configurable about a socialflow platform."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX,
        env_nested_delimiter="__",
        extra="forbid",
        validate_default=True,
    )

    # --- project
    project_dir: Path = Field(default=Path("."), description="Folder holding the project's files.")
    environment: Literal["development", "test", "production"] = "development"
    secret_key: SecretStr | None = Field(
        default=None, description="Signs tokens and URLs; `socialflow new` generates one."
    )
    site_name: str = "socialflow"
    public_url: str = Field(
        default="http://127.0.0.1:8000",
        description="Base URL clients reach the API at; used in signed media URLs, mail links "
        "and as the token issuer. Unset, `socialflow serve` uses where it listens.",
    )
    api_prefix: str = "/api/v1"
    cors_origins: CommaList = Field(
        default_factory=list,
        description="Browser origins allowed: one, a,b or a JSON list (SOCIALFLOW_CORS_ORIGINS).",
    )

    # --- HTTP edge: body limit, proxies, headers, what is exposed (docs/operators.md)
    max_body_bytes: int = Field(
        default=1024 * 1024,
        ge=1024,
        description="Largest request body of every route that does not stream its own "
        "(uploads have their own limits); 413 above, counted as it arrives.",
    )
    trusted_proxies: CommaList = Field(
        default_factory=list,
        description="Addresses or networks (10.0.0.0/8) of proxies whose X-Forwarded-For "
        "and X-Forwarded-Proto are believed; none by default, '*' trusts every peer.",
    )
    hsts_max_age_seconds: int = Field(
        default=365 * 24 * 3600,
        ge=0,
        description="Strict-Transport-Security max-age on HTTPS responses; 0 sends none.",
    )
    expose_docs: bool | None = Field(
        default=None,
        description="Serve /docs, /redoc and /openapi.json; default on except in production.",
    )
    metrics_token: SecretStr | None = Field(
        default=None,
        description="Bearer token /metrics requires; without one /metrics is open outside "
        "production and off in production.",
    )

    # --- database
    database_url: str | None = Field(
        default=None, description="SQLAlchemy URL; defaults to SQLite in the project folder."
    )
    database_pool_size: int = Field(default=10, ge=1)
    database_max_overflow: int = Field(default=20, ge=0)
    database_echo: bool = False
    sqlite_busy_timeout_ms: int = Field(default=5000, ge=0)

    # --- redis, celery
    redis_url: str | None = None
    redis_namespace: str = Field(
        default="socialflow",
        pattern=r"^[A-Za-z0-9_.:-]{1,64}$",
        description="Prefix of every Redis key (app and Celery), so deployments can share one.",
    )
    celery_namespace: str | None = Field(
        default=None,
        pattern=r"^[A-Za-z0-9_.:-]{1,64}$",
        description="Prefix of Celery's Redis keys (queues, results) when it must differ from "
        "redis_namespace: projects that share one pool of workers but keep their data apart.",
    )
    broker_url: str | None = Field(
        default=None, description="Celery broker; Redis if redis_url is set, else a SQLite file."
    )
    task_always_eager: bool = Field(
        default=False, description="Run Celery tasks inline (tests that need no worker)."
    )

    # --- providers (chosen by name among what plugins register)
    storage: str = "local"
    # None: no provider until one is installed and named (the feature is then unavailable).
    payments: str | None = None
    ranker: str = "chronological"
    streaming: str | None = None
    search: str = "sql"
    moderation: str | None = None
    notification_channels: CommaList = Field(default_factory=lambda: ["console"])

    # --- social graph, posts and feeds
    post_max_length: int = Field(default=500, ge=1, le=5000)
    fanout_threshold: int = Field(
        default=10_000,
        ge=1,
        description="Accounts with at least this many followers are merged into home "
        "feeds at read time instead of fanned out on write (hybrid fan-out).",
    )
    fanout_chunk_size: int = Field(
        default=1000, ge=1, description="Followers written per fan-out task."
    )
    timeline_max_length: int = Field(
        default=800, ge=20, description="Entries kept per home timeline (older ones trimmed)."
    )
    trending_bucket_seconds: int = Field(default=300, ge=10)
    feed_cache_seconds: float = Field(
        default=2.0,
        ge=0,
        le=300,
        description="How long a served feed page body may be sent again while nothing "
        "the viewer may see has changed (without Redis: how long anything in the feed "
        "cache is kept); 0 turns the feed cache off (docs/social.md, Feed cache).",
    )
    feed_cache_max_entries: int = Field(
        default=20_000,
        ge=0,
        description="Entries kept per process in each feed cache (pages, skeletons, posts...).",
    )
    trending_prune_interval_seconds: int = Field(
        default=3600,
        ge=1,
        description="How often Celery beat queues the trending prune (old buckets dropped).",
    )

    # --- apps and plugins
    disabled_apps: CommaList = Field(
        default_factory=list,
        description="Optional apps switched off: their routes, tasks, commands and "
        "migrations are absent (SOCIALFLOW_DISABLED_APPS=live,ads).",
    )
    plugins: CommaList | None = Field(
        default=None,
        description="If set, only these entry-point plugins load (SOCIALFLOW_PLUGINS=a,b); "
        "apps always load (switch optional ones off with disabled_apps).",
    )
    plugin_modules: CommaList = Field(
        default_factory=list, description="Extra modules to register as plugins."
    )
    plugin: dict[str, dict[str, Any]] = Field(
        default_factory=dict, description="Per-plugin sections: [plugin.<name>] in the TOML."
    )

    # --- accounts: tokens, mail, OAuth login, rate limits, avatars
    jwt_algorithm: Literal["HS256", "HS384", "HS512"] = Field(
        default="HS256",
        description="The only algorithm access tokens are signed and accepted with.",
    )
    access_token_ttl_seconds: int = Field(default=900, ge=30, le=86400)
    refresh_token_ttl_days: int = Field(default=30, ge=1, le=365)
    email_verification_ttl_seconds: int = Field(default=48 * 3600, ge=60)
    password_reset_ttl_seconds: int = Field(default=3600, ge=60)
    mail_channel: str = Field(
        default="console",
        description="Notification channel that delivers account mail (smtp in production).",
    )
    email_verify_url: str = Field(
        default="{public_url}/verify-email?token={token}",
        description="Link in the verification mail; {public_url} and {token} are filled in.",
    )
    password_reset_url: str = "{public_url}/reset-password?token={token}"  # noqa: S105 - a URL
    email_change_url: str = "{public_url}/confirm-email?token={token}"
    smtp_host: str = "127.0.0.1"
    smtp_port: int = Field(default=25, ge=1, le=65535)
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_security: Literal["none", "starttls", "ssl"] = "none"
    smtp_from: str = "socialflow <no-reply@localhost>"
    smtp_timeout_seconds: float = Field(default=10, gt=0)
    oauth: dict[str, OAuthProviderSettings] = Field(
        default_factory=dict, description="Login providers: [oauth.<name>] tables."
    )
    oauth_redirect_url: str | None = Field(
        default=None,
        description="Callback base sent to providers; default {public_url}{api_prefix}/auth/oauth.",
    )
    rate_limits: RateLimitSettings = Field(default_factory=RateLimitSettings)
    avatar_max_bytes: int = Field(default=5 * 1024 * 1024, ge=1024)
    avatar_max_pixels: int = Field(default=40_000_000, ge=10_000)
    avatar_size: int = Field(default=512, ge=32, le=4096)

    # --- media
    media_dir: Path | None = Field(default=None, description="Local storage folder.")

    # --- post images (docs/social.md, "Images")
    image_max_bytes: int = Field(
        default=10 * 1024 * 1024, ge=1024, description="Largest image upload in bytes (413 above)."
    )
    image_max_pixels: int = Field(
        default=40_000_000,
        ge=10_000,
        description="Most pixels an uploaded image may declare (decompression-bomb guard, 422).",
    )
    image_max_edge: int = Field(
        default=4096, ge=64, le=16384, description="Long edge a stored image is scaled down to."
    )
    image_thumbnail_edge: int = Field(
        default=400, ge=32, le=2048, description="Long edge of an image's thumbnail."
    )
    post_max_images: int = Field(default=4, ge=1, le=20, description="Images one post may carry.")
    image_decode_concurrency: int = Field(
        default=2, ge=1, description="Image decodes (uploads, avatars) run at once per process."
    )
    image_unattached_seconds: int = Field(
        default=24 * 3600,
        ge=60,
        description="An uploaded image no post uses is deleted by the media sweep after this.",
    )

    # --- video: uploads, processing, playback (docs/video.md)
    upload_max_size: int = Field(
        default=4 * 1024**3, ge=1, description="Largest tus upload in bytes (413 above)."
    )
    upload_expires_seconds: int = Field(
        default=24 * 3600,
        ge=60,
        description="An unfinished upload expires this long after its last PATCH.",
    )
    upload_lock_seconds: int = Field(
        default=60, ge=5, description="Lease of a PATCH's lock; renewed while bytes flow."
    )
    # Per-account upload quotas, checked when an upload is created (429 above;
    # admins are exempt; 0 or unset = unlimited). See docs/video.md.
    upload_quota_uploads_in_flight: int | None = Field(
        default=10, ge=0, description="Unfinished, unexpired uploads an account may have at once."
    )
    upload_quota_bytes_in_flight: int | None = Field(
        default=16 * 1024**3,
        ge=0,
        description="Sum of the declared Upload-Length of an account's unfinished uploads.",
    )
    upload_quota_bytes_per_day: int | None = Field(
        default=64 * 1024**3,
        ge=0,
        description="Upload-Length an account may declare per rolling 24 hours.",
    )
    video_max_duration: float = Field(
        default=4 * 3600, gt=0, description="Longest accepted video, seconds."
    )
    video_max_pixels: int = Field(
        default=4096 * 2304, gt=0, description="Largest accepted frame (width x height)."
    )
    video_max_height: int = Field(default=1080, ge=240, description="Tallest rendition made.")
    hls_segment_seconds: int = Field(default=4, ge=2, le=10)
    media_preset: str = Field(default="veryfast", pattern=r"^[a-z]+$", description="x264 preset.")
    media_probe_timeout: float = Field(default=30, gt=0, description="Wall clock for ffprobe, s.")
    media_job_timeout: float = Field(
        default=4 * 3600, gt=0, description="Wall clock for one transcode, seconds."
    )
    media_memory_limit_mb: int = Field(
        default=4096,
        ge=384,  # below this even ffprobe cannot map its libraries: every video would fail
        description="Address-space limit of ffmpeg/ffprobe processes.",
    )
    media_job_stale_seconds: int = Field(
        default=120,
        ge=1,
        description="A processing job silent this long is presumed dead and rerun.",
    )
    media_sweep_interval: int = Field(
        default=300,
        ge=1,
        description="How often Celery beat queues the sweep of stale jobs and expired uploads "
        "(seconds; every worker also sweeps once when it starts).",
    )
    media_url_expires: int = Field(
        default=6 * 3600, ge=60, description="Signed media URL lifetime."
    )
    view_window_seconds: int = Field(
        default=6 * 3600, ge=1, description="One view per viewer per video per window."
    )

    # --- logging
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    log_json: bool = True

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        init_kwargs = getattr(init_settings, "init_kwargs", {})
        return (init_settings, env_settings, ProjectTomlSource(settings_cls, init_kwargs))

    @field_validator("trusted_proxies")
    @classmethod
    def _proxies_are_addresses(cls, value: list[str]) -> list[str]:
        for entry in value:
            if entry != "*":
                try:
                    ipaddress.ip_network(entry, strict=False)
                except ValueError:
                    raise ValueError(
                        f"{entry!r} is not an IP address or network (10.0.0.1, 10.0.0.0/8) or *"
                    ) from None
        return value

    @model_validator(mode="after")
    def _fill_project_defaults(self) -> Settings:
        self.project_dir = self.project_dir.expanduser().resolve()
        if self.database_url is None:
            self.database_url = f"sqlite:///{self.project_dir / 'socialflow.db'}"
        if self.media_dir is None:
            self.media_dir = self.project_dir / "media"
        if self.broker_url is None:
            self.broker_url = (
                self.redis_url
                or f"sqla+sqlite:///{self.project_dir / '.socialflow' / 'broker.sqlite'}"
            )
        if self.public_url.endswith("/"):  # assigning marks it set (cli/listener.py asks)
            self.public_url = self.public_url.rstrip("/")
        return self

    @model_validator(mode="after")
    def _require_installed_drivers(self) -> Settings:
        # A missing driver would otherwise surface later as a raw ModuleNotFoundError.
        uses_postgres = str(self.database_url).startswith(("postgres://", "postgresql"))
        if uses_postgres and not _installed("psycopg"):
            raise ValueError(
                "database_url is a PostgreSQL URL and PostgreSQL needs the psycopg driver, "
                "which is not installed: pip install 'socialflow[postgres]'"
            )
        uses_redis = any(
            str(url or "").startswith(("redis://", "rediss://", "unix://"))
            for url in (self.redis_url, self.broker_url)
        )
        if uses_redis and not _installed("redis"):
            raise ValueError(
                "redis_url (or broker_url) points at Redis and Redis needs the redis "
                "client, which is not installed: pip install 'socialflow[redis]'"
            )
        return self

    @model_validator(mode="after")
    def _refuse_unsafe_production_settings(self) -> Settings:
        if self.environment != "production":
            return self
        secret = self.secret_key.get_secret_value() if self.secret_key else ""
        problem = weak_secret_problem("secret_key", secret)
        if problem is None and self.metrics_token is not None:
            problem = weak_secret_problem("metrics_token", self.metrics_token.get_secret_value())
        if problem:
            raise ValueError(problem)
        if self.mail_channel == "console":
            raise ValueError(
                "mail_channel is `console`, which writes account mail (sign-in and reset "
                "links) to the log, and environment is production. Set mail_channel = "
                '"smtp" (SOCIALFLOW_MAIL_CHANNEL) with smtp_host and smtp_port, or another '
                "installed notification channel."
            )
        return self

    # ------------------------------------------------------------------ helpers

    @property
    def is_sqlite(self) -> bool:
        return str(self.database_url).startswith("sqlite")

    @property
    def docs_exposed(self) -> bool:
        """Whether /docs, /redoc and /openapi.json are served (expose_docs, else not in
        production)."""
        if self.expose_docs is not None:
            return self.expose_docs
        return self.environment != "production"

    @property
    def state_dir(self) -> Path:
        """Folder for embedded-default state files (broker, locks)."""
        return self.project_dir / ".socialflow"

    def secret(self) -> str:
        """The signing secret. Outside production a missing one is made up per process."""
        if self.secret_key is not None:
            return self.secret_key.get_secret_value()
        generated = secrets.token_urlsafe(48)
        self.secret_key = SecretStr(generated)
        return generated

    def plugin_config(self, section: str, model: type[ModelT]) -> ModelT:
        """Validate the ``[plugin.<section>]`` table against a plugin's model."""
        try:
            return model.model_validate(self.plugin.get(section, {}))
        except ValidationError as exc:
            raise SettingsError(
                _explain(exc, prefix=f"plugin.{section}.", env=f"PLUGIN__{section.upper()}__")
            ) from exc


def _installed(module: str) -> bool:
    """Whether ``module`` can be imported, without importing it (start-up stays fast)."""
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        return False


def _explain(exc: ValidationError, *, prefix: str = "", env: str = "") -> str:
    lines = []
    for error in exc.errors():
        message = error["msg"].removeprefix("Value error, ")
        if not error["loc"]:
            lines.append(message)
            continue
        name = ".".join(str(part) for part in error["loc"])
        env_name = f"{ENV_PREFIX}{env}{name.upper().replace('.', '__')}"
        lines.append(
            f"setting `{prefix}{name}`: {message}. "
            f"Fix `{prefix}{name}` in {SETTINGS_FILE} or the {env_name} environment variable."
        )
    return "Invalid settings:\n  " + "\n  ".join(lines)


def require_plugin_settings(
    config: BaseModel, *, section: str, names: tuple[str, ...], provider: str
) -> None:
    """Fail naming each missing key of a plugin section that its active provider needs.

    A plugin's settings model keeps such keys optional, so that merely
    installing the plugin never breaks a project that does not use it; the
    provider calls this when it is built (at start, for active providers).
    """
    missing = [name for name in names if getattr(config, name, None) is None]
    if missing:
        raise SettingsError(
            "; ".join(
                f"setting `plugin.{section}.{name}` is required when {provider}. Set `{name}` "
                f"under [plugin.{section}] in {SETTINGS_FILE} or the "
                f"{ENV_PREFIX}PLUGIN__{section.upper()}__{name.upper()} environment variable"
                for name in missing
            )
        )


# ``SOCIALFLOW_*`` variables that are not settings: the test kit's knobs
# (socialflow.testing), the CLI's own. Plugins may add theirs here.
NON_SETTING_ENV_PREFIXES: set[str] = {f"{ENV_PREFIX}TEST_", f"{ENV_PREFIX}CONFORMANCE_"}
NON_SETTING_ENV_VARS: set[str] = {f"{ENV_PREFIX}NEW_USER_PASSWORD"}
_settings_logger = logging.getLogger("socialflow.core.settings")
_warned_env_vars: set[str] = set()


def _known_path(model: type[BaseModel], parts: list[str]) -> tuple[bool, str | None]:
    """Whether ``parts`` (lower-case, split on ``__``) name a setting of ``model``; if not,
    the closest valid name as a dotted path (None if nothing is close)."""
    head, rest = parts[0], parts[1:]
    fields = model.model_fields
    if head not in fields:
        matches = difflib.get_close_matches(head, list(fields), n=1)
        return False, matches[0] if matches else None
    path = [head]
    annotation: Any = fields[head].annotation
    while rest and annotation is not Any:
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            known, close = _known_path(annotation, rest)
            return known, ".".join([*path, close]) if close else None
        if get_origin(annotation) is not dict:
            return False, ".".join(path)  # a plain value has no parts
        path.append(rest[0])  # a dict's keys are free (``oauth.<provider>``)
        annotation, rest = get_args(annotation)[1], rest[1:]
    return True, None


def unknown_env_vars(environ: Mapping[str, str]) -> list[tuple[str, str | None]]:
    """``SOCIALFLOW_*`` variables that name no setting, each with the closest setting's
    variable (or None). Nested settings use ``__``: ``SOCIALFLOW_RATE_LIMITS__ENABLED``."""
    found = []
    for name in environ:
        upper = name.upper()  # pydantic-settings reads them case-insensitively
        if not upper.startswith(ENV_PREFIX) or upper in NON_SETTING_ENV_VARS:
            continue
        if any(upper.startswith(prefix) for prefix in NON_SETTING_ENV_PREFIXES):
            continue
        parts = upper.removeprefix(ENV_PREFIX).lower().split("__")
        known, close = _known_path(Settings, parts)
        if not known:
            suggestion = ENV_PREFIX + close.upper().replace(".", "__") if close else None
            found.append((name, suggestion))
    return found


def _warn_about_unknown_env_vars() -> None:
    """A misspelled variable is otherwise silently ignored (a misspelled TOML key fails)."""
    for name, suggestion in unknown_env_vars(os.environ):
        if name in _warned_env_vars:
            continue
        _warned_env_vars.add(name)
        hint = f"; did you mean {suggestion}?" if suggestion else ""
        _settings_logger.warning(
            "Ignoring environment variable %s: no socialflow setting has that name%s",
            name,
            hint,
        )


def load_settings(project_dir: str | Path | None = None, **overrides: Any) -> Settings:
    """Build :class:`Settings`, turning validation errors into :class:`SettingsError`.

    Warns (once per process, on the ``socialflow.core.settings`` logger) about each
    ``SOCIALFLOW_*`` environment variable that names no setting.
    """
    if project_dir is not None:
        overrides["project_dir"] = Path(project_dir)
    _warn_about_unknown_env_vars()
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        raise SettingsError(_explain(exc)) from exc
    except SourceError as exc:  # a value pydantic-settings could not even decode
        raise SettingsError(
            f"Invalid settings: {exc}. Fix it in {SETTINGS_FILE} or the environment."
        ) from exc
