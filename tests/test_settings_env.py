"""A misspelled SOCIALFLOW_* environment variable is named, with the setting it resembles."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest

from socialflow.core.settings import load_settings, unknown_env_vars


@pytest.mark.parametrize(
    ("variable", "suggestion"),
    [
        ("SOCIALFLOW_DATABSE_URL", "SOCIALFLOW_DATABASE_URL"),
        ("socialflow_site_nam", "SOCIALFLOW_SITE_NAME"),  # read case-insensitively
        ("SOCIALFLOW_RATE_LIMITS__LOGIN_PER_IPP", "SOCIALFLOW_RATE_LIMITS__LOGIN_PER_IP"),
        ("SOCIALFLOW_OAUTH__GOOGLE__CLIENT_IDD", "SOCIALFLOW_OAUTH__GOOGLE__CLIENT_ID"),
        ("SOCIALFLOW_SITE_NAME__EXTRA", "SOCIALFLOW_SITE_NAME"),  # a plain value has no parts
        ("SOCIALFLOW_QQQZZZ", None),  # nothing close
    ],
)
def test_an_unknown_variable_is_found_with_the_closest_setting(
    variable: str, suggestion: str | None
) -> None:
    assert unknown_env_vars({variable: "1"}) == [(variable, suggestion)]


@pytest.mark.parametrize(
    "variable",
    [
        "SOCIALFLOW_DATABASE_URL",
        "SOCIALFLOW_PLUGINS",
        "SOCIALFLOW_PROJECT_DIR",
        "socialflow_log_level",
        "SOCIALFLOW_RATE_LIMITS__ENABLED",
        "SOCIALFLOW_OAUTH__ANY_PROVIDER__CLIENT_ID",  # the provider name is free
        "SOCIALFLOW_PLUGIN__S3__BUCKET",  # plugin sections belong to their plugins
        "SOCIALFLOW_TEST_BACKEND",  # the test kit's knobs are not settings
        "SOCIALFLOW_TEST_STRICT",
        "SOCIALFLOW_TEST_POSTGRES_URL",
        "SOCIALFLOW_TEST_REDIS_URL",
        "SOCIALFLOW_CONFORMANCE_LARGE_OBJECT_MIB",
        "SOCIALFLOW_NEW_USER_PASSWORD",  # `socialflow users create` reads it
        "OTHER_DATABSE_URL",
    ],
)
def test_known_and_foreign_variables_are_not_reported(variable: str) -> None:
    assert unknown_env_vars({variable: "1"}) == []


def test_loading_settings_warns_once_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, tmp_path: Path
) -> None:
    monkeypatch.setenv("SOCIALFLOW_FANOUT_THRESHHOLD", "5")
    with caplog.at_level(logging.WARNING, logger="socialflow.core.settings"):
        load_settings(tmp_path)
        load_settings(tmp_path)
    warnings = [r.getMessage() for r in caplog.records if r.name == "socialflow.core.settings"]
    assert warnings == [
        "Ignoring environment variable SOCIALFLOW_FANOUT_THRESHHOLD: no socialflow setting "
        "has that name; did you mean SOCIALFLOW_FANOUT_THRESHOLD?"
    ]


def test_the_cli_prints_the_warning(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SOCIALFLOW_")}
    result = subprocess.run(
        [sys.executable, "-m", "socialflow", "plugins", "list"],
        cwd=tmp_path,
        env={**env, "SOCIALFLOW_STORAGEE": "local"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "SOCIALFLOW_STORAGEE" in result.stderr
    assert "did you mean SOCIALFLOW_STORAGE?" in result.stderr
    assert "SOCIALFLOW_STORAGEE" not in result.stdout
