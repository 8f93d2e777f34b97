"""The plugin manager: loading, isolation of broken plugins, provider choice, filters, events."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from socialflow.core.settings import load_settings
from socialflow.plugins.manager import PluginError, get_plugin_manager
from socialflow.plugins.specs import ContentRejected, Event


def write_module(folder: Path, name: str, source: str) -> None:
    (folder / f"{name}.py").write_text(textwrap.dedent(source))


@pytest.fixture
def plugin_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "plugins"
    folder.mkdir()
    monkeypatch.syspath_prepend(str(folder))
    return folder


def test_builtins_register_through_entry_points(tmp_path: Path) -> None:
    manager = get_plugin_manager(load_settings(tmp_path))
    assert manager.infos["local_storage"].distribution == "socialflow"
    assert "socialflow_storage_backends" in manager.infos["local_storage"].hooks
    assert manager.provider("storage").name == "local"
    assert manager.provider("ranker").name == "chronological"


def test_socialflow_plugins_restricts_loading(tmp_path: Path) -> None:
    manager = get_plugin_manager(load_settings(tmp_path, plugins=["local_storage"]))
    providers = {name for name, info in manager.infos.items() if info.source != "app"}
    assert providers == {"local_storage"}
    # Apps are not plugins to pick from: disabled_apps switches optional ones off.
    assert "accounts" in manager.app_names()
    # The recommendations app offers its A/B ranker, which splits viewers over other rankers.
    with pytest.raises(PluginError, match="Available: ab\\."):
        manager.provider("ranker")


def test_unknown_provider_lists_the_available_names(tmp_path: Path) -> None:
    manager = get_plugin_manager(load_settings(tmp_path, storage="s4"))
    with pytest.raises(PluginError) as error:
        manager.check_active_providers()
    assert "`storage`" in str(error.value)
    # Storage plugins installed in the venv (.ci/plugins does that) are listed too.
    assert "local" in str(error.value).split("Available: ", 1)[1].split(".")[0]


def test_a_broken_plugin_is_reported_and_skipped(tmp_path: Path, plugin_dir: Path) -> None:
    write_module(plugin_dir, "broken_plugin", "raise ImportError('missing dependency foo')\n")
    settings = load_settings(tmp_path, plugin_modules=["broken_plugin"])
    manager = get_plugin_manager(settings)
    assert "missing dependency foo" in manager.failed["broken_plugin"]
    manager.check_active_providers()  # its providers are not active: start anyway


def test_a_broken_plugin_blocks_start_only_for_its_active_provider(
    tmp_path: Path, plugin_dir: Path
) -> None:
    from socialflow.core.platform import Platform

    write_module(plugin_dir, "broken_s3", "raise ImportError('No module named boto3')\n")
    # Not "s3": the real socialflow-s3 may be installed in this environment.
    settings = load_settings(tmp_path, plugin_modules=["broken_s3"], storage="s3-broken")
    with pytest.raises(PluginError) as error:
        Platform(settings).start()
    assert "broken_s3" in str(error.value)
    assert "No module named boto3" in str(error.value)


def test_duplicate_provider_names_are_refused(tmp_path: Path, plugin_dir: Path) -> None:
    write_module(
        plugin_dir,
        "shadow_storage",
        """
        from socialflow import hookimpl

        @hookimpl
        def socialflow_storage_backends():
            return {"local": lambda settings: None}
        """,
    )
    manager = get_plugin_manager(load_settings(tmp_path, plugin_modules=["shadow_storage"]))
    with pytest.raises(PluginError, match="registered twice"):
        manager.provider("storage")


def test_filters_chain_and_can_veto(tmp_path: Path, plugin_dir: Path) -> None:
    write_module(
        plugin_dir,
        "filters_a",
        """
        from socialflow import hookimpl
        from socialflow.plugins import ContentRejected

        @hookimpl
        def socialflow_filter_post(post):
            if "spam" in post["text"]:
                raise ContentRejected("no spam")
            return {**post, "text": post["text"].strip()}
        """,
    )
    write_module(
        plugin_dir,
        "filters_b",
        """
        from socialflow import hookimpl

        @hookimpl
        def socialflow_filter_post(post):
            return {**post, "text": post["text"] + "!"}
        """,
    )
    settings = load_settings(tmp_path, plugin_modules=["filters_a", "filters_b"])
    manager = get_plugin_manager(settings)
    result = manager.apply_filters("socialflow_filter_post", {"text": "  hi  "})
    # As pluggy calls hooks: filters_b, registered last, runs first; filters_a strips after.
    assert result["text"] == "hi  !"
    with pytest.raises(ContentRejected, match="no spam"):
        manager.apply_filters("socialflow_filter_post", {"text": "buy spam"})


def test_one_failing_event_handler_spares_the_others(tmp_path: Path, plugin_dir: Path) -> None:
    write_module(
        plugin_dir,
        "events_bad",
        """
        from socialflow import hookimpl

        @hookimpl
        def socialflow_on_event(event):
            raise RuntimeError("boom")
        """,
    )
    write_module(
        plugin_dir,
        "events_good",
        """
        from socialflow import hookimpl
        seen = []

        @hookimpl
        def socialflow_on_event(event):
            seen.append(event.name)
        """,
    )
    settings = load_settings(tmp_path, plugin_modules=["events_bad", "events_good"])
    manager = get_plugin_manager(settings)
    manager.emit(Event("post_created", {"post_id": 1}))
    assert sys.modules["events_good"].seen == ["post_created"]


def test_plugin_settings_are_validated_at_start(tmp_path: Path, plugin_dir: Path) -> None:
    from socialflow.core.platform import Platform
    from socialflow.core.settings import SettingsError

    write_module(
        plugin_dir,
        "configured_plugin",
        """
        from pydantic import BaseModel, ConfigDict
        from socialflow import hookimpl

        class Config(BaseModel):
            model_config = ConfigDict(extra="forbid")
            api_key: str

        @hookimpl
        def socialflow_settings_model():
            return ("configured", Config)
        """,
    )
    settings = load_settings(tmp_path, plugin_modules=["configured_plugin"])
    with pytest.raises(SettingsError, match=r"plugin\.configured\.api_key"):
        Platform(settings).start()


def test_a_pip_installed_plugin_outside_the_repo_is_found(tmp_path: Path) -> None:
    """An out-of-tree package with nothing but an entry point shows up and its hook runs."""
    package = tmp_path / "acme-plugin"
    (package / "acme_plugin").mkdir(parents=True)
    (package / "pyproject.toml").write_text(
        textwrap.dedent(
            """
            [build-system]
            requires = ["setuptools>=61"]
            build-backend = "setuptools.build_meta"

            [project]
            name = "acme-plugin"
            version = "1.2.3"

            [project.entry-points.socialflow]
            acme = "acme_plugin"
            """
        )
    )
    (package / "acme_plugin" / "__init__.py").write_text(
        textwrap.dedent(
            """
            import typer
            from socialflow import hookimpl

            @hookimpl
            def socialflow_cli(app):
                @app.command("acme-hello")
                def hello():
                    typer.echo("acme hook called")
            """
        )
    )
    target = tmp_path / "site"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "-q",
            "--no-deps",
            "--target",
            str(target),
            str(package),
        ],
        check=True,
    )
    env = {
        "PYTHONPATH": str(target),
        "PATH": str(Path(sys.executable).parent),
        "HOME": str(tmp_path),
    }
    project = tmp_path / "project"
    project.mkdir()
    listing = subprocess.run(
        [sys.executable, "-m", "socialflow", "plugins", "list", "-C", str(project)],
        env={**env, "COLUMNS": "200"},
        capture_output=True,
        text=True,
        check=True,
    )
    assert "acme" in listing.stdout
    assert "1.2.3" in listing.stdout
    called = subprocess.run(
        [sys.executable, "-m", "socialflow", "acme-hello"],
        env=env,
        cwd=project,
        capture_output=True,
        text=True,
        check=True,
    )
    assert "acme hook called" in called.stdout
