"""``socialflow search reindex``: rebuild the search index from the database (a repair path).

The index follows every change through tasks queued after the commit; this
command is for when it cannot have: a new search backend, a restored
backup, tasks lost with a broker. ``--users-only`` replays just the users
changed since the persisted watermark.
"""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from socialflow.core.console import ProjectOption, RichProgress, console, platform_for


def register(app: typer.Typer) -> None:
    search_app = typer.Typer(help="The search index: rebuild it from the database.")
    app.add_typer(search_app, name="search")

    @search_app.command("reindex")
    def reindex(
        project: ProjectOption = None,
        users_only: Annotated[
            bool,
            typer.Option(
                "--users-only", help="Only users changed since the last reindex (the watermark)."
            ),
        ] = False,
    ) -> None:
        """Feed every user, post, public hashtag and ready video to the search backend, and
        drop suspended or deleted accounts, deleted posts and videos that are not ready."""
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
        )

        from socialflow.search import service as search

        platform = platform_for(project)
        try:
            if users_only:
                total = 0
                with console.status("Indexing changed users..."), platform.session() as session:
                    while (count := search.catch_up_users(platform, session)) > 0:
                        total += count
                        if count < search.USER_SYNC_BATCH:
                            break
                console.print(f"Indexed {total:,} changed users.")
                return
            columns = (
                TextColumn("[bold]{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
            )
            with Progress(*columns, console=console) as bars:
                counts = search.rebuild_index(platform, RichProgress(bars))
        finally:
            platform.stop()
        table = Table(title="Search index rebuilt", show_header=False)
        for kind, count in counts.items():
            table.add_row(kind, f"{count:,}")
        console.print(table)
