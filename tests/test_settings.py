"""Settings: sources and their precedence, defaults inside the project, clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from socialflow.settings import SettingsError, load_settings


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


@pytest.mark.parametrize("secret", [None, "change-me", "short"])
def test_production_refuses_weak_secrets(tmp_path: Path, secret: str | None) -> None:
    overrides = {"environment": "production"}
    if secret is not None:
        overrides["secret_key"] = secret
    with pytest.raises(SettingsError, match="secret_key"):
        load_settings(tmp_path, **overrides)


def test_production_accepts_a_strong_secret(tmp_path: Path) -> None:
    settings = load_settings(
        tmp_path, environment="production", secret_key="s" * 48, mail_channel="smtp"
    )
    assert settings.secret() == "s" * 48
    assert "s" * 48 not in repr(settings)


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
        load_settings(tmp_path, environment="production", secret_key="s" * 48)
