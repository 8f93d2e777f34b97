"""Hook implementations that only declare: an app's info, table and task modules, migrations.

Most of an app's ``hooks.py`` is the same shape, a function per hook that
returns a constant list. :func:`declared` builds that function, so an app
says what it is in a line per hook, under the hook's own name (which is how
pluggy finds it, and how a reader greps for it)::

    socialflow_apps = declared(AppInfo("polls", "Polls on posts", requires=("social",)))
    socialflow_table_modules = declared("myapp.polls.models")
    socialflow_migration_dirs = declared(str(Path(__file__).parent / "migrations"))
    socialflow_task_modules = declared("myapp.polls.tasks")

Hooks that import code (routers, commands) stay ordinary functions, so that
loading the apps for ``socialflow --help`` imports nothing heavy.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from socialflow.plugins.specs import hookimpl

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
