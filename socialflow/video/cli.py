"""``socialflow videos``: list videos and re-run their processing."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from socialflow.core.console import ProjectOption, console, error_console, platform_for


def register(app: typer.Typer) -> None:
    videos = typer.Typer(help="Videos: list them, re-run processing.", no_args_is_help=True)
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
        video_id: Annotated[str, typer.Argument(help="The video's id.")],
        project: ProjectOption = None,
        inline: Annotated[
            bool, typer.Option(help="Run here and now instead of queueing for a worker.")
        ] = False,
    ) -> None:
        """Re-run probing and transcoding; the old renditions stay until the new ones are in."""
        from socialflow.video import videos as video_service
        from socialflow.video.models import Video

        platform = platform_for(project)
        with platform.session() as session:
            video = session.get(Video, video_id)
            if video is None:
                error_console.print(f"[red]No video {video_id}.[/]")
                raise typer.Exit(1)
            video_service.start_processing(session=session, video=video)
            if inline:
                from socialflow.core.effects import take_pending

                take_pending(session)  # run it below instead of sending it to the broker
            session.commit()
        if not inline:
            console.print(f"Queued video {video_id} for processing on the media queue.")
            return
        with console.status(f"Processing {video_id}..."):
            outcome = video_service.process_video(
                sessions=platform.session,
                storage=platform.storage,
                settings=platform.settings,
                video_id=video_id,
                platform=platform,
            )
        console.print(f"{video_id}: {outcome}")
        if outcome.startswith("failed"):
            raise typer.Exit(1)
