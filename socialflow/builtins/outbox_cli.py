"""``socialflow mail``: read the development outbox (mail the ``console`` channel kept).

In development, verification, password-reset and email-change mail is not
sent; the worker logs it and keeps it in ``<project>/.socialflow/outbox/``.
These commands (and ``GET /dev/outbox`` on a development server) show it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from socialflow.core.console import ProjectOption, console, error_console, settings_for

if TYPE_CHECKING:
    from socialflow.builtins.dev_outbox import Outbox


def _outbox(project: ProjectOption) -> Outbox:
    from socialflow.builtins.dev_outbox import Outbox, outbox_enabled

    settings = settings_for(project)
    if not outbox_enabled(settings):
        error_console.print(
            f"[bold red]No outbox:[/] environment is {settings.environment}; mail is kept "
            "only in development (elsewhere it goes through `mail_channel`).",
            highlight=False,
        )
        raise typer.Exit(1)
    return Outbox.for_settings(settings)


def register(app: typer.Typer) -> None:
    mail_app = typer.Typer(
        help="Read mail kept by the development outbox (verification, reset links).",
        no_args_is_help=True,
    )

    @mail_app.command("list")
    def list_mail(
        limit: Annotated[int, typer.Option(min=1, max=200, help="Newest messages shown.")] = 20,
        project: ProjectOption = None,
    ) -> None:
        """A table of the newest messages: id, time, recipient, subject."""
        from rich.table import Table

        outbox = _outbox(project)
        messages = outbox.newest(limit)
        if not messages:
            console.print("The outbox is empty: no mail was sent in development yet.")
            return
        table = Table(title=f"outbox: {outbox.folder}")
        table.add_column("id", no_wrap=True)
        table.add_column("sent", no_wrap=True)
        table.add_column("to", overflow="fold")
        table.add_column("subject", overflow="fold")
        for mail in messages:
            table.add_row(mail.id, mail.created_at, mail.to, mail.subject)
        console.print(table)
        console.print("Read one: socialflow mail show ID (no ID: the newest)")

    @mail_app.command("show")
    def show_mail(
        mail_id: Annotated[
            str | None, typer.Argument(metavar="ID", help="From `mail list`; default the newest.")
        ] = None,
        project: ProjectOption = None,
    ) -> None:
        """Print one message: recipient, subject and the text with its links."""
        outbox = _outbox(project)
        newest = outbox.newest(1)
        mail = outbox.get(mail_id) if mail_id else (newest[0] if newest else None)
        if mail is None:
            error_console.print(
                f"[bold red]No message {mail_id}[/] in the outbox; see `socialflow mail list`."
                if mail_id
                else "The outbox is empty.",
                highlight=False,
            )
            raise typer.Exit(1)
        console.print(f"[bold]To:[/] {mail.to}", highlight=False)
        console.print(f"[bold]Subject:[/] {mail.subject}", highlight=False)
        console.print(f"[bold]Sent:[/] {mail.created_at}  [dim]({mail.kind}, {mail.id})[/]\n")
        # Plain print: rich would wrap long links and break them for copy and paste.
        typer.echo(mail.text)

    app.add_typer(mail_app, name="mail")
