"""The demo app: ``socialflow seed``, realistic demo data for every built-in app.

Registered through the ``socialflow.apps`` entry-point group; it owns no
tables, only the command that fills the others'. ``socialflow demo`` serves
:func:`socialflow.demo.web_client.create_demo_app`: the platform plus the
example web client at ``/web/``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from socialflow.plugins.declare import cli_commands, declared
from socialflow.plugins.specs import AppInfo

if TYPE_CHECKING:
    pass


REQUIRES = ("accounts", "graph", "video", "social", "notifications", "feeds", "search")
socialflow_apps = declared(AppInfo("demo", "Demo data: socialflow seed", requires=REQUIRES))


socialflow_cli = cli_commands("socialflow.demo.cli")
