"""Plugins ship their own Alembic version folders; `migrate` upgrades every head."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from sqlalchemy import inspect

from socialflow.cli.db import alembic_config_for, migrate_to_head
from socialflow.core.db import migrate as migrations
from socialflow.core.platform import Platform
from socialflow.core.settings import load_settings


@pytest.fixture
def plugin_with_migrations(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    package = tmp_path / "pkgs" / "acme_things"
    versions = package / "migrations"
    versions.mkdir(parents=True)
    (package / "__init__.py").write_text(
        textwrap.dedent(
            """
            from pathlib import Path
            from socialflow import hookimpl

            @hookimpl
            def socialflow_migration_dirs():
                return [str(Path(__file__).parent / "migrations")]
            """
        )
    )
    (versions / "acme0001_things.py").write_text(
        textwrap.dedent(
            """
            import sqlalchemy as sa
            from alembic import op

            revision = "acme0001"
            down_revision = None
            branch_labels = ("acme",)
            depends_on = "ae23774344b2"

            def upgrade():
                op.create_table(
                    "acme_things",
                    sa.Column("id", sa.Integer, primary_key=True),
                    sa.Column("owner_id", sa.Integer, sa.ForeignKey("users.id")),
                )

            def downgrade():
                op.drop_table("acme_things")
            """
        )
    )
    monkeypatch.syspath_prepend(str(tmp_path / "pkgs"))
    return "acme_things"


def test_plugin_branch_is_migrated_with_the_core(
    tmp_path: Path, plugin_with_migrations: str
) -> None:
    settings = load_settings(tmp_path / "project", plugin_modules=[plugin_with_migrations])
    platform = Platform(settings).start()
    try:
        assert migrate_to_head(platform) is True
        tables = inspect(platform.engine).get_table_names()
        assert {"users", "acme_things"} <= set(tables)
        config = alembic_config_for(platform)
        assert "acme0001" in migrations.current_heads(platform.engine)
        assert migrations.is_at_head(platform.engine, config)
        assert migrate_to_head(platform) is False
    finally:
        platform.stop()
