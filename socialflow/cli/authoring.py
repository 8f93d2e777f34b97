"""``socialflow plugin new KIND NAME``: a plugin package that runs its conformance suite."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from socialflow.core.console import console

KIND_NAMES = ("storage", "payments", "ranker", "streaming", "moderator", "notification", "search")


def register(app: typer.Typer) -> None:
    plugin_app = typer.Typer(help="Write plugins for socialflow.", no_args_is_help=True)

    @plugin_app.command("new")
    def new_plugin(
        kind: Annotated[
            str,
            typer.Argument(
                help=f"What the plugin provides: {', '.join(KIND_NAMES)}, or plain "
                "(events, filters, routes, commands)."
            ),
        ],
        name: Annotated[str, typer.Argument(help="Plugin name, e.g. acme or acme-cloud.")],
        output: Annotated[
            Path, typer.Option("--output", "-o", help="Folder to create the package in.")
        ] = Path(),
        force: Annotated[bool, typer.Option(help="Write into a folder that is not empty.")] = False,
    ) -> None:
        """Create a plugin package socialflow-NAME/: pyproject with the entry point, a
        settings model, a provider skeleton, the conformance suite as tests, README, noxfile."""
        from socialflow.scaffold.plugin import PluginNameError, PluginSpec, render_plugin

        try:
            spec = PluginSpec(kind=kind, name=name)
        except PluginNameError as exc:
            console.print(f"[red]{exc}[/]")
            raise typer.Exit(2) from None
        target = (output.expanduser() / spec.distribution).resolve()
        if target.exists() and any(target.iterdir()) and not force:
            console.print(f"[red]{target} is not empty[/]; use --force to write into it anyway.")
            raise typer.Exit(1)
        written = render_plugin(spec, target)
        console.print(f"[green]Created[/] {target} ({len(written)} files)", highlight=False)
        console.print(
            f"Next:\n  cd {target}\n  pip install -e '.\\[test]'\n  pytest"
            "   # the conformance suite says what to implement",
            highlight=False,
        )

    app.add_typer(plugin_app, name="plugin")
