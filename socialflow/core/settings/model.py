"""The :class:`Settings` model: every setting of a platform, with its default and doc.

One model, its fields grouped by section (project, HTTP edge, database,
Redis and Celery, providers, graph and feeds, apps and plugins, accounts,
media and post images, video, logging):
pydantic-settings reads one class, and a setting's comment sits beside its
field. The checks the model runs on itself are in :mod:`.checks`, the
nested tables in :mod:`.sections`, loading and error messages in
:mod:`.loading` and :mod:`.base`.
"""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from socialflow.core.settings import checks
from socialflow.core.settings.base import (
    ENV_PREFIX,
    CommaList,
    ProjectTomlSource,
    SettingsError,
    explain,
)
from socialflow.core.settings.sections import OAuthProviderSettings, RateLimitSettings

ModelT = TypeVar("ModelT", bound=BaseModel)


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
    # "none" allows everything (socialflow.builtins.moderators); plugins add models.
    moderation: str = "none"
    notification_channels: CommaList = Field(default_factory=lambda: ["console"])
    # Sentence embedder (socialflow_text_embedders); None: the only one installed, if any.
    text_embedder: str | None = None

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
        return checks.proxies_are_addresses(value)

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
        return checks.require_installed_drivers(self)

    @model_validator(mode="after")
    def _refuse_unsafe_production_settings(self) -> Settings:
        return checks.refuse_unsafe_production_settings(self)

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
        """Validate the ``[plugin.<section>]`` table against a plugin's model.

        The model's validators get ``{"environment": ...}`` as their validation
        context (``info.context``), so a plugin can refuse values that are unsafe
        in production the way the core settings do.
        """
        try:
            return model.model_validate(
                self.plugin.get(section, {}), context={"environment": self.environment}
            )
        except ValidationError as exc:
            raise SettingsError(
                explain(exc, prefix=f"plugin.{section}.", env=f"PLUGIN__{section.upper()}__")
            ) from exc
