"""``socialflow doctor``: is this deployment healthy? One line per check."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from socialflow.cli.db import alembic_config_for
from socialflow.cli.listener import (
    mismatch_warning,
    points_at,
    public_url_is_set,
    running_listener,
)
from socialflow.core.console import ProjectOption, console, settings_for
from socialflow.video.media.binaries import find_ffmpeg, find_ffprobe

if TYPE_CHECKING:
    from socialflow.core.platform import Platform, ReadinessCheck


def _run(name: str, probe: Callable[[], str]) -> ReadinessCheck:
    from socialflow.core.platform import ReadinessCheck

    try:
        return ReadinessCheck(name, True, probe())
    except Exception as exc:
        return ReadinessCheck(name, False, f"{type(exc).__name__}: {exc}")


def _migrations(platform: Platform) -> str:
    from socialflow.core.db import migrate as migrations

    config = alembic_config_for(platform)
    current, heads = migrations.current_heads(platform.engine), migrations.script_heads(config)
    if not migrations.is_at_head(platform.engine, config):
        raise RuntimeError(
            f"database at {sorted(current) or 'empty'}, code at {sorted(heads)}: "
            "run `socialflow migrate`"
        )
    return f"at head {sorted(heads)}"


def _public_url(platform: Platform) -> str:
    """Where links and media URLs point, and whether that reaches the running server."""
    settings = platform.settings
    listener = running_listener(settings)
    if not public_url_is_set(settings):
        where = listener.url if listener else "http://127.0.0.1:8000, or its --host/--port"
        return f"not set: follows where `socialflow serve` listens ({where})"
    if listener is None or points_at(settings.public_url, listener.host, listener.port):
        return settings.public_url
    if _answers_health(settings.public_url):
        return f"{settings.public_url} (reaches the server on {listener.url}, through a proxy)"
    raise RuntimeError(mismatch_warning(settings.public_url, listener.url))


def _answers_health(base_url: str) -> bool:
    import httpx

    try:
        return httpx.get(f"{base_url}/healthz", timeout=3).status_code == 200
    except httpx.HTTPError:
        return False


def _ffmpeg() -> str:
    ffmpeg, ffprobe = find_ffmpeg(), find_ffprobe()
    if ffmpeg is None:
        raise RuntimeError("ffmpeg not found on PATH and imageio-ffmpeg has none")
    probe = f"ffprobe {ffprobe.version} ({ffprobe.path})" if ffprobe else "no ffprobe (fallback)"
    return f"ffmpeg {ffmpeg.version} from {ffmpeg.source} ({ffmpeg.path}); {probe}"


def _plugins(platform: Platform) -> str:
    failed = platform.plugins.failed
    loaded = [name for name, info in platform.plugins.infos.items() if not info.error]
    if failed:
        raise RuntimeError("; ".join(f"{name}: {error}" for name, error in failed.items()))
    return f"{len(loaded)} loaded: {', '.join(sorted(loaded))}"


def _name_storage(platform: Platform, check: ReadinessCheck) -> ReadinessCheck:
    """Label the storage row with the active backend, and make sure its detail names it.

    A backend's ``check()`` already says which bucket or container it tried
    (``s3 bucket media at ...: the bucket does not exist``); this keeps the
    backend's name in the row even when the failure came from elsewhere.
    """
    from socialflow.core.platform import ReadinessCheck

    if check.name != "storage":
        return check
    backend = platform.settings.storage
    detail = check.detail if backend in check.detail else f"{backend}: {check.detail}"
    return ReadinessCheck(f"storage ({backend})", check.ok, detail)


def _notification_channels(platform: Platform) -> list[ReadinessCheck]:
    """A row per enabled notification channel that can check itself.

    A channel may have a ``check() -> str`` (as storage backends do) proving
    its credentials and service work without delivering anything. It is not
    part of readiness: a push service being down does not make the API
    unable to serve.
    """
    rows = []
    for name in platform.plugins.active_names("notification"):
        probe = getattr(platform.provider("notification", name), "check", None)
        if callable(probe):
            rows.append(_run(f"notification ({name})", probe))
    return rows


def diagnose(platform: Platform, *, broker: bool = True) -> list[ReadinessCheck]:
    checks = [_run("plugins", lambda: _plugins(platform))]
    checks += [_name_storage(platform, check) for check in platform.readiness(broker=broker)]
    checks.insert(2, _run("migrations", lambda: _migrations(platform)))
    checks += _notification_channels(platform)
    checks.append(_run("public_url", lambda: _public_url(platform)))
    checks.append(_run("ffmpeg", _ffmpeg))
    return checks


def register(app: typer.Typer) -> None:
    @app.command()
    def doctor(
        project: ProjectOption = None,
        broker: Annotated[bool, typer.Option(help="Check the Celery broker too.")] = True,
    ) -> None:
        """Check settings, plugins, database, migrations, broker, storage, ffmpeg and the
        notification channels that can check themselves. Exits non-zero naming each failing
        check."""
        from socialflow.core.platform import Platform

        settings = settings_for(project)
        checks = diagnose(Platform(settings).start(), broker=broker)
        table = Table(title=f"socialflow doctor: {settings.project_dir}")
        table.add_column("check")
        table.add_column("")
        table.add_column("detail", overflow="fold")
        for check in checks:
            table.add_row(check.name, "[green]ok[/]" if check.ok else "[red]FAIL[/]", check.detail)
        console.print(table)
        failing = [check.name for check in checks if not check.ok]
        if failing:
            console.print(f"[bold red]Failing:[/] {', '.join(failing)}")
            raise typer.Exit(1)
        console.print("[bold green]All checks passed.[/]")
