"""Alembic driven from code: upgrade, downgrade, revision, status, drift check.

The migration scripts ship inside the package, so an installed socialflow
can migrate without an ``alembic.ini``; every app (and plugin) adds its
version folder through the ``socialflow_migration_dirs`` hook and its tables
through ``socialflow_table_modules``, so a switched-off app's migrations are
absent.
"""

from __future__ import annotations

import importlib
import io
import weakref
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Engine
from sqlmodel import SQLModel

from socialflow.core.db.engine import normalize_database_url

if TYPE_CHECKING:
    from socialflow.plugins.manager import SocialflowPluginManager

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def _plugins(plugins: SocialflowPluginManager | None) -> SocialflowPluginManager:
    """The given plugins, or those of default settings (every installed app)."""
    if plugins is not None:
        return plugins
    from socialflow.core.settings import Settings
    from socialflow.plugins.manager import get_plugin_manager

    return get_plugin_manager(Settings())


def version_dirs(plugins: SocialflowPluginManager) -> list[str]:
    """The migration folders of the enabled apps and plugins."""
    return [d for found in plugins.hook.socialflow_migration_dirs() for d in found]


def import_tables(plugins: SocialflowPluginManager) -> None:
    """Import every table module of the enabled apps and plugins (fills the metadata)."""
    for modules in plugins.hook.socialflow_table_modules():
        for module in modules:
            importlib.import_module(module)


def alembic_config(
    engine: Engine | None,
    *,
    plugins: SocialflowPluginManager | None = None,
    database_url: str | None = None,
    stdout: Any = None,
) -> Config:
    """An Alembic config pointing at the packaged environment and the version folders
    of ``plugins`` (default: those of default settings, every installed app)."""
    plugins = _plugins(plugins)
    config = Config(stdout=stdout) if stdout is not None else Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["plugins"] = plugins
    locations = version_dirs(plugins)
    config.set_main_option("version_locations", " ".join(locations))
    config.set_main_option("path_separator", "space")
    config.set_main_option("file_template", "%%(year)d%%(month).2d%%(day).2d_%%(rev)s_%%(slug)s")
    url = database_url or (engine.url.render_as_string(hide_password=False) if engine else "")
    # ConfigParser interpolation would choke on % in passwords.
    config.set_main_option("sqlalchemy.url", normalize_database_url(url).replace("%", "%%"))
    config.attributes["engine"] = engine
    return config


def upgrade(config: Config, revision: str = "heads") -> None:
    command.upgrade(config, revision)


def upgrade_sql(config: Config, revision: str = "heads") -> str:
    """The SQL an upgrade would run, without touching the database."""
    buffer = io.StringIO()
    config.output_buffer = buffer
    command.upgrade(config, revision, sql=True)
    return buffer.getvalue()


def downgrade(config: Config, revision: str) -> None:
    command.downgrade(config, revision)


def make_revision(config: Config, message: str, *, autogenerate: bool = True) -> Any:
    return command.revision(config, message=message, autogenerate=autogenerate)


def current_heads(engine: Engine) -> set[str]:
    with engine.connect() as connection:
        return set(MigrationContext.configure(connection).get_current_heads())


def script_heads(config: Config) -> set[str]:
    return set(ScriptDirectory.from_config(config).get_heads())


def _applied_revisions(script: ScriptDirectory, current: set[str]) -> set[str]:
    """Every revision the database has, through down revisions and ``depends_on``."""

    def as_tuple(value: str | Sequence[str] | None) -> tuple[str, ...]:
        return (value,) if isinstance(value, str) else tuple(value or ())

    seen: set[str] = set()
    pending = list(current)
    while pending:
        revision = script.get_revision(pending.pop())
        if revision is None or revision.revision in seen:
            continue
        seen.add(revision.revision)
        pending.extend(as_tuple(revision.down_revision))
        pending.extend(as_tuple(revision.dependencies))
    return seen


def is_at_head(engine: Engine, config: Config) -> bool:
    """Whether every head is applied (a plugin branch's ``depends_on`` makes the
    core head an ancestor, which Alembic then no longer lists as current)."""
    script = ScriptDirectory.from_config(config)
    return script_heads(config) <= _applied_revisions(script, current_heads(engine))


# Engines whose schema was found at head. A running server's schema does not go
# back, so once at head is enough; a schema behind is checked again each time.
_AT_HEAD: weakref.WeakSet[Engine] = weakref.WeakSet()


def is_at_head_cached(engine: Engine, config: Callable[[], Config]) -> bool:
    """:func:`is_at_head`, remembered once true (``/readyz`` asks on every probe).

    ``config`` builds the Alembic config only when the database must be read.
    """
    if engine in _AT_HEAD:
        return True
    if is_at_head(engine, config()):
        _AT_HEAD.add(engine)
        return True
    return False


def include_name(name: str | None, type_: str, parent_names: object) -> bool:
    """Leave hand-made, engine-specific objects out of autogenerate comparisons.

    The built-in ``sql`` search backend's full-text index (an FTS5 table and
    its shadow tables on SQLite, a GIN expression index on PostgreSQL) is
    created by the social migration, not by the models: names ``search_fts*``.
    """
    return not (name or "").startswith("search_fts")


def schema_drift(engine: Engine, plugins: SocialflowPluginManager | None = None) -> list[Any]:
    """Differences between the models and the database (empty when in sync)."""
    import_tables(_plugins(plugins))

    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "include_name": include_name}
        )
        return list(compare_metadata(context, SQLModel.metadata))
