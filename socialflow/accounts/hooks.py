"""The accounts app: registration, sign-in, tokens, 2FA, OAuth, mail, profiles of one's own.

Registered through the ``socialflow.apps`` entry-point group, like any
outside app. Light on purpose: routers, tables and tasks are imported inside
the hooks, so that loading the apps for ``socialflow --help`` costs nothing.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from socialflow.plugins.declare import cli_commands, declared
from socialflow.plugins.specs import AppInfo, hookimpl

if TYPE_CHECKING:
    from fastapi import APIRouter

    from socialflow.core.platform import Platform

MIGRATIONS = Path(__file__).parent / "migrations"


socialflow_apps = declared(
    AppInfo("accounts", "Accounts, sign-in, tokens, 2FA, OAuth and account mail", requires=())
)
socialflow_table_modules = declared("socialflow.accounts.models")
socialflow_migration_dirs = declared(str(MIGRATIONS))
socialflow_task_modules = declared("socialflow.accounts.tasks")


@hookimpl
def socialflow_routers() -> list[APIRouter]:
    from socialflow.accounts.routes import auth, email_flows, oauth, two_factor, users

    return [auth.router, email_flows.router, two_factor.router, oauth.router, users.router]


socialflow_cli = cli_commands("socialflow.accounts.cli")


@hookimpl
def socialflow_platform_start(platform: Platform) -> None:
    from socialflow.accounts.tokens import DecodedTokens

    platform.attach(DecodedTokens, DecodedTokens)
