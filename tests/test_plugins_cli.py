"""``socialflow plugins list`` (table and JSON: providers, masked settings, health)
and ``socialflow plugins install`` (pip into socialflow's own environment)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from socialflow.cli import build_cli
from socialflow.plugins.inventory import MASK, mask

SECRETS = ("sk-live-abc123", "tok-xyz789", "hunter2-pass", "nested-secret-value")


@pytest.fixture
def project(tmp_path: Path) -> Path:
    folder = tmp_path / "site"
    folder.mkdir()
    (folder / "socialflow.toml").write_text(
        f'secret_key = "{"s" * 48}"\n'
        'plugin_modules = ["tests.secret_settings_plugin"]\n\n'
        "[plugin.vault]\n"
        'region = "us-east-2"\n'
        f'api_key = "{SECRETS[0]}"\n'
        f'access_token = "{SECRETS[1]}"\n'
        f'db_password = "{SECRETS[2]}"\n'
        f'nested = {{ signing_key = "{SECRETS[3]}", colour = "blue" }}\n'
    )
    return folder


def invoke(*args: str) -> Any:
    result = CliRunner().invoke(build_cli(with_plugins=False), list(args))
    assert result.exit_code == 0, result.output
    for secret in SECRETS:
        assert secret not in result.output
    return result


def test_json_lists_providers_settings_masked_and_health(project: Path) -> None:
    listed = json.loads(invoke("plugins", "list", "--project", str(project), "--json").output)
    plugins = {entry["name"]: entry for entry in listed}

    vault = plugins["tests.secret_settings_plugin"]
    assert vault["hooks"] == [
        "socialflow_rankers",
        "socialflow_settings_model",
        "socialflow_storage_backends",
    ]
    assert {(p["kind"], p["name"], p["active"]) for p in vault["providers"]} == {
        ("storage", "vault", False),
        ("ranker", "vault-ranker", False),
    }
    assert vault["settings_section"] == "vault"
    assert vault["settings"] == {
        "region": "us-east-2",
        "api_key": MASK,
        "access_token": MASK,
        "db_password": MASK,
        "nested": {"signing_key": MASK, "colour": "blue"},
    }
    assert vault["health"] == []  # its storage is not the active one

    local = plugins["local_storage"]
    assert local["distribution"] == "socialflow"
    assert local["version"]
    assert local["providers"] == [{"kind": "storage", "name": "local", "active": True}]
    [health] = local["health"]
    assert health["ok"] is True
    assert "local storage" in health["detail"]
    # Apps are plugins too, with their distribution and settings section.
    assert plugins["webhooks"]["distribution"] == "socialflow"
    assert plugins["webhooks"]["settings_section"] == "webhooks"


def test_the_table_shows_an_active_provider_failing_its_check(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from socialflow.core import console

    # The shared console took its width from whatever ran first in this process.
    monkeypatch.setattr(console.console, "width", console.UNBOUNDED_WIDTH)
    settings_file = project / "socialflow.toml"
    settings_file.write_text('storage = "vault"\n' + settings_file.read_text())  # top-level key
    output = invoke("plugins", "list", "--project", str(project)).output
    assert "storage:vault (active)" in output
    assert "FAIL" in output
    assert "bucket `media` does not exist" in output
    assert "[plugin.vault]" in output
    assert 'region = "us-east-2"' in output
    assert f'api_key = "{MASK}"' in output
    unchecked = invoke("plugins", "list", "--project", str(project), "--no-health").output
    assert "FAIL" not in unchecked


def test_mask_keeps_empty_values_and_non_secrets() -> None:
    assert mask({"token": None, "password": "", "name": "x", "keys": ["a"]}) == {
        "token": None,
        "password": "",
        "name": "x",
        "keys": MASK,
    }


def test_install_reports_what_pip_refused(tmp_path: Path) -> None:
    missing = tmp_path / "no-such-plugin"
    result = CliRunner().invoke(build_cli(with_plugins=False), ["plugins", "install", str(missing)])
    assert result.exit_code != 0
    assert "pip failed" in result.output
    assert "-m pip install" in result.output
