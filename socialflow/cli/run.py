"""``socialflow serve``, ``worker`` and ``beat``: run the API, Celery workers and the scheduler.

Celery beat sends the periodic tasks (see
:func:`socialflow.core.celery.beat_schedule`). Run exactly one per
deployment: embedded in one worker (``socialflow worker --beat``; ``serve``'s
embedded worker does so by default) or alone (``socialflow beat``).

serve's embedded worker ends with serve, however serve ends: see
:mod:`socialflow.core.processes`.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape

from socialflow.cli.db import alembic_config_for, migrate_to_head
from socialflow.cli.listener import adopt_listener
from socialflow.core.celery import DEFAULT_QUEUE, MEDIA_QUEUE, beat_schedule_path
from socialflow.core.console import ProjectOption, console, platform_for
from socialflow.core.processes import die_with_parent, exit_on_sigterm, stop_child, watch_parent
from socialflow.core.settings import ENV_PREFIX, Settings, SettingsError
from socialflow.realtime.settings import SECTION as REALTIME
from socialflow.realtime.settings import RealtimeSettings


def _child_env(project_dir: Path) -> dict[str, str]:
    """Environment for child processes: they must read the same project."""
    return {**os.environ, f"{ENV_PREFIX}PROJECT_DIR": str(project_dir)}


def start_embedded_worker(project_dir: Path, *, beat: bool = True) -> subprocess.Popen[bytes]:
    """A `socialflow worker` child process serving both queues (and beat, unless told not to).

    It leads its own process group (stopping it reaches its pool and beat) and
    exits when serve dies, even from SIGKILL.
    """
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
            "--parent-pid",
            str(os.getpid()),
        ],
        env=_child_env(project_dir),
        preexec_fn=die_with_parent(),  # one prctl call; libc resolved beforehand
        start_new_session=True,
    )


def beat_arguments(settings: Settings) -> list[str]:
    """Beat's state file in the project's state folder (created), never the cwd."""
    path = beat_schedule_path(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    return ["--schedule", str(path)]


def websocket_options(settings: Settings) -> dict[str, Any]:
    """uvicorn's WebSocket options from ``[plugin.realtime]``: frames above its
    ``max_message_bytes`` are refused (1009) as they arrive, not buffered up to uvicorn's
    16 MiB default first. With the realtime app disabled nothing is set (uvicorn's own
    defaults), and its section is not read, so it is not validated either."""
    if REALTIME in settings.disabled_apps:
        return {}
    return {"ws_max_size": settings.plugin_config(REALTIME, RealtimeSettings).max_message_bytes}


def serve_project(
    project: Path | None,
    *,
    host: str = "127.0.0.1",
    port: int = 8000,
    workers: int = 1,
    reload: bool = False,
    worker: bool = True,
    beat: bool = True,
    factory: str = "socialflow.app:create_app",
) -> None:
    """Migrate (embedded SQLite only), start the embedded worker, run uvicorn until stopped.

    ``factory`` is the app factory uvicorn imports (the demo adds its web client).
    """
    import uvicorn

    from socialflow.core.db import migrate as migrations

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
    exit_on_sigterm()  # so that the `finally` below stops the worker
    child = start_embedded_worker(settings.project_dir, beat=beat) if worker else None
    if child:
        with_beat = " with beat" if beat else ""
        console.print(f"[cyan]Embedded Celery worker{with_beat} started[/] (pid {child.pid})")
    console.print(f"[bold]socialflow[/] serving {settings.project_dir} on http://{host}:{port}")
    os.environ[f"{ENV_PREFIX}PROJECT_DIR"] = str(settings.project_dir)
    try:
        uvicorn.run(
            factory,
            factory=True,
            host=host,
            port=port,
            workers=workers if not reload else None,
            reload=reload,
            log_level=settings.log_level.lower(),
            access_log=False,
            # The app applies X-Forwarded-* from trusted_proxies itself (socialflow.core.http.edge);
            # uvicorn's own handling would trust 127.0.0.1 whatever the settings say.
            proxy_headers=False,
            **websocket_options(settings),
        )
    except KeyboardInterrupt:
        pass  # Ctrl-C is how a development server is stopped
    finally:
        if child:
            stop_child(child)


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
        parent_pid: Annotated[
            int | None,
            typer.Option(
                hidden=True, help="Exit once this process is no longer the parent (serve's)."
            ),
        ] = None,
    ) -> None:
        """Run a Celery worker for this project (the `media` queue does transcoding)."""
        if parent_pid is not None:
            watch_parent(parent_pid)
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
