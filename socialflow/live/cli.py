"""``socialflow live ...``: run the hosted ingest on its own; write nginx-rtmp's configuration."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from socialflow.core.console import console


def register(app: typer.Typer) -> None:
    live = typer.Typer(help="Live streaming.", no_args_is_help=True)
    app.add_typer(live, name="live")

    @live.command("ingest")
    def ingest() -> None:
        """Run the streaming provider's hosted ingest (the local RTMP port) until Ctrl-C.

        For deployments with ``[plugin.live] ingest_in_api = false``: one such
        process per host that receives publishers.
        """
        import signal
        import threading

        from socialflow.core.platform import Platform
        from socialflow.core.settings import load_settings
        from socialflow.live.ingest import IngestRunner

        # Before the ingest announces itself (live/ingest.json): a SIGTERM from then on
        # is a clean stop, not the default death.
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        platform = Platform(load_settings()).start()
        runner = platform.get(IngestRunner)
        if runner.ingest is None:
            console.print(
                "[red]No hosted ingest here[/]: the provider runs its own, or the port is taken."
            )
            platform.stop()
            raise typer.Exit(1)
        console.print("Live ingest running; Ctrl-C stops it.")
        try:
            stop.wait()
        except KeyboardInterrupt:
            pass
        finally:
            platform.stop()

    @live.command("nginx-config")
    def nginx_config(
        out: Annotated[
            Path | None, typer.Option(help="File to write (default: <project>/nginx/nginx.conf).")
        ] = None,
        callback_base: Annotated[
            str | None,
            typer.Option(help="The API as nginx reaches it (default: public_url + api_prefix)."),
        ] = None,
        prefix: Annotated[
            Path | None, typer.Option(help="nginx's own files: pid, logs, temp folders.")
        ] = None,
        user: Annotated[
            str | None, typer.Option(help="nginx's worker user (must write the live folder).")
        ] = None,
        module: Annotated[str, typer.Option(help="Path of ngx_rtmp_module.so.")] = "",
    ) -> None:
        """Write the nginx.conf of the nginx-rtmp streaming provider ([plugin.nginx_rtmp])."""
        import shutil

        from socialflow.builtins.nginx_live.config import (
            MODULE,
            NginxLayout,
            nginx_config,
            shell_line,
        )
        from socialflow.builtins.nginx_live.provider import make_nginx_streaming
        from socialflow.core.settings import load_settings

        settings = load_settings()
        provider = make_nginx_streaming(settings)
        folder = (prefix or settings.project_dir / "nginx").expanduser().resolve()
        target = (out or folder / "nginx.conf").expanduser().resolve()
        base = callback_base or settings.public_url.rstrip("/") + settings.api_prefix
        layout = NginxLayout(prefix=folder, user=user, module=module or MODULE)
        try:
            text = nginx_config(
                provider,
                callback_base=base,
                layout=layout,
                ffmpeg=shutil.which("ffmpeg") or "ffmpeg",
            )
        except ValueError as exc:
            console.print(f"[red]{exc}[/]")
            raise typer.Exit(1) from None
        folder.mkdir(parents=True, exist_ok=True)
        provider.registry.ensure()
        target.parent.mkdir(parents=True, exist_ok=True)
        target.touch(mode=0o600, exist_ok=True)
        target.chmod(0o600)  # it holds the callback secret
        target.write_text(text)
        console.print(f"Wrote {target}. Start nginx with: {shell_line(folder, target)}")
