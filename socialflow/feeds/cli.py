"""``socialflow feeds rebuild``: rebuild home timelines from the social graph."""

from __future__ import annotations

from typing import Annotated

import typer

from socialflow.core.console import ProjectOption, console, error_console, platform_for
from socialflow.feeds.generations import Generations


def register(app: typer.Typer) -> None:
    feeds_app = typer.Typer(help="Home timelines: rebuild them from the graph.")
    app.add_typer(feeds_app, name="feeds")

    @feeds_app.command("rebuild")
    def rebuild(
        project: ProjectOption = None,
        user: Annotated[
            list[str] | None,
            typer.Option("--user", "-u", help="Rebuild only this user's timeline (repeatable)."),
        ] = None,
    ) -> None:
        """Rebuild home timelines (all of them, or those of --user), e.g. after a Redis flush."""
        from socialflow.feeds import pages as feeds
        from socialflow.feeds.rebuild import build_timelines
        from socialflow.graph import relations as graph

        platform = platform_for(project)
        try:
            if not user:
                with console.status("Rebuilding every home timeline..."):
                    total = build_timelines(platform)
                platform.get(Generations).bump([], everything=True)
                console.print(f"Rebuilt every home timeline: {total:,} entries.")
                return
            with platform.session() as session:
                for name in user:
                    try:
                        target = graph.get_visible_user(session, username=name, viewer=None)
                    except Exception:
                        error_console.print(f"[bold red]No user named {name}.[/]")
                        raise typer.Exit(1) from None
                    assert target.id is not None
                    count = feeds.rebuild_timeline(platform, session, target.id)
                    session.commit()
                    platform.get(Generations).bump([target.id])
                    console.print(f"Rebuilt {name}'s home timeline: {count} entries.")
        finally:
            platform.stop()
