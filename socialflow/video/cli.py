"""``socialflow videos``: list videos, process them again, delete them."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from socialflow.core.console import ProjectOption, console, error_console, platform_for


def register(app: typer.Typer) -> None:
    videos = typer.Typer(
        help="Videos: list them, process them again, delete them.", no_args_is_help=True
    )
    app.add_typer(videos, name="videos")

    @videos.command("list")
    def list_videos(
        project: ProjectOption = None,
        limit: Annotated[int, typer.Option(help="How many, newest first.")] = 50,
    ) -> None:
        """Show the newest videos with status, progress and failure reason."""
        from socialflow.video.videos import iter_all

        platform = platform_for(project)
        table = Table(title="videos")
        for column in ("id", "owner", "status", "progress", "duration", "size", "reason"):
            table.add_column(column, overflow="fold")
        with platform.session() as session:
            for index, video in enumerate(iter_all(session=session)):
                if index >= limit:
                    break
                table.add_row(
                    video.id,
                    str(video.owner_id),
                    video.status,
                    f"{video.progress}%",
                    f"{video.duration:.1f}s" if video.duration else "",
                    f"{video.width}x{video.height}" if video.width else "",
                    video.failure_reason or "",
                )
        console.print(table)

    @videos.command("reprocess")
    def reprocess(
        video_ids: Annotated[
            list[str] | None, typer.Argument(help="Ids of the videos to process again.")
        ] = None,
        everything: Annotated[
            bool, typer.Option("--all", help="Every processed video (ready or failed).")
        ] = False,
        missing_dash: Annotated[
            bool,
            typer.Option(
                "--missing-dash", help="Ready videos without a DASH manifest (needs cmaf)."
            ),
        ] = False,
        project: ProjectOption = None,
        inline: Annotated[
            bool, typer.Option(help="Run here and now instead of queueing for a worker.")
        ] = False,
        wait: Annotated[
            bool, typer.Option(help="Show progress until every queued job has ended.")
        ] = True,
        timeout: Annotated[float, typer.Option(help="Give up waiting after this, s.")] = 3600,
    ) -> None:
        """Process videos again (new renditions, or DASH for old videos) through the media
        queue; ready videos keep playing their old renditions until the new ones are in."""
        from socialflow.video.cli_jobs import run_reprocess

        if sum((bool(video_ids), everything, missing_dash)) != 1:
            error_console.print("[red]Give video ids, --all or --missing-dash (one of them).[/]")
            raise typer.Exit(2)
        code = run_reprocess(
            platform_for(project),
            ids=video_ids or [],
            everything=everything,
            missing_dash=missing_dash,
            inline=inline,
            wait=wait,
            timeout=timeout,
        )
        if code:
            raise typer.Exit(code)

    @videos.command("delete")
    def delete(
        video_id: Annotated[str, typer.Argument(help="The video's id.")],
        project: ProjectOption = None,
        yes: Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation.")] = False,
    ) -> None:
        """Delete a video now, whatever its state (an operator's action, no grace period):
        gone from every list and post at once; a media task removes its stored bytes."""
        from socialflow.video import videos as video_service
        from socialflow.video.models import Video

        platform = platform_for(project)
        with platform.session() as session:
            video = session.get(Video, video_id) if len(video_id) <= 32 else None
            if video is None:
                error_console.print(f"[red]No video {video_id}.[/]")
                raise typer.Exit(1)
            question = f"Delete video {video_id} ({video.title or 'untitled'}) for good?"
            if not yes and not typer.confirm(question):
                raise typer.Exit(1)
            prefixes = video_service.remove_now(
                session=session, plugins=platform.plugins, video=video
            )
            session.commit()
        console.print(f"Deleted video {video_id}; removing {', '.join(prefixes)} from storage.")
