"""``socialflow plugin new KIND NAME``: a plugin package that runs its conformance suite.

The fast tests render every kind and check the files compile, the pyproject
declares the entry point, and the settings model refuses unknown keys. The
slow one walks the tutorial of docs/plugins.md as an author would: generate
a storage plugin, install it, watch its conformance suite fail with the
documented messages, drop in the tutorial's in-memory backend (taken from
the docs, so the two cannot drift), and see the suite pass and
``socialflow plugins list`` show the provider.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from pydantic import ValidationError
from typer.testing import CliRunner

from socialflow.cli import build_cli
from socialflow.scaffold.plugin import KINDS, PluginNameError, PluginSpec, render_plugin

DOCS = Path(__file__).resolve().parents[1] / "docs" / "plugins.md"
TUTORIAL_FILE = "src/socialflow_acme/provider.py"
#: What the fresh storage package's failures say (docs/plugins.md quotes them).
DOCUMENTED_FAILURES = (
    "NotImplementedError: implement _put(): store data under key (a binary file:",
    "NotImplementedError: implement _stat(): return ObjectInfo(key, size, content_type,",
    "NotImplementedError: implement _list(): return every key starting with prefix",
)


def tutorial_code(path: str) -> str:
    """The code block of docs/plugins.md marked ``<!-- tutorial-file: PATH -->``."""
    text = DOCS.read_text()
    match = re.search(
        rf"<!-- tutorial-file: {re.escape(path)} -->\n```python\n(.*?)\n```", text, re.DOTALL
    )
    assert match, f"docs/plugins.md has no tutorial block for {path}"
    return match.group(1) + "\n"


def load_module(path: Path, name: str) -> object:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # pydantic resolves the model's annotations through it
    try:
        spec.loader.exec_module(module)
    finally:
        del sys.modules[name]
    return module


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_every_kind_renders_a_package_that_compiles(tmp_path: Path, kind: str) -> None:
    spec = PluginSpec(kind=kind, name="acme-cloud")
    written = render_plugin(spec, tmp_path)
    names = {path.relative_to(tmp_path).as_posix() for path in written}
    module = "src/socialflow_acme_cloud"
    expected = {"pyproject.toml", "README.md", "noxfile.py", f"{module}/plugin.py"}
    expected |= {f"{module}/settings.py", f"{module}/__init__.py"}
    expected.add("tests/test_plugin.py" if kind == "plain" else "tests/test_conformance.py")
    if kind != "plain":
        expected.add(f"{module}/provider.py")
    assert expected <= names, expected - names

    for path in written:
        text = path.read_text()
        assert "{{" not in text, f"unfilled placeholder in {path.name}"
        if path.suffix == ".py":
            compile(text, str(path), "exec")

    project = tomllib.loads((tmp_path / "pyproject.toml").read_text())["project"]
    assert project["name"] == "socialflow-acme-cloud"
    assert any(dep.startswith("socialflow") for dep in project["dependencies"])
    assert project["entry-points"]["socialflow"] == {"acme_cloud": "socialflow_acme_cloud.plugin"}

    settings = load_module(tmp_path / module / "settings.py", f"scaffold_{kind}_settings")
    model = settings.AcmeCloudSettings  # type: ignore[attr-defined]
    assert settings.SECTION == "acme_cloud"  # type: ignore[attr-defined]
    model()  # every field optional: installing the plugin breaks no project
    with pytest.raises(ValidationError, match="colour"):
        model(colour="blue")

    ruff = shutil.which("ruff", path=str(Path(sys.executable).parent)) or shutil.which("ruff")
    if ruff is not None:  # the package's own lint session (nox -s lint) passes as generated
        for command in ([ruff, "check", "."], [ruff, "format", "--check", "."]):
            linted = subprocess.run(
                command, cwd=tmp_path, capture_output=True, text=True, check=False
            )
            assert linted.returncode == 0, linted.stdout + linted.stderr

    plugin = (tmp_path / module / "plugin.py").read_text()
    assert "def socialflow_settings_model()" in plugin
    if kind != "plain":
        assert f"def {KINDS[kind].hook}()" in plugin
        test = (tmp_path / "tests/test_conformance.py").read_text()
        assert f"({KINDS[kind].suite}):" in test


@pytest.mark.parametrize("name", ["Acme", "acme_cloud", "-acme", "acme--x", "9acme", ""])
def test_names_that_cannot_be_a_distribution_are_refused(name: str) -> None:
    with pytest.raises(PluginNameError):
        PluginSpec(kind="storage", name=name)


def test_the_command_writes_the_package_and_refuses_a_full_folder(tmp_path: Path) -> None:
    cli = build_cli(with_plugins=False)
    runner = CliRunner()
    made = runner.invoke(cli, ["plugin", "new", "ranker", "acme", "-o", str(tmp_path)])
    assert made.exit_code == 0, made.output
    assert (tmp_path / "socialflow-acme" / "src/socialflow_acme/provider.py").is_file()
    assert "pip install -e '.[test]'" in made.output
    again = runner.invoke(cli, ["plugin", "new", "ranker", "acme", "-o", str(tmp_path)])
    assert again.exit_code == 1
    assert "not empty" in again.output
    bad = runner.invoke(cli, ["plugin", "new", "teleport", "acme", "-o", str(tmp_path)])
    assert bad.exit_code == 2
    assert "unknown kind 'teleport'" in bad.output


def test_the_tutorial_backend_is_under_80_lines() -> None:
    code = tutorial_code(TUTORIAL_FILE)
    assert len(code.splitlines()) < 80
    assert "fmt: off" not in DOCS.read_text(), "the tutorial's code is formatted as written"
    compile(code, TUTORIAL_FILE, "exec")
    for message in DOCUMENTED_FAILURES:
        assert message.removeprefix("NotImplementedError: ") in DOCS.read_text()


def _run(*args: str, cwd: Path, timeout: float = 900) -> subprocess.CompletedProcess[str]:
    # The outer pytest's own variables (xdist worker, current test) must not leak in.
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "COV_"))}
    env["COLUMNS"] = "250"
    return subprocess.run(
        [sys.executable, *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
        check=False,
    )


@pytest.mark.slow
def test_from_plugin_new_to_a_passing_storage_plugin(tmp_path: Path) -> None:
    created = _run("-m", "socialflow", "plugin", "new", "storage", "acme", cwd=tmp_path)
    assert created.returncode == 0, created.stdout + created.stderr
    package = tmp_path / "socialflow-acme"
    pip = ("-m", "pip", "--disable-pip-version-check")
    installed = _run(*pip, "install", "--quiet", "--no-deps", "-e", str(package), cwd=tmp_path)
    assert installed.returncode == 0, installed.stdout + installed.stderr
    try:
        fresh = _run("-m", "pytest", "-q", "-p", "no:randomly", cwd=package)
        assert fresh.returncode == 1, fresh.stdout[-3000:] + fresh.stderr
        for message in DOCUMENTED_FAILURES:
            assert message in fresh.stdout, message
        assert re.search(r"\b\d+ passed\b", fresh.stdout), "what needs no code passes already"

        (package / TUTORIAL_FILE).write_text(tutorial_code(TUTORIAL_FILE))
        done = _run("-m", "pytest", "-q", "-p", "no:randomly", cwd=package)
        assert done.returncode == 0, done.stdout[-5000:] + done.stderr
        assert re.search(r"\b\d+ passed\b", done.stdout)
        assert "failed" not in done.stdout
        assert "error" not in done.stdout.lower().split("passed")[-1]

        site = tmp_path / "site"
        site.mkdir()
        (site / "socialflow.toml").write_text(f'secret_key = "{"s" * 48}"\nstorage = "acme"\n')
        listed = _run("-m", "socialflow", "plugins", "list", "--project", str(site), cwd=site)
        assert listed.returncode == 0, listed.stdout + listed.stderr
        row = next(line for line in listed.stdout.splitlines() if "socialflow-acme" in line)
        assert "storage:acme (active)" in row
        assert "loaded" in listed.stdout
    finally:
        _run(*pip, "uninstall", "--quiet", "--yes", "socialflow-acme", cwd=tmp_path)
