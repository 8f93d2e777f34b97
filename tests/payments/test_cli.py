"""``socialflow payments reconcile`` and ``sweep`` against the test project's database."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from socialflow.cli import build_cli


def test_reconcile_reports_balanced_books_and_sweep_runs(
    platform: Any,
    socialflow_project: Path,
    make_user: Callable[..., Any],
    earn: Callable[..., Any],
) -> None:
    fan, creator = make_user(), make_user()
    earn(fan.id, creator.id, 2500)
    cli = build_cli()
    reconciled = CliRunner().invoke(cli, ["payments", "reconcile", "-C", str(socialflow_project)])
    assert reconciled.exit_code == 0, reconciled.output
    assert "The books balance" in reconciled.output
    assert "processor_clearing" in reconciled.output
    assert "2500" in reconciled.output
    swept = CliRunner().invoke(cli, ["payments", "sweep", "-C", str(socialflow_project)])
    assert swept.exit_code == 0, swept.output
    assert "payouts_scheduled: 1" in swept.output, "2250 available, weekly schedule"
