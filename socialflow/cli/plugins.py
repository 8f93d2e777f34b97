"""``socialflow plugins list`` and ``socialflow plugins install``.

``list`` shows what is installed (distribution, version, hooks, providers by
kind and which are active, settings with secrets masked, the health of active
providers that can check themselves), as a table or as JSON for scripts.
``install`` runs pip with the interpreter socialflow runs on, so a plugin
lands in the project's own environment, then says which plugins appeared.
"""

from __future__ import annotations

import json
import subprocess
import sys
from importlib import metadata
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape
from rich.table import Table

from socialflow.core.console import ProjectOption, console, settings_for

if TYPE_CHECKING:
    from socialflow.plugins.inventory import PluginReport


def _providers_cell(report: PluginReport) -> str:
    return "\n".join(
        f"{entry.kind}:{escape(entry.name)}" + (" [green](active)[/]" if entry.active else "")
        for entry in report.providers
    )


def _settings_cell(report: PluginReport) -> str:
    if report.settings_error:
        return f"[red]{escape(report.settings_error)}[/]"
    if report.settings_section is None:
        return ""
    lines = [f"[plugin.{report.settings_section}]"]
    lines += [f"{key} = {json.dumps(value)}" for key, value in (report.settings or {}).items()]
    return escape("\n".join(lines))


def _status_cell(report: PluginReport) -> str:
    if report.error:
        return f"[red]failed: {escape(report.error)}[/]"
    lines = ["[green]loaded[/]"]
    for check in report.health:
        mark = "[green]ok[/]" if check.ok else "[red]FAIL[/]"
        lines.append(f"{check.kind}:{escape(check.name)} {mark} {escape(check.detail)}")
    return "\n".join(lines)


def render_table(reports: list[PluginReport]) -> Table:
    table = Table(title="socialflow plugins")
    for column in ("plugin", "distribution", "version", "hooks", "providers", "settings"):
        table.add_column(column, overflow="fold")
    table.add_column("status", overflow="fold")
    for report in reports:
        table.add_row(
            escape(report.name),
            escape(report.distribution or report.source),
            report.version or "-",
            "\n".join(h.removeprefix("socialflow_") for h in report.hooks) or "-",
            _providers_cell(report) or "-",
            _settings_cell(report) or "-",
            _status_cell(report),
        )
    return table


def _entry_points() -> dict[str, str]:
    """Plugin name -> distribution, for every installed ``socialflow`` entry point."""
    import importlib

    importlib.invalidate_caches()  # see what pip just wrote to site-packages
    found = {}
    for group in ("socialflow", "socialflow.apps"):
        for entry_point in metadata.entry_points(group=group):
            dist = getattr(entry_point, "dist", None)
            found[entry_point.name] = f"{dist.name} {dist.version}" if dist else "?"
    return found


def _run_pip(command: list[str]) -> tuple[int, list[str]]:
    """Run pip, showing what it is doing on a status line; its exit code and output lines."""
    output: list[str] = []
    with (
        console.status("pip install") as status,
        subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        ) as process,
    ):
        assert process.stdout is not None
        for line in process.stdout:
            output.append(line.rstrip())
            if line.strip() and not line.startswith(" "):
                status.update(escape(f"pip: {line.strip()[:100]}"))
    return process.returncode, output


def register(app: typer.Typer) -> None:
    plugins_app = typer.Typer(help="Inspect and install plugins.", no_args_is_help=True)

    @plugins_app.command("list")
    def list_plugins(
        project: ProjectOption = None,
        as_json: Annotated[
            bool, typer.Option("--json", help="Print JSON (a list, one object per plugin).")
        ] = False,
        health: Annotated[
            bool, typer.Option(help="Run the check() of active providers that have one.")
        ] = True,
    ) -> None:
        """Plugins: distribution, version, hooks, providers (and which are active),
        settings (secrets masked) and the health of active providers."""
        from socialflow.plugins.inventory import collect
        from socialflow.plugins.manager import get_plugin_manager

        reports = collect(get_plugin_manager(settings_for(project)), health=health)
        if as_json:
            sys.stdout.write(json.dumps([r.as_json() for r in reports], indent=2) + "\n")
            return
        console.print(render_table(reports))

    @plugins_app.command("install")
    def install_plugins(
        names: Annotated[
            list[str],
            typer.Argument(help="What pip installs: names, wheels, sdists or folders."),
        ],
        upgrade: Annotated[bool, typer.Option("--upgrade", "-U", help="pip --upgrade.")] = False,
        editable: Annotated[
            bool, typer.Option("--editable", "-e", help="Install a folder in editable mode.")
        ] = False,
    ) -> None:
        """Install plugins with pip into the environment socialflow runs in, then list
        the plugins that appeared."""
        before = _entry_points()
        command = [sys.executable, "-m", "pip", "install", "--disable-pip-version-check"]
        if upgrade:
            command.append("--upgrade")
        for name in names:
            command += ["-e", name] if editable else [name]
        console.print(f"[bold]Running[/] {escape(' '.join(command))}", highlight=False)
        returncode, output = _run_pip(command)
        if returncode != 0:
            console.print(escape("\n".join(output[-40:])), highlight=False)
            console.print(f"[bold red]pip failed[/] (exit code {returncode}).")
            raise typer.Exit(returncode)
        for line in output:
            if line.startswith("Successfully installed"):
                console.print(f"[green]{escape(line)}[/]", highlight=False)
        after = _entry_points()
        new = {name: dist for name, dist in after.items() if before.get(name) != dist}
        if not new:
            console.print(
                "[yellow]No new socialflow plugin[/]: what was installed declares no entry "
                "point in the `socialflow` group (or was installed already)."
            )
            return
        for name, dist in sorted(new.items()):
            console.print(f"[green]Plugin[/] {escape(name)} from {escape(dist)}", highlight=False)
        console.print("See them with `socialflow plugins list`; choose providers in settings.")

    app.add_typer(plugins_app, name="plugins")
