"""``[plugin.fcm]`` at start, the channel through the platform, and the checks.

``check()`` and ``socialflow fcm check`` validate a send without delivering it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from socialflow.core.platform import Platform
from socialflow.core.settings import SettingsError, load_settings
from socialflow.plugins.protocols import OutgoingMessage, RecipientGone
from socialflow.testing import toml
from socialflow.testing.storage_checks import doctor_row, run_cli

from fcm_stub import FcmStub
from socialflow_fcm import FcmChannel

TOKEN = "aB3:APA91bG-settings-token"
NOT_A_KEY = "-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5\n-----END PRIVATE KEY-----\n"


def write_project(project: Path, **values: Any) -> Path:
    toml.write(project / "socialflow.toml", {"secret_key": "x" * 48, **values})
    return project


def start(project: Path) -> Platform:
    return Platform(load_settings(project)).start()


def test_enabled_channel_sends_through_the_platform(
    socialflow_project: Path, fcm: FcmStub, fcm_section: dict[str, Any]
) -> None:
    write_project(
        socialflow_project, notification_channels=["console", "fcm"], plugin={"fcm": fcm_section}
    )
    platform = start(socialflow_project)
    try:
        channel = platform.provider("notification", "fcm")
        assert channel.name == "fcm"
        channel.send(OutgoingMessage(to=TOKEN, subject="Live", text="dee is live", kind="live"))
    finally:
        platform.stop()
    assert fcm.texts_to(TOKEN) == ["Live\ndee is live"]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"colour": "blue"}, "plugin.fcm.colour"),
        ({"credentials_json": None}, "plugin.fcm.credentials_file"),
        ({"credentials_file": "/nonexistent/key.json"}, "credentials_file or credentials_json"),
        (
            {"credentials_json": None, "credentials_file": "/nonexistent/key.json"},
            "credentials_file (/nonexistent/key.json): cannot read the service-account key",
        ),
        ({"endpoint": "fcm.googleapis.com"}, "endpoint must be an http(s) URL"),
        ({"ttl_seconds": 29 * 24 * 3600}, "ttl_seconds"),
    ],
)
def test_bad_settings_fail_at_start(
    socialflow_project: Path, fcm_section: dict[str, Any], change: dict[str, Any], message: str
) -> None:
    section = {k: v for k, v in {**fcm_section, **change}.items() if v is not None}
    write_project(socialflow_project, notification_channels=["fcm"], plugin={"fcm": section})
    with pytest.raises(SettingsError, match=re.escape(message)):
        start(socialflow_project).stop()


@pytest.mark.parametrize(
    ("key_change", "message"),
    [
        ({"private_key": NOT_A_KEY}, "private_key is not an unencrypted PEM RSA key"),
        ({"type": "authorized_user"}, "FCM needs a service_account key"),
        ({"client_email": ""}, "the key has no client_email"),
        ({"project_id": ""}, "plugin.fcm.project_id"),
    ],
)
def test_unusable_keys_fail_at_start_without_showing_the_key(
    socialflow_project: Path,
    fcm_section: dict[str, Any],
    service_account: dict[str, str],
    key_change: dict[str, str],
    message: str,
) -> None:
    key = {**service_account, **key_change}
    section = {**fcm_section, "credentials_json": json.dumps(key)}
    write_project(socialflow_project, notification_channels=["fcm"], plugin={"fcm": section})
    with pytest.raises(SettingsError, match=re.escape(message)) as caught:
        start(socialflow_project).stop()
    assert key["private_key"].splitlines()[1] not in str(caught.value)


def test_project_id_setting_overrides_the_keys(
    make_channel: Callable[..., FcmChannel], service_account: dict[str, str], fcm: FcmStub
) -> None:
    key = json.dumps({**service_account, "project_id": ""})
    make_channel(credentials_json=key, project_id=fcm.project_id).send(
        OutgoingMessage(to=TOKEN, subject="s", text="project from settings")
    )
    assert fcm.texts_to(TOKEN) == ["s\nproject from settings"]


def test_a_present_section_is_validated_even_when_inactive(
    socialflow_project: Path, fcm_section: dict[str, Any]
) -> None:
    write_project(socialflow_project, plugin={"fcm": {**fcm_section, "endpiont": "x"}})
    with pytest.raises(SettingsError, match=re.escape("plugin.fcm.endpiont")):
        start(socialflow_project).stop()


def test_installed_but_inactive_needs_no_section(socialflow_project: Path) -> None:
    platform = start(write_project(socialflow_project))
    try:
        assert platform.provider("notification").name == "console"
        assert "fcm" in platform.plugins.provider_factories("notification")
    finally:
        platform.stop()


def test_check_validates_a_send_without_delivering(
    fcm: FcmStub, make_channel: Callable[..., FcmChannel]
) -> None:
    channel = make_channel()
    described = channel.check()
    assert described.startswith(f"FCM project {fcm.project_id} at {fcm.url} as push@")
    assert "send validated" in described
    assert [m.get("topic") for m in fcm.validated] == ["socialflow-check"]
    assert fcm.messages == []
    assert "valid" in channel.check(TOKEN)
    fcm.unregistered.add(TOKEN)
    with pytest.raises(RecipientGone):
        channel.check(TOKEN)
    assert fcm.messages == []


def test_cli_check_passes_and_fails_naming_the_reason(
    socialflow_project: Path,
    fcm: FcmStub,
    service_account: dict[str, str],
    tmp_path: Path,
) -> None:
    key_file = tmp_path / "firebase-key.json"
    key_file.write_text(json.dumps(service_account))
    section = {"credentials_file": str(key_file), "endpoint": fcm.url}
    write_project(socialflow_project, notification_channels=["fcm"], plugin={"fcm": section})
    passed = run_cli("fcm", "check", "-C", str(socialflow_project))
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert f"ok FCM project {fcm.project_id}" in passed.stdout
    assert len(fcm.validated) == 1

    fcm.unregistered.add(TOKEN)
    gone = run_cli("fcm", "check", "-C", str(socialflow_project), "--token", TOKEN)
    assert gone.returncode == 1
    assert "RecipientGone" in gone.stderr
    assert TOKEN not in gone.stdout + gone.stderr

    section["project_id"] = "someone-elses"
    write_project(socialflow_project, notification_channels=["fcm"], plugin={"fcm": section})
    failed = run_cli("fcm", "check", "-C", str(socialflow_project))
    assert failed.returncode == 1
    assert "access denied" in failed.stderr
    output = failed.stdout + failed.stderr
    assert service_account["private_key"].splitlines()[1] not in output
    assert not any(token in output for token in fcm.access_tokens)


def test_doctor_has_a_row_for_the_channel(
    socialflow_project: Path, fcm: FcmStub, fcm_section: dict[str, Any], service_account: Any
) -> None:
    """``socialflow doctor`` runs ``check()`` of each enabled channel that has one."""
    write_project(
        socialflow_project, notification_channels=["console", "fcm"], plugin={"fcm": fcm_section}
    )
    result = run_cli("doctor", "--project", str(socialflow_project), "--no-broker")
    row = doctor_row(result.stdout, "notification (fcm)")
    assert "ok" in row, result.stdout
    assert "notification (console)" not in result.stdout  # nothing to check there
    assert len(fcm.validated) == 1
    assert fcm.messages == []

    section = {**fcm_section, "project_id": "someone-elses"}
    write_project(socialflow_project, notification_channels=["fcm"], plugin={"fcm": section})
    result = run_cli("doctor", "--project", str(socialflow_project), "--no-broker")
    assert result.returncode == 1
    assert "FAIL" in doctor_row(result.stdout, "notification (fcm)")
    assert "access denied" in " ".join(result.stdout.split())
    assert service_account["private_key"].splitlines()[1] not in result.stdout + result.stderr
