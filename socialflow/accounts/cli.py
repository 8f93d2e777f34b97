"""``socialflow users``: create, list, promote and ban accounts from the shell.

Every change goes through the same services as the API and is written to the
audit log with no actor (the operator at the console).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import typer
from rich.table import Table

from socialflow.core.console import ProjectOption, console, error_console, platform_for


class RoleName(StrEnum):
    """The account roles of :class:`socialflow.accounts.models.Role`, repeated here so that
    building the CLI (``--help``) imports no database models; a test keeps them equal."""

    user = "user"
    creator = "creator"
    moderator = "moderator"
    admin = "admin"


def _fail(message: str) -> None:
    error_console.print(f"[bold red]{message}[/]", highlight=False)
    raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    users_app = typer.Typer(
        help="Manage accounts: create, list, promote, ban.", no_args_is_help=True
    )

    @users_app.command("create")
    def create(
        username: Annotated[str, typer.Argument(help="3-30 letters, digits, underscores.")],
        email: Annotated[str, typer.Argument(help="The account's email address.")],
        password: Annotated[
            str,
            typer.Option(
                prompt=True,
                hide_input=True,
                confirmation_prompt=True,
                envvar="SOCIALFLOW_NEW_USER_PASSWORD",
                help="Asked for when not given (or from SOCIALFLOW_NEW_USER_PASSWORD).",
            ),
        ],
        admin: Annotated[bool, typer.Option("--admin", help="Give the admin role.")] = False,
        role: Annotated[RoleName, typer.Option(help="Role of the new account.")] = RoleName.user,
        project: ProjectOption = None,
    ) -> None:
        """Create an active, verified account (operators vouch for the address)."""
        from socialflow.accounts import audit
        from socialflow.accounts import users as user_service
        from socialflow.accounts.models import AccountState, Role
        from socialflow.core.errors import Problem

        platform = platform_for(project)
        chosen = Role.admin if admin else Role(role.value)
        with platform.session() as session:
            try:
                user = user_service.create_user(
                    session=session,
                    username=username,
                    email=email,
                    password=password,
                    role=chosen,
                    state=AccountState.active,
                    email_verified=True,
                )
            except Problem as exc:
                _fail(f"Could not create {username}: {exc.detail}")
                return
            audit.record(session, "user_created", subject_user_id=user.id, role=chosen.value)
            session.commit()
            console.print(f"[green]Created[/] {user.username} (id {user.id}, role {user.role})")

    @users_app.command("list")
    def list_users(
        limit: Annotated[int, typer.Option(min=1, max=10_000)] = 100,
        offset: Annotated[int, typer.Option(min=0)] = 0,
        project: ProjectOption = None,
    ) -> None:
        """A table of accounts: id, username, email, role, state, created."""
        from socialflow.accounts import users as user_service

        platform = platform_for(project)
        with platform.session() as session:
            users = user_service.list_users(session=session, limit=limit, offset=offset)
        table = Table(title=f"users {offset + 1}-{offset + len(users)}")
        for column in ("id", "username", "email", "role", "state", "verified", "created"):
            table.add_column(column)
        for user in users:
            table.add_row(
                str(user.id),
                user.username,
                user.email,
                user.role,
                user.state,
                "yes" if user.email_verified_at else "no",
                user.created_at.strftime("%Y-%m-%d %H:%M"),
            )
        console.print(table)

    @users_app.command("promote")
    def promote(
        username: str,
        role_name: Annotated[
            RoleName | None,
            typer.Option("--role", help="Role to give; default: the next one up."),
        ] = None,
        project: ProjectOption = None,
    ) -> None:
        """Give a user a role (user < creator < moderator < admin)."""
        from socialflow.accounts import users as user_service
        from socialflow.accounts.models import ROLE_RANK, Role

        role = Role(role_name.value) if role_name else None
        platform = platform_for(project)
        with platform.session() as session:
            user = user_service.get_user_by_username(session=session, username=username)
            if user is None:
                _fail(f"No user named {username}.")
                return
            if role is None:
                ranks = sorted(ROLE_RANK, key=ROLE_RANK.__getitem__)
                current = ROLE_RANK[Role(user.role)]
                if current == len(ranks) - 1:
                    _fail(f"{username} is already an admin.")
                role = ranks[current + 1]
            user_service.set_role(session=session, user=user, role=role, actor_id=None)
            session.commit()
            console.print(f"[green]{user.username} is now {role.value}[/]")

    @users_app.command("ban")
    def ban(
        username: str,
        reason: Annotated[str, typer.Option(help="Kept in the audit log.")] = "",
        lift: Annotated[bool, typer.Option("--lift", help="Lift the ban instead.")] = False,
        project: ProjectOption = None,
    ) -> None:
        """Suspend an account (signed out everywhere at once), or lift that with --lift."""
        from socialflow.accounts import users as user_service
        from socialflow.core.errors import Problem

        platform = platform_for(project)
        with platform.session() as session:
            user = user_service.get_user_by_username(session=session, username=username)
            if user is None:
                _fail(f"No user named {username}.")
                return
            try:
                if lift:
                    user_service.reinstate(session=session, user=user, actor_id=None)
                else:
                    user_service.suspend(session=session, user=user, actor_id=None, reason=reason)
            except Problem as exc:
                _fail(str(exc.detail))
            session.commit()
            console.print(f"[green]{user.username} is now {user.state}[/]")

    app.add_typer(users_app, name="users")
