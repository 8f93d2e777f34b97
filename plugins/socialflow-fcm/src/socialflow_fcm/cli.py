"""``socialflow fcm check``: do the key, project and permissions work? Sends nothing."""

from __future__ import annotations

from typing import Annotated

import typer
from socialflow.core.console import ProjectOption, console, error_console, settings_for
from socialflow.core.settings import SettingsError
from socialflow.plugins.protocols import RecipientGone

from socialflow_fcm.errors import FcmError
from socialflow_fcm.settings import SECTION, FcmSettings


def register(app: typer.Typer) -> None:
    fcm_app = typer.Typer(help="Firebase Cloud Messaging (the fcm push channel).")
    app.add_typer(fcm_app, name="fcm")

    @fcm_app.command("check")
    def check(
        project: ProjectOption = None,
        token: Annotated[
            str | None,
            typer.Option(help="Also validate this device registration token (nothing is shown)."),
        ] = None,
    ) -> None:
        """Fetch an access token and have FCM validate a message without delivering it.
        Exits non-zero naming what failed: the key, the project, a permission, the token."""
        from socialflow_fcm.channel import FcmChannel

        try:
            channel = FcmChannel(settings_for(project).plugin_config(SECTION, FcmSettings))
            try:
                detail = channel.check(token)
            finally:
                channel.close()
        except (FcmError, RecipientGone, SettingsError) as exc:
            error_console.print(f"[red]fcm check failed:[/] {type(exc).__name__}: {exc}")
            raise typer.Exit(1) from None
        console.print(f"[green]ok[/] {detail}")
