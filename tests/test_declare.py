"""``declared``: a constant hook implementation, found under the name it is assigned to."""

from __future__ import annotations

from types import SimpleNamespace

from socialflow.core.settings import Settings
from socialflow.plugins.declare import declared
from socialflow.plugins.manager import SocialflowPluginManager
from socialflow.plugins.specs import AppInfo


def test_declared_hooks_register_under_their_names_and_answer_fresh_lists() -> None:
    plugin = SimpleNamespace(
        socialflow_apps=declared(AppInfo("polls", "Polls on posts", requires=("social",))),
        socialflow_table_modules=declared("polls.models", "polls.votes"),
        socialflow_migration_dirs=declared(),
    )
    manager = SocialflowPluginManager(Settings(secret_key="s" * 48))
    manager.register_module(plugin, name="polls")
    assert manager.infos["polls"].hooks == [
        "socialflow_apps",
        "socialflow_migration_dirs",
        "socialflow_table_modules",
    ]
    assert manager.hook.socialflow_table_modules() == [["polls.models", "polls.votes"]]
    assert manager.hook.socialflow_migration_dirs() == [[]]
    [[info]] = manager.hook.socialflow_apps()
    assert info.name == "polls"
    first = plugin.socialflow_table_modules()
    first.append("changed by a caller")
    assert plugin.socialflow_table_modules() == ["polls.models", "polls.votes"]


def test_settings_section_and_cli_commands_import_when_called() -> None:
    """The two built hooks name a module and import it only when pluggy calls them."""
    import sys

    import typer

    from socialflow.plugins.declare import cli_commands, settings_section

    sys.modules.pop("socialflow.live.cli", None)
    settings_hook = settings_section("socialflow.live.settings", "LiveSettings")
    cli_hook = cli_commands("socialflow.live.cli")
    assert "socialflow.live.cli" not in sys.modules  # nothing imported yet
    section, model = settings_hook()
    from socialflow.live.settings import SECTION, LiveSettings

    assert (section, model) == (SECTION, LiveSettings)
    app = typer.Typer()
    cli_hook(app)
    assert "socialflow.live.cli" in sys.modules
    assert [group.name for group in app.registered_groups] == ["live"]
