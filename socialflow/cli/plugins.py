"""``socialflow plugins list``: what is installed, what it hooks, what is active."""

from __future__ import annotations

import typer
from rich.table import Table

from socialflow.core.console import ProjectOption, console, settings_for


def register(app: typer.Typer) -> None:
    plugins_app = typer.Typer(help="Inspect installed plugins.", no_args_is_help=True)

    @plugins_app.command("list")
    def list_plugins(project: ProjectOption = None) -> None:
        """A table of plugins: version, hooks implemented, providers, and which are active."""
        from socialflow.plugins.manager import PROVIDER_HOOKS, get_plugin_manager

        manager = get_plugin_manager(settings_for(project))
        provided: dict[str, list[str]] = {}
        for kind in PROVIDER_HOOKS:
            active = set(manager.active_names(kind))
            for name, (plugin_name, _factory) in manager.provider_factories(kind).items():
                label = f"{kind}:{name}" + (" [green](active)[/]" if name in active else "")
                provided.setdefault(plugin_name, []).append(label)
        table = Table(title="socialflow plugins")
        for column in ("plugin", "distribution", "version", "hooks", "providers", "status"):
            table.add_column(column)
        for name, info in sorted(manager.infos.items()):
            status = f"[red]failed: {info.error}[/]" if info.error else "[green]loaded[/]"
            table.add_row(
                name,
                info.distribution or info.source,
                info.version or "-",
                "\n".join(h.removeprefix("socialflow_") for h in info.hooks) or "-",
                "\n".join(provided.get(name, [])) or "-",
                status,
            )
        console.print(table)

    app.add_typer(plugins_app, name="plugins")
