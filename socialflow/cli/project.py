"""``socialflow new`` and ``socialflow version``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from socialflow._version import __version__
from socialflow.cli.common import console, platform_for
from socialflow.cli.run import serve_project
from socialflow.scaffold import new_spec, render_project


def seed_demo_data(project: Path) -> None:
    """Migrate a new demo project and fill it with a little realistic data."""
    from rich.progress import Progress

    from socialflow.cli.db import migrate_to_head
    from socialflow.cli.seed import RichProgress
    from socialflow.services.seed import DEMO_PASSWORD, SeedPlan, seed

    platform = platform_for(project)
    try:
        migrate_to_head(platform)
        with Progress(console=console) as bars:
            seed(
                platform,
                SeedPlan(users=60, posts=600, avg_following=12),
                progress=RichProgress(bars),
            )
    finally:
        platform.stop()
    console.print(f"[green]Seeded demo data[/]: every demo user's password is {DEMO_PASSWORD!r}")


def register(app: typer.Typer) -> None:
    @app.command()
    def new(
        directory: Annotated[Path, typer.Argument(help="Folder to create the project in.")],
        name: Annotated[
            str | None, typer.Option(help="Site name (default: the folder name).")
        ] = None,
        force: Annotated[bool, typer.Option(help="Write into a folder that is not empty.")] = False,
    ) -> None:
        """Create a runnable project: settings with a fresh secret key, an ASGI app
        module, a sample plugin with its own entry point, and a README."""
        target = directory.expanduser().resolve()
        if target.exists() and any(target.iterdir()) and not force:
            console.print(f"[red]{target} is not empty[/]; use --force to write into it anyway.")
            raise typer.Exit(1)
        spec = new_spec(name or target.name)
        written = render_project(spec, target)
        console.print(f"[green]Created[/] {target} ({len(written)} files)")
        console.print(
            f"Next:\n  cd {directory}\n  socialflow migrate\n  socialflow serve\n"
            f"  pip install -e plugins/{spec.plugin}   # the sample plugin"
        )

    @app.command()
    def demo(
        directory: Annotated[Path, typer.Argument(help="Demo project folder.")] = Path("demo"),
        port: Annotated[int, typer.Option(help="Port to serve on.")] = 8000,
    ) -> None:
        """Create (once) and serve a demo project on the embedded defaults: SQLite, local
        media, an embedded worker. Open http://127.0.0.1:8000/docs."""
        target = directory.expanduser().resolve()
        if not (target / "socialflow.toml").is_file():
            render_project(new_spec("socialflow demo"), target)
            console.print(f"[green]Created demo project[/] {target}")
            seed_demo_data(target)
        serve_project(target, port=port)

    @app.command()
    def version() -> None:
        """Print socialflow's version."""
        typer.echo(__version__)
