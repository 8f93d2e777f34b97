"""``socialflow new`` and ``socialflow version``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from socialflow._version import __version__
from socialflow.cli.run import serve_project
from socialflow.core.console import console, platform_for
from socialflow.scaffold import new_spec, render_project

# The platform's app plus the example web client at /web/ (socialflow.demo.web_client).
DEMO_APP_FACTORY = "socialflow.demo.web_client:create_demo_app"


def seed_demo_data(project: Path) -> None:
    """Migrate a new demo project and fill it with a little realistic data."""
    from rich.progress import Progress

    from socialflow.cli.db import migrate_to_head
    from socialflow.core.console import RichProgress
    from socialflow.demo.seed import DEMO_PASSWORD, SeedPlan, seed

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


def demo_login(project: Path) -> str | None:
    """The username of a seeded demo account to sign in with (the oldest active one)."""
    from sqlalchemy.exc import SQLAlchemyError
    from sqlmodel import col, select

    from socialflow.accounts.models import AccountState, User
    from socialflow.demo.seed import SEED_DOMAIN

    platform = platform_for(project)
    try:
        with platform.session() as session:
            query = (
                select(User.username)
                .where(col(User.email).endswith(f"@{SEED_DOMAIN}"))
                .where(User.state == AccountState.active)
                .order_by(col(User.id))
                .limit(1)
            )
            return session.exec(query).first()
    except SQLAlchemyError:  # an older demo's schema: serve migrates it next
        return None
    finally:
        platform.stop()


def print_demo_welcome(project: Path, port: int) -> None:
    """Where to look and who to sign in as, printed each time the demo starts."""
    from socialflow.demo.seed import DEMO_PASSWORD
    from socialflow.demo.web_client import WEB_CLIENT_PATH, example_web_client

    base = f"http://127.0.0.1:{port}"
    username = demo_login(project)
    if username:
        console.print(
            f"[bold]Sign in[/] as [bold cyan]{username}[/] with password "
            f"[bold cyan]{DEMO_PASSWORD}[/] (every seeded user has it): in {base}/docs, "
            "POST /api/v1/auth/login, then Authorize with its access_token",
            highlight=False,
        )
    if example_web_client() is not None:
        console.print(
            f"[bold]Web client[/]: {base}{WEB_CLIENT_PATH}/ (examples/web: sign in, upload, watch)",
            highlight=False,
        )
    console.print(
        f"API docs: {base}/docs; mail sent in development: {base}/dev/outbox "
        "or `socialflow mail list`",
        highlight=False,
    )


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
        media, an embedded worker. Open http://127.0.0.1:8000/docs (or your --port), and
        the example web client at /web/ in a source checkout."""
        target = directory.expanduser().resolve()
        if not (target / "socialflow.toml").is_file():
            render_project(new_spec("socialflow demo"), target)
            console.print(f"[green]Created demo project[/] {target}")
            seed_demo_data(target)
        print_demo_welcome(target, port)
        serve_project(target, port=port, factory=DEMO_APP_FACTORY)

    @app.command()
    def version() -> None:
        """Print socialflow's version."""
        typer.echo(__version__)
