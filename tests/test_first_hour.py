"""What a new user meets in the first hour: public_url, readiness, drivers, dev mail."""

from __future__ import annotations

import json
import os
import re
import secrets
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from socialflow.app import create_app
from socialflow.builtins.dev_outbox import Outbox
from socialflow.cli.doctor import diagnose
from socialflow.cli.listener import (
    PUBLIC_URL_ENV,
    adopt_listener,
    local_url,
    points_at,
    record_listener,
    running_listener,
)
from socialflow.core.platform import ReadinessCheck
from socialflow.core.settings import load_settings
from socialflow.testing.server import free_port, run_server

PASSWORD = "a long passphrase"

# ------------------------------------------------------------------ public_url


@pytest.mark.parametrize(
    ("host", "port", "expected"),
    [
        ("127.0.0.1", 8123, "http://127.0.0.1:8123"),
        ("0.0.0.0", 9000, "http://127.0.0.1:9000"),
        ("::", 8000, "http://127.0.0.1:8000"),
        ("::1", 8001, "http://[::1]:8001"),
        ("192.168.1.5", 80, "http://192.168.1.5:80"),
    ],
)
def test_the_local_url_of_a_listener(host: str, port: int, expected: str) -> None:
    assert local_url(host, port) == expected


@pytest.mark.parametrize(
    ("url", "host", "port", "same"),
    [
        ("http://127.0.0.1:8123", "127.0.0.1", 8123, True),
        ("http://localhost:8123", "127.0.0.1", 8123, True),
        ("http://192.168.1.5:8123", "0.0.0.0", 8123, True),
        ("http://127.0.0.1:8000", "127.0.0.1", 8123, False),
        ("https://social.example.com", "0.0.0.0", 8000, False),
        ("http://10.0.0.2:8123", "127.0.0.1", 8123, False),
    ],
)
def test_whether_public_url_points_at_the_listener(
    url: str, host: str, port: int, same: bool
) -> None:
    assert points_at(url, host, port) is same


