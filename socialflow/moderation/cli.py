"""``socialflow reports list|show``: the review queue from the shell.

Read-only: actions go through the admin API, where every one is tied to the
moderator who took it.
"""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from socialflow.core.console import ProjectOption, console, error_console, platform_for


def register(app: typer.Typer) -> None:
    reports_app = typer.Typer(
        help="The moderation queue: open reports per object.", no_args_is_help=True
    )
    app.add_typer(reports_app, name="reports")

    @reports_app.command("list")
    def list_queue(
        limit: Annotated[int, typer.Option(min=1, max=1000, help="How many items.")] = 50,
        project: ProjectOption = None,
    ) -> None:
        """A table of open items, highest priority first."""
        from socialflow.moderation import queue

        platform = platform_for(project)
        try:
            with platform.session(read_only=True) as session:
                items = queue.ranked(session, platform, offset=0, limit=limit, unclaimed=False)
        finally:
            platform.stop()
        table = Table(title=f"{len(items)} open item(s)")
        for column in ("id", "target", "author", "severity", "reports", "strikes", "priority"):
            table.add_column(column)
        for item in items:
            table.add_row(
                str(item["id"]),
                f"{item['target_type']} {item['target_id']}",
                str(item["author_username"]),
                str(item["severity"]),
                str(item["report_count"]),
                str(item["author_strikes"]),
                str(item["priority"]),
            )
        console.print(table)

    @reports_app.command("show")
    def show(
        item_id: Annotated[int, typer.Argument(min=1, help="The queue item's id.")],
        project: ProjectOption = None,
    ) -> None:
        """One item: the content, its reports, the author's earlier actions."""
        from socialflow.core.errors import Problem
        from socialflow.moderation import queue

        platform = platform_for(project)
        try:
            with platform.session(read_only=True) as session:
                context = queue.context(session, platform, case_id=item_id)
        except Problem as exc:
            error_console.print(f"[bold red]{exc.detail}[/]", highlight=False)
            raise typer.Exit(1) from None
        finally:
            platform.stop()
        case = context["case"]
        console.print(
            f"[bold]{case['target_type']} {case['target_id']}[/] by "
            f"{case['author_username']} ({case['status']}, priority {case['priority']})",
            highlight=False,
        )
        console.print(context["content"] or "(gone)", highlight=False)
        reports = Table(title="reports")
        for column in ("id", "reason", "times", "text"):
            reports.add_column(column)
        for report in context["reports"]:
            reports.add_row(
                str(report["id"]), report["reason"], str(report["times"]), report["text"]
            )
        console.print(reports)
        history = Table(title="earlier actions against the author")
        for column in ("id", "kind", "target", "reason", "undone"):
            history.add_column(column)
        for action in context["author_history"]:
            history.add_row(
                str(action["id"]),
                action["kind"],
                f"{action['target_type']} {action['target_id']}",
                action["reason"],
                "yes" if action["reverted_at"] else "",
            )
        console.print(history)
