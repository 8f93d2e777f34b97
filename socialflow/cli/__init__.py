"""The ``socialflow`` command line.

Each module adds its commands to the Typer app built by :func:`build_cli`;
plugins add theirs through the ``socialflow_cli`` hook. Expected failures
(bad settings, unreachable database) print one clear message and exit 2,
without a traceback.
"""

from __future__ import annotations

import sys

import typer
from rich.console import Console
from rich.markup import escape
from sqlalchemy.exc import OperationalError

from socialflow.cli import (
    db,
    doctor,
    feeds,
    mail,
    plugins,
    project,
    run,
    search,
    seed,
    users,
    videos,
)
from socialflow.cli.common import error_console
from socialflow.settings import SettingsError

HELP = """socialflow: the backend of a social video platform.

Start with `socialflow new mysite`, then `cd mysite && socialflow serve`.
Settings come from SOCIALFLOW_* environment variables and socialflow.toml.
"""


def build_cli(*, with_plugins: bool = True) -> typer.Typer:
    """The CLI app, with commands from every loaded plugin."""
    app = typer.Typer(
        help=HELP, no_args_is_help=True, rich_markup_mode="rich", pretty_exceptions_enable=False
    )
    for module in (project, db, run, plugins, doctor, users, seed, feeds, search, videos, mail):
        module.register(app)
    if with_plugins:
        _add_plugin_commands(app)
    return app


def _add_plugin_commands(app: typer.Typer) -> None:
    """Let plugins add commands; a project without valid settings still gets the core CLI."""
    try:
        from socialflow.plugins.manager import get_plugin_manager
        from socialflow.settings import load_settings

        manager = get_plugin_manager(load_settings())
    except SettingsError:
        return
    manager.hook.socialflow_cli(app=app)


def main() -> None:
    console: Console = error_console
    try:
        build_cli()(standalone_mode=True)
    except SettingsError as exc:
        console.print(f"[bold red]Configuration error:[/] {escape(str(exc))}", highlight=False)
        sys.exit(2)
    except OperationalError as exc:
        console.print(
            "[bold red]Database unreachable:[/] "
            f"{str(exc.orig).strip().splitlines()[0] if exc.orig else exc}. "
            "Check `database_url` (SOCIALFLOW_DATABASE_URL) and that the server is running.",
            highlight=False,
        )
        sys.exit(2)
