"""Helpers shared by CLI commands: consoles, settings and platform loading.

Command modules import only typer, rich and this module at the top; the
heavy parts (FastAPI, SQLAlchemy, Celery, the models) are imported inside the
commands, so that ``socialflow --help`` starts fast.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

from socialflow.settings import Settings, load_settings

if TYPE_CHECKING:
    from socialflow.platform import Platform

console = Console()
error_console = Console(stderr=True)

ProjectOption = Annotated[
    Path | None,
    typer.Option(
        "--project",
        "-C",
        help="Project folder (default: SOCIALFLOW_PROJECT_DIR or the current folder).",
        show_default=False,
    ),
]


def settings_for(project: Path | None) -> Settings:
    return load_settings(project) if project else load_settings()


def platform_for(project: Path | None) -> Platform:
    from socialflow.platform import Platform

    return Platform(settings_for(project)).start()
