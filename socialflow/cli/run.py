"""``socialflow serve``, ``worker`` and ``beat``: run the API, Celery workers and the scheduler.

Celery beat sends the periodic tasks (see
:func:`socialflow.tasks.celery_app.beat_schedule`). Run exactly one per
deployment: embedded in one worker (``socialflow worker --beat``; ``serve``'s
embedded worker does so by default) or alone (``socialflow beat``).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from socialflow.cli.common import ProjectOption, console, platform_for
from socialflow.cli.db import alembic_config_for, migrate_to_head
from socialflow.cli.listener import adopt_listener
from socialflow.db import migrate as migrations
from socialflow.settings import ENV_PREFIX, Settings, SettingsError
from socialflow.tasks.celery_app import DEFAULT_QUEUE, MEDIA_QUEUE, beat_schedule_path


def _child_env(project_dir: Path) -> dict[str, str]:
    """Environment for child processes: they must read the same project."""
    return {**os.environ, f"{ENV_PREFIX}PROJECT_DIR": str(project_dir)}


def start_embedded_worker(project_dir: Path, *, beat: bool = True) -> subprocess.Popen[bytes]:
    """A `socialflow worker` child process serving both queues (and beat, unless told not to)."""
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "socialflow",
            "worker",
            "--concurrency",
            "1",
            "--queues",
            f"{DEFAULT_QUEUE},{MEDIA_QUEUE}",
            "--beat" if beat else "--no-beat",
        ],
        env=_child_env(project_dir),
    )


def beat_arguments(settings: Settings) -> list[str]:
    """Beat's state file in the project's state folder (created), never the cwd."""
    path = beat_schedule_path(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    return ["--schedule", str(path)]


def serve_project(
    project: Path | None,
    *,
    host: str = "127.0.0.1",
    port: int = 8000,
    workers: int = 1,
    reload: bool = False,
    worker: bool = True,
    beat: bool = True,
) -> None:
    """Migrate (embedded SQLite only), start the embedded worker, run uvicorn until stopped."""
    import uvicorn

    platform = platform_for(project)
    settings = platform.settings
    config = alembic_config_for(platform)
    if settings.is_sqlite:
        if migrate_to_head(platform):
            console.print(f"[green]Migrated the SQLite database[/] {settings.database_url}")
    elif not migrations.is_at_head(platform.engine, config):
        raise SettingsError("the database schema is not at head. Run `socialflow migrate` first.")
    platform.stop()
    warning = adopt_listener(settings, host, port)  # before the worker starts: it inherits
    if warning:
        console.print(f"[bold yellow]Warning:[/] {escape(warning)}", highlight=False)
    child = start_embedded_worker(settings.project_dir, beat=beat) if worker else None
    if child:
        with_beat = " with beat" if beat else ""
        console.print(f"[cyan]Embedded Celery worker{with_beat} started[/] (pid {child.pid})")
    console.print(f"[bold]socialflow[/] serving {settings.project_dir} on http://{host}:{port}")
    os.environ[f"{ENV_PREFIX}PROJECT_DIR"] = str(settings.project_dir)
    try:
        uvicorn.run(
            "socialflow.app:create_app",
            factory=True,
            host=host,
            port=port,
            workers=workers if not reload else None,
            reload=reload,
            log_level=settings.log_level.lower(),
            access_log=False,
            proxy_headers=True,
        )
    finally:
        if child:
            child.terminate()
            try:
                child.wait(timeout=15)
            except subprocess.TimeoutExpired:
                child.kill()


def register(app: typer.Typer) -> None:
    @app.command()
    def serve(
        project: ProjectOption = None,
        host: Annotated[str, typer.Option(help="Interface to bind.")] = "127.0.0.1",
        port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
        workers: Annotated[int, typer.Option(help="API processes (uvicorn workers).")] = 1,
        reload: Annotated[
            bool, typer.Option(help="Restart on code changes (development).")
        ] = False,
        worker: Annotated[
            bool, typer.Option("--worker/--no-worker", help="Also run an embedded Celery worker.")
        ] = True,
        beat: Annotated[
            bool,
            typer.Option(
                "--beat/--no-beat",
                help="Run Celery beat (periodic tasks) in the embedded worker. Turn it off "
                "when another process runs beat: exactly one per deployment.",
            ),
        ] = True,
    ) -> None:
        """Run the API server (uvicorn). On the embedded SQLite default a new database is
        migrated first; elsewhere the schema must be at head (`socialflow migrate`)."""
        serve_project(
            project,
            host=host,
            port=port,
            workers=workers,
            reload=reload,
            worker=worker,
            beat=beat,
        )

    @app.command()
    def worker(
        project: ProjectOption = None,
        queues: Annotated[str, typer.Option(help="Comma-separated queues to consume.")] = (
            f"{DEFAULT_QUEUE},{MEDIA_QUEUE}"
        ),
        concurrency: Annotated[int, typer.Option(help="Worker processes.")] = 2,
        loglevel: Annotated[str, typer.Option(help="Celery log level.")] = "INFO",
        pool: Annotated[str, typer.Option(help="Celery pool: prefork, solo, threads.")] = "prefork",
        beat: Annotated[
            bool,
            typer.Option(
                "--beat/--no-beat",
                "-B",
                help="Also run Celery beat (periodic tasks) in this worker. Exactly one beat "
                "per deployment: on one worker, or `socialflow beat` on its own.",
            ),
        ] = False,
    ) -> None:
        """Run a Celery worker for this project (the `media` queue does transcoding)."""
        platform = platform_for(project)
        os.environ[f"{ENV_PREFIX}PROJECT_DIR"] = str(platform.settings.project_dir)
        argv = [
            "worker",
            "--queues",
            queues,
            "--concurrency",
            str(concurrency),
            "--loglevel",
            loglevel,
            "--pool",
            pool,
            "--without-gossip",
            "--without-mingle",
        ]
        if beat:
            argv += ["--beat", *beat_arguments(platform.settings)]
        platform.celery.worker_main(argv)

    @app.command("beat")
    def beat_command(
        project: ProjectOption = None,
        loglevel: Annotated[str, typer.Option(help="Celery log level.")] = "INFO",
    ) -> None:
        """Run Celery beat alone: it sends the periodic tasks (trending prune, media sweep)
        to the workers. Run exactly one per deployment, and then no worker with --beat."""
        platform = platform_for(project)
        os.environ[f"{ENV_PREFIX}PROJECT_DIR"] = str(platform.settings.project_dir)
        platform.celery.start(["beat", "--loglevel", loglevel, *beat_arguments(platform.settings)])
