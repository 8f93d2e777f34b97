"""``socialflow analytics``: roll up raw events (a backfill), and a creator's report."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from socialflow.core.console import (
    ProjectOption,
    RichProgress,
    console,
    error_console,
    platform_for,
)


def register(app: typer.Typer) -> None:
    analytics = typer.Typer(
        help="Analytics: roll up raw events, creators' reports.", no_args_is_help=True
    )
    app.add_typer(analytics, name="analytics")

    @analytics.command("rollup")
    def rollup_command(
        project: ProjectOption = None,
        since: Annotated[
            str | None,
            typer.Option(
                help="Recompute from this UTC day (YYYY-MM-DD) on, not only new events; "
                "no earlier than the raw events kept (raw_retention_days)."
            ),
        ] = None,
    ) -> None:
        """Roll raw events up into the hourly and daily tables now (what beat does every
        rollup_interval), or recompute a period with --since."""
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

        from socialflow.analytics import rollup
        from socialflow.analytics.settings import analytics_settings
        from socialflow.analytics.tasks import roll_all

        start = _parse_day(since) if since else None
        platform = platform_for(project)
        try:
            if start is not None:
                now = datetime.now(UTC)
                retention = analytics_settings(platform).raw_retention_days
                oldest = rollup.oldest_recomputable(now, retention)
                if start < oldest:
                    console.print(
                        f"Raw events before {oldest.date()} may be swept: recomputing from "
                        f"{oldest.date()} instead."
                    )
                    start = oldest
                with platform.session() as session:
                    marked = rollup.reset_since(session, start)
                    session.commit()
                console.print(f"{marked:,} raw events since {start.date()} to recompute.")
            columns = (TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn())
            with Progress(*columns, console=console) as bars:
                done = roll_all(platform, RichProgress(bars))
        finally:
            platform.stop()
        console.print(
            f"Rolled up {done.events:,} raw events into {done.hours:,} hours "
            f"and {done.days:,} days."
        )

    @analytics.command("report")
    def report(
        creator: Annotated[str, typer.Option(help="The creator's username.")],
        project: ProjectOption = None,
        days: Annotated[int, typer.Option(min=1, max=366, help="Days up to today.")] = 30,
        png: Annotated[Path | None, typer.Option(help="Write charts to this PNG file.")] = None,
        csv_path: Annotated[
            Path | None, typer.Option("--csv", help="Write the daily series to this CSV file.")
        ] = None,
    ) -> None:
        """A creator's views, watch time, engagement and followers over the last days."""
        from sqlmodel import select

        from socialflow.accounts.models import User
        from socialflow.analytics import report as files
        from socialflow.analytics import stats

        platform = platform_for(project)
        try:
            with (
                console.status(f"Reading {creator}'s numbers..."),
                platform.session(read_only=True) as session,
            ):
                user = session.exec(select(User).where(User.username == creator)).first()
                if user is None or user.id is None:
                    error_console.print(f"[red]No user {creator}.[/]")
                    raise typer.Exit(1)
                overview = stats.creator_overview(session, creator_id=user.id, days=days)
        finally:
            platform.stop()
        totals = overview["totals"]
        table = Table(title=f"{creator}: {overview['from']} to {overview['to']}")
        table.add_column("metric")
        table.add_column("total", justify="right")
        for name in ("views", "likes", "comments", "shares", "follows_gained", "follows_lost"):
            table.add_row(name.replace("_", " "), f"{totals[name]:,}")
        table.add_row("watch hours", f"{totals['watch_seconds'] / 3600:,.2f}")
        console.print(table)
        for video in overview["top_videos"]:
            console.print(f"  {video['views']:>8,} views  {video['title'] or video['video_id']}")
        if csv_path is not None:
            rows = files.write_csv(overview, csv_path)
            console.print(f"Wrote {rows} days to {csv_path}.")
        if png is not None:
            try:
                files.write_png(overview, png, title=creator)
            except files.MissingExtraError as exc:
                error_console.print(f"[red]{exc}[/]")
                raise typer.Exit(1) from None
            console.print(f"Wrote charts to {png}.")


def _parse_day(text: str) -> datetime:
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise typer.BadParameter(
            f"{text!r} is not a day (YYYY-MM-DD)", param_hint="--since"
        ) from None
    return datetime(day.year, day.month, day.day, tzinfo=UTC)
