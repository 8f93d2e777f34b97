"""``socialflow reports list|show`` through the real CLI."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from socialflow.cli import build_cli
from tests.moderation.conftest import Api, act, make_post, report
from tests.social.conftest import Actor


def _run(project: Path, *args: str) -> Any:
    return CliRunner().invoke(
        build_cli(with_plugins=False), [*args, "-C", str(project)], env={"COLUMNS": "200"}
    )


def test_reports_list_and_show(
    socialflow_project: Path, api: Api, actor: Callable[..., Actor], mod: Actor
) -> None:
    alice, bob = actor("alice"), actor("bob")
    earlier = make_post(api, alice, "earlier")
    assert act(api, mod, "post", earlier["id"], "warn").status_code == 201
    post = make_post(api, alice, "reported words")
    report(api, bob, "post", post["id"], "hate", "nasty")
    listed = _run(socialflow_project, "reports", "list")
    assert listed.exit_code == 0, listed.output
    assert f"post {post['id']}" in listed.output
    assert "alice" in listed.output
    case_id = api("GET", "/admin/reports", mod).json()["items"][0]["id"]
    shown = _run(socialflow_project, "reports", "show", str(case_id))
    assert shown.exit_code == 0, shown.output
    assert "reported words" in shown.output
    assert "nasty" in shown.output
    assert "warn" in shown.output
    missing = _run(socialflow_project, "reports", "show", "99999")
    assert missing.exit_code == 1
    assert "No such queue item" in missing.output