@pytest.fixture
def clean_public_url(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """adopt_listener sets SOCIALFLOW_PUBLIC_URL for the server's children: undo it."""
    monkeypatch.delenv(PUBLIC_URL_ENV, raising=False)
    yield
    os.environ.pop(PUBLIC_URL_ENV, None)


@pytest.mark.usefixtures("clean_public_url")
@pytest.mark.parametrize(("host", "port"), [("127.0.0.1", 8123), ("0.0.0.0", 9001)])
def test_an_unset_public_url_follows_the_listener(tmp_path: Path, host: str, port: int) -> None:
    settings = load_settings(tmp_path)
    assert adopt_listener(settings, host, port) is None
    # What the uvicorn workers and the embedded Celery worker then read:
    assert load_settings(tmp_path).public_url == local_url(host, port)
    listener = running_listener(settings)
    assert listener is not None
    assert (listener.port, listener.pid) == (port, os.getpid())


@pytest.mark.usefixtures("clean_public_url")
def test_a_set_public_url_wins_and_a_mismatch_is_said(tmp_path: Path) -> None:
    (tmp_path / "socialflow.toml").write_text('public_url = "http://127.0.0.1:8000"\n')
    settings = load_settings(tmp_path)
    warning = adopt_listener(settings, "127.0.0.1", 8123)
    assert warning is not None
    assert "http://127.0.0.1:8000" in warning
    assert "http://127.0.0.1:8123" in warning
    assert PUBLIC_URL_ENV not in os.environ
    assert adopt_listener(load_settings(tmp_path), "0.0.0.0", 8000) is None


def _row(checks: list[ReadinessCheck], name: str) -> ReadinessCheck:
    return next(check for check in checks if check.name == name)


def test_doctor_reports_public_url_unset(platform: Any) -> None:
    row = _row(diagnose(platform, broker=False), "public_url")
    assert row.ok
    assert "not set" in row.detail


@pytest.mark.parametrize("socialflow_overrides", [{"public_url": "http://127.0.0.1:9"}])
def test_doctor_fails_a_public_url_that_misses_the_running_server(platform: Any) -> None:
    record_listener(platform.settings, "127.0.0.1", 8123)  # this process stands for serve
    row = _row(diagnose(platform, broker=False), "public_url")
    assert not row.ok
    assert "http://127.0.0.1:9" in row.detail
    assert "listens on http://127.0.0.1:8123" in row.detail


def test_doctor_accepts_a_public_url_that_reaches_the_server(
    make_platform: Callable[..., Any], app: Any
) -> None:
    with run_server(app) as url:
        platform = make_platform(public_url=url)  # "a proxy" in front of the listener
        record_listener(platform.settings, "127.0.0.1", 8123)
        row = _row(diagnose(platform, broker=False), "public_url")
    assert row.ok, row.detail
    assert "through a proxy" in row.detail


# -------------------------------------------------------------- readiness


def test_readyz_names_socialflow_migrate_until_the_schema_is_at_head(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from socialflow.cli import build_cli

    settings = load_settings(tmp_path, environment="test", secret_key="x" * 40)
    with run_server(create_app(settings)) as url:
        unready = httpx.get(f"{url}/readyz")
        assert unready.status_code == 503
        body = unready.json()
        assert body["failing"] == ["migrations"]
        assert "run `socialflow migrate`" in body["checks"]["migrations"]["detail"]
        assert str(tmp_path) not in body["checks"]["migrations"]["detail"]
        migrated = CliRunner().invoke(
            build_cli(with_plugins=False), ["migrate", "-C", str(tmp_path)]
        )
        assert migrated.exit_code == 0, migrated.output
        ready = httpx.get(f"{url}/readyz")  # a schema behind is checked again each time
        assert ready.status_code == 200, ready.text
        assert ready.json()["checks"]["migrations"] == {"ok": True, "detail": "schema at head"}


# ------------------------------------------------------------------ drivers


def _python_without(modules: list[str], code: str, env: dict[str, str]) -> Any:
    """Run ``code`` in a fresh interpreter where importing ``modules`` really fails."""
    block = "; ".join(f"sys.modules[{name!r}] = None" for name in modules)
    clean = {k: v for k, v in os.environ.items() if not k.startswith("SOCIALFLOW_")}
    return subprocess.run(
        [sys.executable, "-c", f"import sys; {block}; {code}"],
        env={**clean, "COLUMNS": "200", **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_cli_names_the_missing_postgres_extra_without_a_traceback(tmp_path: Path) -> None:
    done = _python_without(
        ["psycopg"],
        "sys.argv = ['socialflow', 'doctor']; from socialflow.cli import main; main()",
        {
            "SOCIALFLOW_DATABASE_URL": "postgresql://u@127.0.0.1:5432/db",
            "SOCIALFLOW_PROJECT_DIR": str(tmp_path),
        },
    )
    assert done.returncode == 2, done.stdout + done.stderr
    assert "PostgreSQL needs the psycopg driver" in done.stderr
    assert "pip install 'socialflow[postgres]'" in done.stderr
    assert "Traceback" not in done.stderr


MISSING_DRIVER_CASES = [
    ("psycopg", {"database_url": "postgresql://u@127.0.0.1:5432/db"}, "socialflow[postgres]"),
    ("psycopg", {"database_url": "postgres://u@127.0.0.1/db"}, "socialflow[postgres]"),
    ("redis", {"redis_url": "redis://127.0.0.1:6379/0"}, "socialflow[redis]"),
    ("redis", {"broker_url": "rediss://127.0.0.1:6380/1"}, "socialflow[redis]"),
]


def test_every_setting_that_needs_a_missing_driver_names_its_extra(tmp_path: Path) -> None:
    """Settings from code (embedding as a library) fail the same way, as SettingsError."""
    code = (
        "import json; from socialflow.core.settings import load_settings, SettingsError\n"
        "out = []\n"
        f"for overrides in {[case[1] for case in MISSING_DRIVER_CASES]!r}:\n"
        "    try:\n"
        f"        load_settings({str(tmp_path)!r}, **overrides); out.append('accepted')\n"
        "    except SettingsError as exc:\n"
        "        out.append(str(exc))\n"
        "print(json.dumps(out))"
    )
    done = _python_without(["psycopg", "redis"], code, {})
    assert done.returncode == 0, done.stderr
    messages = json.loads(done.stdout)
    for (_module, overrides, extra), message in zip(MISSING_DRIVER_CASES, messages, strict=True):
        assert f"pip install '{extra}'" in message, (overrides, message)
    # With the drivers installed the same settings load.
    for _module, overrides, _extra in MISSING_DRIVER_CASES:
        load_settings(tmp_path, **overrides)


# -------------------------------------------------------- development mail


@pytest.fixture
def development() -> dict[str, Any]:
    return {"environment": "development"}


@pytest.fixture
def socialflow_overrides(development: dict[str, Any]) -> dict[str, Any]:
    return development


def _mail_to(platform: Any, address: str, kind: str) -> str:
    """The newest link path (with its query) mailed to ``address``, from the outbox."""
    for mail in Outbox.for_settings(platform.settings).newest():
        if mail.to == address and mail.kind == kind:
            link = re.search(r"https?://\S+", mail.text)
            assert link, mail.text
            parts = urlsplit(link.group(0))
            return f"{parts.path}?{parts.query}"
    raise AssertionError(f"no {kind} mail to {address} in the outbox")


def _form_token(page: httpx.Response) -> str:
    found = re.search(r'name="token" value="([^"]+)"', page.text)
    assert found, page.text
    return found.group(1)


def _register(client: httpx.Client, username: str) -> None:
    created = client.post(
        "/api/v1/auth/register",
        json={"username": username, "email": f"{username}@example.com", "password": PASSWORD},
    )
    assert created.status_code == 201, created.text


def test_the_verification_link_lands_on_a_page_that_verifies(
    platform: Any, client: httpx.Client
) -> None:
    _register(client, "newbie")
    path = _mail_to(platform, "newbie@example.com", "verify-email")
    assert path.startswith("/verify-email?token=")
    page = client.get(path)
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert page.headers["cache-control"] == "no-store"
    done = client.post("/verify-email", data={"token": _form_token(page)})
    assert done.status_code == 200, done.text
    assert "newbie@example.com is confirmed" in done.text
    again = client.post("/verify-email", data={"token": _form_token(page)})
    assert again.status_code in (400, 409)
    assert again.headers["content-type"].startswith("text/html")


@pytest.mark.parametrize("token", ["not-a-token", "<script>alert(1)</script>", "a" * 4000])
def test_a_bad_link_gets_a_page_not_a_500(client: httpx.Client, token: str) -> None:
    page = client.get("/verify-email", params={"token": token})
    assert page.status_code == 200
    assert "<script>alert" not in page.text  # the token is escaped into the form
    for path, extra in (
        ("/verify-email", {}),
        ("/confirm-email", {}),
        ("/reset-password", {"new_password": PASSWORD, "confirm_password": PASSWORD}),
    ):
        answer = client.post(path, data={"token": token, **extra})
        assert answer.status_code == 400, (path, answer.text)
        assert "<script>alert" not in answer.text


def test_the_reset_link_lands_on_a_form_that_sets_the_password(
    platform: Any, client: httpx.Client
) -> None:
    _register(client, "forgetful")
    asked = client.post("/api/v1/auth/password-reset", json={"email": "forgetful@example.com"})
    assert asked.status_code == 202
    page = client.get(_mail_to(platform, "forgetful@example.com", "password-reset"))
    assert 'type="password"' in page.text
    token = _form_token(page)
    differ = client.post(
        "/reset-password",
        data={"token": token, "new_password": "first choice 1", "confirm_password": "other"},
    )
    assert differ.status_code == 422
    new = "a brand new passphrase"
    done = client.post(
        "/reset-password", data={"token": token, "new_password": new, "confirm_password": new}
    )
    assert done.status_code == 200, done.text
    login = client.post(
        "/api/v1/auth/login", json={"username_or_email": "forgetful", "password": new}
    )
    assert login.status_code == 200, login.text


def test_the_email_change_link_lands_on_a_page_that_confirms(
    platform: Any, client: httpx.Client
) -> None:
    _register(client, "mover")
    login = client.post(
        "/api/v1/auth/login", json={"username_or_email": "mover", "password": PASSWORD}
    )
    auth = {"Authorization": f"Bearer {login.json()['access_token']}"}
    asked = client.post(
        "/api/v1/auth/email/change",
        json={"new_email": "moved@example.com", "password": PASSWORD},
        headers=auth,
    )
    assert asked.status_code == 202, asked.text
    page = client.get(_mail_to(platform, "moved@example.com", "change-email"))
    done = client.post("/confirm-email", data={"token": _form_token(page)})
    assert done.status_code == 200, done.text
    assert "moved@example.com" in done.text


def test_the_outbox_page_and_cli_show_development_mail(platform: Any, client: httpx.Client) -> None:
    from typer.testing import CliRunner

    from socialflow.cli import build_cli

    _register(client, "reader")
    page = client.get("/dev/outbox")
    assert page.status_code == 200
    assert "reader@example.com" in page.text
    assert '<a href="http://' in page.text  # links are clickable
    project = str(platform.settings.project_dir)
    cli = build_cli(with_plugins=False)
    listed = CliRunner().invoke(cli, ["mail", "list", "-C", project], env={"COLUMNS": "200"})
    assert listed.exit_code == 0, listed.output
    mail_id = Outbox.for_settings(platform.settings).newest(1)[0].id
    assert mail_id in listed.output
    shown = CliRunner().invoke(cli, ["mail", "show", mail_id, "-C", project])
    assert shown.exit_code == 0, shown.output
    assert "/verify-email?token=" in shown.output
    for unknown in ("nope", "../../socialflow", "20261207-000000-000000-abcd"):
        missing = CliRunner().invoke(cli, ["mail", "show", unknown, "-C", project])
        assert missing.exit_code == 1
        assert "No message" in missing.output


def test_the_outbox_keeps_only_the_newest(tmp_path: Path) -> None:
    from socialflow.plugins.protocols import OutgoingMessage

    outbox = Outbox(tmp_path, keep=3)
    for n in range(5):
        outbox.store(OutgoingMessage(to=f"{n}@example.com", subject=str(n), text="x"))
    assert [m.to for m in outbox.newest()] == ["4@example.com", "3@example.com", "2@example.com"]


@pytest.mark.parametrize("development", [{"environment": "test"}])
def test_no_outbox_outside_development(platform: Any, client: httpx.Client) -> None:
    from typer.testing import CliRunner

    from socialflow.cli import build_cli

    _register(client, "quiet")
    assert client.get("/dev/outbox").status_code == 404
    assert not (platform.settings.state_dir / "outbox").exists()
    project = str(platform.settings.project_dir)
    refused = CliRunner().invoke(build_cli(with_plugins=False), ["mail", "list", "-C", project])
    assert refused.exit_code == 1
    assert "only in development" in refused.output


def test_no_outbox_page_in_production(tmp_path: Path) -> None:
    settings = load_settings(
        tmp_path,
        environment="production",
        secret_key=secrets.token_urlsafe(48),
        mail_channel="smtp",
    )
    with run_server(create_app(settings)) as url:
        assert httpx.get(f"{url}/dev/outbox").status_code == 404
        assert httpx.get(f"{url}/healthz").status_code == 200


def test_demo_welcome_names_a_user_that_can_sign_in(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from socialflow.cli.project import print_demo_welcome, seed_demo_data

    port = 8123  # only printed: the welcome names the URL of the port it is given

    seed_demo_data(tmp_path)
    print_demo_welcome(tmp_path, port)
    printed = " ".join(capsys.readouterr().out.split())
    found = re.search(r"Sign in as (\S+) with password (\S+)", printed)
    assert found, printed
    username, password = found.groups()
    assert f"http://127.0.0.1:{port}/docs" in printed
    settings = load_settings(tmp_path, environment="test")
    with run_server(create_app(settings)) as url:
        login = httpx.post(
            f"{url}/api/v1/auth/login",
            json={"username_or_email": username, "password": password},
        )
    assert login.status_code == 200, login.text


@pytest.mark.slow
def test_serve_and_doctor_say_when_a_set_public_url_misses_the_server(tmp_path: Path) -> None:
    """A real ``socialflow serve`` whose settings name another port: a warning line at
    start, and ``socialflow doctor`` (run meanwhile) fails its public_url row."""
    from socialflow.testing.processes import background_service

    project = tmp_path / "site"
    clean = {k: v for k, v in os.environ.items() if not k.startswith("SOCIALFLOW_")}
    made = subprocess.run(
        [sys.executable, "-m", "socialflow", "new", str(project)],
        env=clean,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert made.returncode == 0, made.stdout + made.stderr
    stale = f"http://127.0.0.1:{free_port()}"
    settings_file = project / "socialflow.toml"
    settings_file.write_text(f'public_url = "{stale}"\n' + settings_file.read_text())
    port = free_port()
    ours = [name for name in os.environ if name.startswith("SOCIALFLOW_")]
    unset = [arg for name in ours for arg in ("-u", name)]
    command = ["env", *unset, sys.executable, "-m", "socialflow", "serve", "--no-worker"]
    command += ["--project", str(project), "--port", str(port)]
    log = tmp_path / "serve.log"
    with background_service(command, port=port, log=log, timeout=120):
        printed = " ".join(log.read_text().split())
        assert f"Warning: public_url is {stale}" in printed, printed[-3000:]
        assert f"listens on http://127.0.0.1:{port}" in printed
        doctor = subprocess.run(
            [sys.executable, "-m", "socialflow", "doctor", "--no-broker", "-C", str(project)],
            env={**clean, "COLUMNS": "250"},
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    assert doctor.returncode == 1, doctor.stdout + doctor.stderr
    row = next(line for line in doctor.stdout.splitlines() if "public_url" in line)
    assert "FAIL" in row, doctor.stdout
    assert "public_url" in doctor.stdout.split("Failing:")[-1]
