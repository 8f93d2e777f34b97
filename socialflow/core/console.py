"""Helpers shared by CLI commands: consoles, settings and platform loading.

Command modules import only typer, rich and this module at the top; the
heavy parts (FastAPI, SQLAlchemy, Celery, the models) are imported inside the
commands, so that ``socialflow --help`` starts fast.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

from socialflow.core.settings import Settings, load_settings

if TYPE_CHECKING:
    from rich.progress import Progress

    from socialflow.core.platform import Platform

# Rich assumes 80 columns when output is not a terminal (a pipe, a file, CI) and
# cuts table cells to fit, with an ellipsis: a wide page keeps every value whole.
UNBOUNDED_WIDTH = 10_000


def make_console(*, stderr: bool = False) -> Console:
    """A console as wide as the terminal; when output is piped, as wide as the content
    (or ``COLUMNS``, if set)."""
    stream = sys.stderr if stderr else sys.stdout
    if os.environ.get("COLUMNS") or (stream is not None and stream.isatty()):
        return Console(stderr=stderr)
    return Console(stderr=stderr, width=UNBOUNDED_WIDTH)


console = make_console()
error_console = make_console(stderr=True)

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
    from socialflow.core.platform import Platform

    return Platform(settings_for(project)).start()


class RichProgress:
    """Adapts :class:`socialflow.core.progress.Progress` to rich progress bars."""

    def __init__(self, progress: Progress) -> None:
        self.progress = progress
        self.task: object | None = None

    def phase(self, name: str, total: int | None) -> None:
        if self.task is not None:
            self.progress.update(self.task, completed=self.progress.tasks[-1].total or 1)  # type: ignore[arg-type]
        self.task = self.progress.add_task(name, total=total)

    def advance(self, amount: int) -> None:
        if self.task is not None:
            self.progress.advance(self.task, amount)  # type: ignore[arg-type]
