"""Checks every cloud storage plugin owes its operators, beyond the conformance suite.

:class:`~socialflow.testing.conformance.StorageConformance` proves a backend
stores and serves bytes correctly. :class:`StorageCheckSuite` proves that
when it *cannot* (a wrong bucket or container, refused credentials, an
endpoint nobody answers on), operators learn it at once and clearly:
``check()`` raises a :class:`~socialflow.plugins.protocols.StorageError`
naming the backend, the place and the reason; ``/readyz`` answers 503
naming only the failing part; ``socialflow doctor`` prints a ``FAIL`` row
with the reason; secrets never show. It also checks the settings section:
unknown keys are refused at start, a present section is validated even
when the backend is not the active one, and a project made by
``socialflow new`` and switched to the backend passes ``doctor``.

Subclass it in a plugin's tests, name the backend, and give three
``[plugin.<name>]`` sections as fixtures (they usually point at an
emulator started by a session fixture)::

    class TestS3Checks(StorageCheckSuite):
        storage_name = "s3"
        settings_model = S3Settings
        backend_class = S3Storage
        bad_settings = [({"bucket": "media", "access_key_id": "x"}, "secret_access_key")]

        @pytest.fixture
        def working_section(self, s3_endpoint, s3_bucket):
            return {"bucket": s3_bucket, "endpoint_url": s3_endpoint, ...}

        @pytest.fixture
        def bad_credentials_section(self, ...): ...

        @pytest.fixture
        def unreachable_section(self, working_section):
            return {**working_section, "endpoint_url": f"http://127.0.0.1:{free_port()}"}

The tests need the ``socialflow`` pytest plugin's fixtures (installed with
socialflow) and run the ``socialflow`` command in subprocesses with
:func:`run_cli`, which plugin tests may use for their own CLI checks too.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tomllib
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, ClassVar

import pytest
from pydantic import BaseModel, SecretStr

from socialflow.plugins.protocols import StorageBackend, StorageError
from socialflow.testing import toml

#: The failures every backend must report clearly, and the fixture giving each one's section.
FAILURES = ("wrong_place", "bad_credentials", "unreachable")

#: A narrow environment for CLI subprocesses: wide enough tables, no inherited settings.
CLI_ENV = {"COLUMNS": "250", "PATH": "/usr/bin:/bin"}


def run_cli(*args: str, timeout: float = 180) -> subprocess.CompletedProcess[str]:
    """Run ``socialflow ARGS`` with this interpreter, as an operator would, and capture it."""
    return subprocess.run(
        [sys.executable, "-m", "socialflow", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=CLI_ENV,
        check=False,
    )


def switch_new_project_storage(project: Path, backend: str, section: Mapping[str, Any]) -> None:
    """Create ``project`` with ``socialflow new``, edit its settings file as an operator
    would (``storage = "<backend>"`` and a ``[plugin.<backend>]`` section), and migrate it."""
    created = run_cli("new", str(project))
    assert created.returncode == 0, created.stdout + created.stderr
    settings_file = project / "socialflow.toml"
    text = settings_file.read_text()
    assert 'storage = "local"' in text
    lines = [f"\n[plugin.{backend}]"] + [f"{k} = {json.dumps(v)}" for k, v in section.items()]
    settings_file.write_text(
        text.replace('storage = "local"', f'storage = "{backend}"') + "\n".join(lines) + "\n"
    )
    migrated = run_cli("migrate", "--project", str(project))
    assert migrated.returncode == 0, migrated.stdout + migrated.stderr


def doctor_row(stdout: str, check: str) -> str:
    """The line of ``socialflow doctor``'s table for ``check`` (e.g. ``storage (s3)``)."""
    rows = [line for line in stdout.splitlines() if check in line]
    assert rows, f"doctor printed no {check!r} row:\n{stdout}"
    return rows[0]


