"""Hook implementations that only declare: an app's info, table and task modules, migrations.

Most of an app's ``hooks.py`` is the same shape, a function per hook that
returns a constant list. :func:`declared` builds that function, so an app
says what it is in a line per hook, under the hook's own name (which is how
pluggy finds it, and how a reader greps for it)::

    socialflow_apps = declared(AppInfo("polls", "Polls on posts", requires=("social",)))
    socialflow_table_modules = declared("myapp.polls.models")
    socialflow_migration_dirs = declared(str(Path(__file__).parent / "migrations"))
    socialflow_task_modules = declared("myapp.polls.tasks")

Two hooks that import code have the same shape in every app too: the
settings section and the CLI commands. :func:`settings_section` and
:func:`cli_commands` build them, importing the named module only when the
hook is called, so that loading the apps for ``socialflow --help`` imports
nothing heavy::

    socialflow_settings_model = settings_section("myapp.polls.settings", "PollSettings")
    socialflow_cli = cli_commands("myapp.polls.cli")

Other hooks that import code (routers, tasks' schedules) stay ordinary functions.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib import import_module
from typing import TYPE_CHECKING, TypeVar

from socialflow.plugins.specs import hookimpl

if TYPE_CHECKING:
    import typer
    from pydantic import BaseModel

T = TypeVar("T")


def declared(*values: T) -> Callable[[], list[T]]:
    """A hook implementation, taking no arguments, that answers ``[*values]``.

    Assign it to the hook's name at module level; each call answers a new
    list, so a caller that changes it changes nothing for the next one.
    """
    answer = tuple(values)

    def implementation() -> list[T]:
        return list(answer)

    return hookimpl(implementation)


def settings_section(module: str, model: str) -> Callable[[], tuple[str, type[BaseModel]]]:
    """A ``socialflow_settings_model`` answering ``module``'s ``SECTION`` and its
    ``model`` class (``[plugin.<SECTION>]`` in socialflow.toml), imported when called."""

    def socialflow_settings_model() -> tuple[str, type[BaseModel]]:
        found = import_module(module)
        return found.SECTION, getattr(found, model)

    return hookimpl(socialflow_settings_model)


def cli_commands(module: str) -> Callable[[typer.Typer], None]:
    """A ``socialflow_cli`` calling ``module.register(app)``, imported when called."""

    def socialflow_cli(app: typer.Typer) -> None:
        import_module(module).register(app)

    return hookimpl(socialflow_cli)
