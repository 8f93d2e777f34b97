"""``socialflow migrate``: apply, print, revert and write migrations."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from socialflow.core.console import ProjectOption, console, platform_for

if TYPE_CHECKING:
    from alembic.config import Config

    from socialflow.core.platform import Platform


def alembic_config_for(platform: Platform, **kwargs: object) -> Config:
    from socialflow.core.db import migrate as migrations

    return migrations.alembic_config(platform.engine, plugins=platform.plugins, **kwargs)  # type: ignore[arg-type]


def migrate_to_head(platform: Platform) -> bool:
    """Upgrade to head; returns whether anything had to be applied."""
    from socialflow.core.db import migrate as migrations

    config = alembic_config_for(platform)
    if migrations.is_at_head(platform.engine, config):
        return False
    migrations.upgrade(config)
    return True


def register(app: typer.Typer) -> None:
    migrate_app = typer.Typer(
        help="Bring the database schema up to date (Alembic), or print, revert, write migrations.",
        invoke_without_command=True,
    )

    @migrate_app.callback()
    def migrate(
        ctx: typer.Context,
        project: ProjectOption = None,
        sql: Annotated[
            bool, typer.Option("--sql", help="Print the SQL instead of running it.")
        ] = False,
        revision: Annotated[str, typer.Option(help="Target revision.")] = "heads",
    ) -> None:
        """Upgrade the database to the newest schema (the default action)."""
        ctx.obj = project
        if ctx.invoked_subcommand is not None:
            return
        from socialflow.core.db import migrate as migrations

        platform = platform_for(project)
        config = alembic_config_for(platform)
        if sql:
            typer.echo(migrations.upgrade_sql(config, revision))
            return
        before = migrations.current_heads(platform.engine)
        migrations.upgrade(config, revision)
        after = migrations.current_heads(platform.engine)
        state = (
            "already up to date"
            if before == after
            else f"upgraded {sorted(before) or 'empty'} -> {sorted(after)}"
        )
        console.print(
            f"[green]Database {state}[/] "
            f"({platform.engine.url.render_as_string(hide_password=True)})"
        )

    @migrate_app.command("downgrade")
    def downgrade(
        ctx: typer.Context,
        revision: Annotated[str, typer.Argument(help="Revision to go back to, e.g. -1 or base.")],
    ) -> None:
        """Revert the schema to an earlier revision."""
        from socialflow.core.db import migrate as migrations

        platform = platform_for(ctx.obj)
        migrations.downgrade(alembic_config_for(platform), revision)
        console.print(f"[yellow]Downgraded to {revision}[/]")

    @migrate_app.command("revision")
    def revision_cmd(
        ctx: typer.Context,
        message: Annotated[str, typer.Option("-m", "--message", help="What the migration does.")],
        autogenerate: Annotated[
            bool,
            typer.Option("--autogenerate/--empty", help="Diff the models against the database."),
        ] = True,
    ) -> None:
        """(Contributors) write a new migration into socialflow's versions folder."""
        from socialflow.core.db import migrate as migrations

        platform = platform_for(ctx.obj)
        script = migrations.make_revision(
            alembic_config_for(platform), message, autogenerate=autogenerate
        )
        path = getattr(script, "path", None)
        console.print(f"[green]Wrote[/] {Path(path) if path else script}")

    @migrate_app.command("status")
    def status(ctx: typer.Context) -> None:
        """Show the database's revision and whether it is at head."""
        from socialflow.core.db import migrate as migrations

        platform = platform_for(ctx.obj)
        config = alembic_config_for(platform)
        current = migrations.current_heads(platform.engine)
        heads = migrations.script_heads(config)
        at_head = migrations.is_at_head(platform.engine, config)
        mark = "[green]at head[/]" if at_head else "[yellow]behind[/]"
        console.print(f"current: {sorted(current) or 'empty'}  head: {sorted(heads)}  {mark}")

    app.add_typer(migrate_app, name="migrate")
