"""The ``socialflow`` command line.

The framework's own commands (new, migrate, serve, worker, doctor, plugins,
plugin new)
live here; each app adds its commands (users, seed, feeds, search, videos...)
through the ``socialflow_cli`` hook, and so do other plugins. Expected failures
(bad settings, unreachable database) print one clear message and exit 2,
without a traceback.

Building the app must stay cheap: command modules import FastAPI, SQLAlchemy,
Celery and the models inside their command functions, never at the top
(``tests/test_cli_startup.py`` checks it), so ``--help`` answers at once.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import typer
from rich.console import Console
from rich.markup import escape

from socialflow.builtins import outbox_cli as mail
from socialflow.cli import authoring, db, doctor, plugins, project, run, sdk
from socialflow.core.console import error_console
from socialflow.core.settings import SettingsError

if TYPE_CHECKING:
    from socialflow.plugins.manager import SocialflowPluginManager

HELP = """socialflow: the backend of a social video platform.

Start with `socialflow new mysite`, then `cd mysite && socialflow serve`.
Settings come from SOCIALFLOW_* environment variables and socialflow.toml.
"""


def build_cli(*, with_plugins: bool = True) -> typer.Typer:
    """The CLI app: the framework's commands, the apps' and (``with_plugins``) other plugins'.

    Without ``with_plugins`` no settings are read and every installed app adds
    its commands; with it, the apps the settings enable do, then the plugins.
    """
    app = typer.Typer(
        help=HELP, no_args_is_help=True, rich_markup_mode="rich", pretty_exceptions_enable=False
    )
    for module in (project, db, run, plugins, authoring, doctor, mail, sdk):
        module.register(app)
    manager = _plugin_manager() if with_plugins else None
    _add_app_commands(app, manager)
    if manager is not None:
        _add_plugin_commands(app, manager)
    return app


def _plugin_manager() -> SocialflowPluginManager | None:
    """The plugins of the current project's settings, or None if they cannot be read
    (a project without valid settings still gets every command)."""
    try:
        from socialflow.core.settings import load_settings
        from socialflow.plugins.manager import get_plugin_manager

        return get_plugin_manager(load_settings())
    except SettingsError:
        return None


def _add_app_commands(app: typer.Typer, manager: SocialflowPluginManager | None) -> None:
    """Each app's commands, in the apps' order: the enabled ones, or every installed one."""
    from socialflow.plugins.apps import discover_apps

    apps = manager.apps if manager is not None else discover_apps(set())[0]
    for loaded in apps:
        add_commands = getattr(loaded.module, "socialflow_cli", None)
        if add_commands is not None:
            add_commands(app=app)


def _add_plugin_commands(app: typer.Typer, manager: SocialflowPluginManager) -> None:
    """The commands of plugins that are not apps (those added theirs already)."""
    from socialflow.plugins.manager import call_order

    apps = {id(loaded.module) for loaded in manager.apps}
    for impl in call_order(manager.hook.socialflow_cli):
        if id(impl.plugin) not in apps:
            impl.function(app=app)


def _unreachable_database(exc: BaseException) -> str | None:
    """What failed, if ``exc`` is SQLAlchemy's OperationalError (found without importing it)."""
    errors = sys.modules.get("sqlalchemy.exc")
    if errors is None or not isinstance(exc, errors.OperationalError):
        return None
    return str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)


def main() -> None:
    console: Console = error_console
    try:
        build_cli()(standalone_mode=True)
    except SettingsError as exc:
        console.print(f"[bold red]Configuration error:[/] {escape(str(exc))}", highlight=False)
        sys.exit(2)
    except Exception as exc:
        reason = _unreachable_database(exc)
        if reason is None:
            raise
        console.print(
            f"[bold red]Database unreachable:[/] {reason}. "
            "Check `database_url` (SOCIALFLOW_DATABASE_URL) and that the server is running.",
            highlight=False,
        )
        sys.exit(2)
