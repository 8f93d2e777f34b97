"""``socialflow seed``: realistic demo data (users, follower graph, posts, likes, comments)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from socialflow.core.console import (
    ProjectOption,
    RichProgress,
    console,
    error_console,
    platform_for,
)
from socialflow.core.errors import Conflict

if TYPE_CHECKING:
    pass


def register(app: typer.Typer) -> None:
    @app.command("seed")
    def seed_command(
        project: ProjectOption = None,
        users: Annotated[int, typer.Option("--users", min=2, help="Users to create.")] = 1000,
        posts: Annotated[int, typer.Option("--posts", min=0, help="Posts to create.")] = 10_000,
        seed: Annotated[
            int, typer.Option("--seed", help="Random seed (same seed, same data).")
        ] = 42,
        reset: Annotated[
            bool, typer.Option("--reset", help="Replace data from an earlier seed.")
        ] = False,
        following: Annotated[
            int, typer.Option("--avg-following", min=1, help="Typical accounts a user follows.")
        ] = 30,
        likes: Annotated[float, typer.Option("--likes-per-post", min=0)] = 2.0,
        comments: Annotated[float, typer.Option("--comments-per-post", min=0)] = 0.3,
        timelines: Annotated[
            bool, typer.Option("--timelines/--no-timelines", help="Build home timelines.")
        ] = True,
        depth: Annotated[
            int,
            typer.Option(
                "--timeline-depth",
                min=1,
                help="Entries per seeded home timeline (one page; deeper pages are read from "
                "the graph until fan-out fills the timeline).",
            ),
        ] = 20,
        search: Annotated[
            bool, typer.Option("--search/--no-search", help="Fill the search index.")
        ] = True,
        analytics_days: Annotated[
            int,
            typer.Option(
                "--analytics-days",
                min=0,
                max=3650,
                help="Days of analytics history (views, likes, follows) for the most "
                "followed creators, rolled up; 0: none. Capped at raw_retention_days.",
            ),
        ] = 90,
    ) -> None:
        """Fill the database with realistic demo data (password of every seeded user:
        `socialflow-demo`). Refuses on an already seeded database unless --reset."""
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
        )

        from socialflow.demo.seed import DEMO_PASSWORD, SeedPlan
        from socialflow.demo.seed import seed as run_seed

        platform = platform_for(project)
        plan = SeedPlan(
            users=users,
            posts=posts,
            seed=seed,
            avg_following=following,
            likes_per_post=likes,
            comments_per_post=comments,
            timelines=timelines,
            timeline_depth=depth,
            search=search,
            analytics_days=analytics_days,
        )
        columns = (
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
        )
        try:
            with Progress(*columns, console=console) as bars:
                report = run_seed(platform, plan, reset_first=reset, progress=RichProgress(bars))
        except Conflict as exc:
            error_console.print(f"[bold red]Refusing:[/] {exc.detail}", highlight=False)
            raise typer.Exit(1) from exc
        finally:
            platform.stop()
        table = Table(title="Seeded", show_header=False)
        names = ("users", "follows", "posts", "likes", "comments", "timeline_entries")
        for name in (*names, "analytics_events"):
            table.add_row(name.replace("_", " "), f"{getattr(report, name):,}")
        table.add_row("seconds", ", ".join(f"{k} {v}" for k, v in report.seconds.items()))
        table.add_row("password", DEMO_PASSWORD)
        console.print(table)
