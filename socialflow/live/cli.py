"""``socialflow live ...``: run the hosted ingest on its own."""

from __future__ import annotations

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
