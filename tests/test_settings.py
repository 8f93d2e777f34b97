"""Settings: sources and their precedence, defaults inside the project, clear errors."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from pathlib import Path

import pytest

from socialflow.core.settings import SettingsError, load_settings


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    for key in list(os.environ):
        if key.startswith("SOCIALFLOW_"):
            monkeypatch.delenv(key)


def test_embedded_defaults_live_in_the_project(tmp_path: Path) -> None:
    settings = load_settings(tmp_path)
    assert settings.database_url == f"sqlite:///{tmp_path / 'socialflow.db'}"
    assert settings.media_dir == tmp_path / "media"
    assert settings.broker_url == f"sqla+sqlite:///{tmp_path / '.socialflow' / 'broker.sqlite'}"
    assert settings.storage == "local"
    assert settings.redis_url is None


def test_redis_url_becomes_the_broker(tmp_path: Path) -> None:
    settings = load_settings(tmp_path, redis_url="redis://127.0.0.1:6379/0")
    assert settings.broker_url == "redis://127.0.0.1:6379/0"


def test_environment_beats_toml_beats_defaults(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "socialflow.toml").write_text(
        'site_name = "from toml"\nranker = "engagement"\n[plugin.s3]\nbucket = "media"\n'
    )
    monkeypatch.setenv("SOCIALFLOW_RANKER", "chronological")
    monkeypatch.setenv("SOCIALFLOW_PLUGINS", "local_storage, chronological_ranker")
    settings = load_settings(tmp_path)
    assert settings.site_name == "from toml"
    assert settings.ranker == "chronological"
    assert settings.plugins == ["local_storage", "chronological_ranker"]
    assert settings.plugin == {"s3": {"bucket": "media"}}


def test_project_dir_from_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "socialflow.toml").write_text('site_name = "envdir"\n')
    monkeypatch.setenv("SOCIALFLOW_PROJECT_DIR", str(tmp_path))
    assert load_settings().site_name == "envdir"


def test_malformed_toml_names_the_file(tmp_path: Path) -> None:
    (tmp_path / "socialflow.toml").write_text("site_name = \n")
    with pytest.raises(SettingsError, match=r"socialflow\.toml is not valid TOML"):
        load_settings(tmp_path)


def test_invalid_value_names_setting_and_fix(tmp_path: Path) -> None:
    with pytest.raises(SettingsError) as error:
        load_settings(tmp_path, database_pool_size=0)
    message = str(error.value)
    assert "database_pool_size" in message
    assert "SOCIALFLOW_DATABASE_POOL_SIZE" in message


def test_unknown_setting_is_refused(tmp_path: Path) -> None:
    (tmp_path / "socialflow.toml").write_text('storgae = "s3"\n')
    with pytest.raises(SettingsError, match="storgae"):
        load_settings(tmp_path)


STRONG_SECRET = secrets.token_urlsafe(32)


@pytest.mark.parametrize(
    "secret",
    [
        None,
        "change-me",
        "hunter2",
        "s" * 48,
        "abc" * 16,
        "0123456789" * 4,
        "password1234567890abcdefghijklmnop",
        "Aa1!" * 12,
        "zyxwvutsrqponmlkjihgfedcba9876543210",
    ],
)
def test_production_refuses_weak_secrets(tmp_path: Path, secret: str | None) -> None:
    overrides = {"environment": "production", "mail_channel": "smtp"}
    if secret is not None:
        overrides["secret_key"] = secret
    with pytest.raises(SettingsError, match="secret_key") as error:
        load_settings(tmp_path, **overrides)
    message = str(error.value)
    assert "SOCIALFLOW_SECRET_KEY" in message
    assert "secrets.token_urlsafe" in message  # how to make a good one
    if secret:
        assert secret not in message


@pytest.mark.parametrize(
    "make",
    [
        lambda: secrets.token_urlsafe(32),
        lambda: secrets.token_urlsafe(48),
        lambda: secrets.token_hex(16),
        lambda: secrets.token_hex(32),
    ],
    ids=["urlsafe-32", "urlsafe-48", "hex-16", "hex-32"],
)
def test_production_accepts_random_secrets(tmp_path: Path, make: Callable[[], str]) -> None:
    for _ in range(50):  # every one, not a lucky one
        secret = make()
        settings = load_settings(
            tmp_path, environment="production", secret_key=secret, mail_channel="smtp"
        )
        assert settings.secret() == secret
        assert secret not in repr(settings)


def test_production_refuses_a_weak_metrics_token(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="SOCIALFLOW_METRICS_TOKEN"):
        load_settings(
            tmp_path,
            environment="production",
            secret_key=STRONG_SECRET,
            mail_channel="smtp",
            metrics_token="metrics-metrics-metrics-metrics!",
        )


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("CORS_ORIGINS", "https://app.example", ["https://app.example"]),
        (
            "CORS_ORIGINS",
            "https://a.example,https://b.example",
            ["https://a.example", "https://b.example"],
        ),
        ("CORS_ORIGINS", '["https://a.example"]', ["https://a.example"]),
        ("TRUSTED_PROXIES", "10.0.0.1", ["10.0.0.1"]),
        ("TRUSTED_PROXIES", "10.0.0.0/8, 192.168.1.2", ["10.0.0.0/8", "192.168.1.2"]),
        ("NOTIFICATION_CHANNELS", "smtp", ["smtp"]),
        ("NOTIFICATION_CHANNELS", '["console", "smtp"]', ["console", "smtp"]),
        ("PLUGIN_MODULES", "my_plugin", ["my_plugin"]),
    ],
)
def test_list_settings_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str, value: str, expected: list[str]
) -> None:
    """One value, a comma-separated list or a JSON list: the forms people type."""
    monkeypatch.setenv(f"SOCIALFLOW_{name}", value)
    assert getattr(load_settings(tmp_path), name.lower()) == expected


def test_a_broken_json_list_names_the_setting(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOCIALFLOW_CORS_ORIGINS", '["https://a.example"')
    with pytest.raises(SettingsError, match="SOCIALFLOW_CORS_ORIGINS"):
        load_settings(tmp_path)


def test_plugin_config_validates_against_the_plugin_model(tmp_path: Path) -> None:
    from pydantic import BaseModel, ConfigDict

    class BucketSettings(BaseModel):
        model_config = ConfigDict(extra="forbid")
        bucket: str

    settings = load_settings(tmp_path, plugin={"s3": {"bucket": "b", "buckte": "typo"}})
    with pytest.raises(SettingsError, match=r"plugin\.s3\.buckte"):
        settings.plugin_config("s3", BucketSettings)


def test_production_refuses_mail_to_the_log(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="mail_channel"):
        load_settings(tmp_path, environment="production", secret_key=STRONG_SECRET)


@pytest.mark.parametrize("value", ["proxy.local", "10.0.0.0/33", "127.0.0.1,localhost"])
def test_trusted_proxies_must_be_addresses(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv("SOCIALFLOW_TRUSTED_PROXIES", value)
    with pytest.raises(SettingsError, match="SOCIALFLOW_TRUSTED_PROXIES"):
        load_settings(tmp_path)