class StorageCheckSuite:
    """Failure reporting and settings checks of a storage plugin. Subclass and configure."""

    #: The backend's name: ``storage = "<name>"`` and the ``[plugin.<name>]`` section.
    storage_name: ClassVar[str] = ""
    #: What ``check()`` calls the place objects live in ("bucket", "container").
    place: ClassVar[str] = "bucket"
    #: The settings key naming that place.
    place_key: ClassVar[str] = "bucket"
    #: The ``[plugin.<name>]`` model and the backend class built from it.
    settings_model: ClassVar[type[BaseModel]]
    backend_class: ClassVar[type[Any]]
    #: What ``check()`` says when the credentials are refused (a regular expression).
    bad_credentials_message: ClassVar[str] = "access denied"
    #: What it says when nothing answers at the endpoint (a regular expression).
    unreachable_message: ClassVar[str] = "not reachable"
    #: ``(section, message)`` pairs: settings that must stop the start with ``message``.
    bad_settings: ClassVar[Sequence[tuple[Mapping[str, Any], str]]] = ()

    # ----------------------------------------------------------------- fixtures

    @pytest.fixture
    def working_section(self) -> dict[str, Any]:
        """Override: a ``[plugin.<name>]`` section reaching an existing, writable place."""
        pytest.fail(f"{type(self).__name__} must define a `working_section` fixture")

    @pytest.fixture
    def bad_credentials_section(self) -> dict[str, Any]:
        """Override: a section whose credentials the service refuses (or cannot load)."""
        pytest.fail(f"{type(self).__name__} must define a `bad_credentials_section` fixture")

    @pytest.fixture
    def unreachable_section(self) -> dict[str, Any]:
        """Override: a section pointing at an endpoint nobody listens on (one attempt)."""
        pytest.fail(f"{type(self).__name__} must define an `unreachable_section` fixture")

    @pytest.fixture
    def wrong_place_section(self, working_section: dict[str, Any]) -> dict[str, Any]:
        """The working section with a bucket/container that does not exist."""
        return {**working_section, self.place_key: f"no-such-{self.place}"}

    # ------------------------------------------------------------------ helpers

    def make_backend(self, section: Mapping[str, Any]) -> StorageBackend:
        """The backend built from ``section``, as the plugin's factory would."""
        backend: StorageBackend = self.backend_class(
            self.settings_model.model_validate(dict(section))
        )
        return backend

    def secrets_of(self, section: Mapping[str, Any]) -> list[str]:
        """The values of ``section`` held in ``SecretStr`` fields: they may never show."""
        model = self.settings_model.model_validate(dict(section))
        return [
            str(section[name])
            for name in section
            if isinstance(getattr(model, name, None), SecretStr)
        ]

    def expected_failure(self, failure: str, section: Mapping[str, Any]) -> str:
        """The regular expression ``check()``'s message must match for ``failure``."""
        if failure == "wrong_place":
            where = re.escape(f"{self.storage_name} {self.place} {section[self.place_key]}")
            return rf"{where} .*does not exist"
        if failure == "bad_credentials":
            return self.bad_credentials_message
        return self.unreachable_message

    def use_storage(self, project: Path, section: Mapping[str, Any] | None) -> Path:
        """Make the test project's settings use this backend with ``section``
        (``None``: leave ``storage`` alone and add no section)."""
        settings_file = project / "socialflow.toml"
        values = tomllib.loads(settings_file.read_text())
        if section is not None:
            values["storage"] = self.storage_name
            values.setdefault("plugin", {})[self.storage_name] = dict(section)
        toml.write(settings_file, values)
        return project

    def start(self, project: Path) -> Any:
        from socialflow.core.platform import Platform
        from socialflow.core.settings import load_settings

        return Platform(load_settings(project)).start()

    # ---------------------------------------------------------------- check()

    def test_check_names_backend_and_place(self, working_section: dict[str, Any]) -> None:
        described = self.make_backend(working_section).check()
        place = working_section[self.place_key]
        assert described.startswith(f"{self.storage_name} {self.place} {place}"), described

    @pytest.mark.parametrize("failure", FAILURES)
    def test_check_fails_clearly(self, request: pytest.FixtureRequest, failure: str) -> None:
        section = request.getfixturevalue(f"{failure}_section")
        with pytest.raises(StorageError, match=self.expected_failure(failure, section)) as raised:
            self.make_backend(section).check()
        for secret in self.secrets_of(section):
            assert secret not in str(raised.value), "a secret leaked into check()'s message"

    def test_secrets_never_show_in_repr(self, bad_credentials_section: dict[str, Any]) -> None:
        model = self.settings_model.model_validate(bad_credentials_section)
        for secret in self.secrets_of(bad_credentials_section):
            assert secret not in repr(model)
            assert secret not in str(model)

    # -------------------------------------------------- readiness and doctor

    def test_working_storage_is_ready(
        self, socialflow_settings: Any, working_section: dict[str, Any]
    ) -> None:
        from socialflow.app import create_app
        from socialflow.testing.server import run_server

        platform = self.start(self.use_storage(socialflow_settings.project_dir, working_section))
        try:
            assert isinstance(platform.storage, self.backend_class)
            assert self.storage_name in platform.plugins.provider_factories("storage")
            storage = {c.name: c for c in platform.readiness(broker=False)}["storage"]
            assert storage.ok, storage.detail
            assert str(working_section[self.place_key]) in storage.detail
            with run_server(create_app(platform=platform)) as url:
                import httpx

                answer = httpx.get(f"{url}/readyz", timeout=30)
            assert answer.status_code == 200, answer.text
            assert answer.json()["checks"]["storage"]["ok"] is True
            # Which part, never where: the place is for doctor and the log.
            assert str(working_section[self.place_key]) not in answer.text
        finally:
            platform.stop()

    @pytest.mark.parametrize("failure", FAILURES)
    def test_failure_fails_readiness_and_doctor(
        self, request: pytest.FixtureRequest, socialflow_settings: Any, failure: str
    ) -> None:
        import httpx

        from socialflow.app import create_app
        from socialflow.testing.server import run_server

        section = request.getfixturevalue(f"{failure}_section")
        expected = self.expected_failure(failure, section)
        secrets = self.secrets_of(section)
        project = self.use_storage(socialflow_settings.project_dir, section)
        platform = self.start(project)
        try:
            storage = {c.name: c for c in platform.readiness(broker=False)}["storage"]
            assert not storage.ok
            assert re.search(expected, storage.detail), storage.detail
            with run_server(create_app(platform=platform)) as url:
                answer = httpx.get(f"{url}/readyz", timeout=60)
        finally:
            platform.stop()
        assert answer.status_code == 503, answer.text
        assert answer.json()["failing"] == ["storage"]
        assert str(section[self.place_key]) not in answer.text, "the reason is for doctor"
        assert not any(secret in answer.text for secret in secrets)

        result = run_cli("doctor", "--project", str(project), "--no-broker")
        assert result.returncode == 1, result.stdout + result.stderr
        assert "FAIL" in doctor_row(result.stdout, f"storage ({self.storage_name})")
        assert re.search(expected, " ".join(result.stdout.split())), result.stdout
        assert not any(secret in result.stdout + result.stderr for secret in secrets)

    def test_a_new_project_switched_to_the_backend_passes_doctor(
        self, tmp_path: Path, working_section: dict[str, Any]
    ) -> None:
        switch_new_project_storage(tmp_path / "site", self.storage_name, working_section)
        result = run_cli("doctor", "--project", str(tmp_path / "site"), "--no-broker")
        row = doctor_row(result.stdout, f"storage ({self.storage_name})")
        assert "ok" in row, result.stdout
        assert f"{self.storage_name} {self.place} {working_section[self.place_key]}" in (
            result.stdout
        )

    # --------------------------------------------------------------- settings

    def test_bad_settings_fail_at_start(
        self, socialflow_project: Path, working_section: dict[str, Any]
    ) -> None:
        from socialflow.core.settings import SettingsError

        cases = [({**working_section, "colour": "blue"}, f"plugin.{self.storage_name}.colour")]
        for section, message in [*cases, *self.bad_settings]:
            toml.write(
                socialflow_project / "socialflow.toml",
                {
                    "secret_key": "x" * 48,
                    "storage": self.storage_name,
                    "plugin": {self.storage_name: dict(section)},
                },
            )
            with pytest.raises(SettingsError, match=re.escape(message)):
                self.start(socialflow_project).stop()

    def test_a_present_section_is_validated_even_when_inactive(
        self, socialflow_project: Path, working_section: dict[str, Any]
    ) -> None:
        from socialflow.core.settings import SettingsError

        section = {**working_section, "regoin": "eu-west-1"}
        toml.write(
            socialflow_project / "socialflow.toml",
            {"secret_key": "x" * 48, "plugin": {self.storage_name: section}},
        )
        with pytest.raises(SettingsError, match=re.escape(f"plugin.{self.storage_name}.regoin")):
            self.start(socialflow_project).stop()

    def test_installed_but_inactive_needs_no_section(self, socialflow_project: Path) -> None:
        """With ``storage = "local"`` and no section, the installed plugin costs nothing."""
        toml.write(socialflow_project / "socialflow.toml", {"secret_key": "x" * 48})
        platform = self.start(socialflow_project)
        try:
            assert platform.storage.name == "local"
            assert self.storage_name in platform.plugins.provider_factories("storage")
        finally:
            platform.stop()
