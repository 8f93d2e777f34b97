"""``socialflow payments reconcile`` replays the Stripe events that never arrived."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from socialflow.cli import build_cli
from socialflow.payments import charges
from socialflow.payments.models import WEBHOOK_EVENTS, Charge
from sqlalchemy import func, select
from typer.testing import CliRunner

from conftest import balance
from socialflow_stripe import StripeProvider
from stripe_stub import StripeStub


def test_reconcile_applies_missed_events_once(
    platform: Any,
    socialflow_project: Path,
    provider: StripeProvider,
    stub: StripeStub,
    make_user: Callable[..., Any],
    pending_charge: Callable[..., int],
) -> None:
    fan, creator = make_user(), make_user()
    stub.intent_mode = "processing"
    charge_ids = [pending_charge(fan.id, creator.id, amount) for amount in (1000, 2000)]
    refs = [charges.collect(platform, provider, c).provider_ref for c in charge_ids]
    stub.settle_intent(refs[0], succeeded=True)
    stub.settle_intent(refs[1], succeeded=False)  # no webhook reached socialflow

    cli = build_cli()
    command = ["payments", "reconcile", "-C", str(socialflow_project)]
    first = CliRunner().invoke(cli, command)
    assert first.exit_code == 0, first.output
    assert "The books balance" in first.output
    assert "processor_fees" in first.output
    with platform.session() as session:
        assert [session.get(Charge, c).status for c in charge_ids] == ["succeeded", "failed"]
        receipts = session.scalar(select(func.count()).select_from(WEBHOOK_EVENTS))
    assert receipts == len(stub.events)
    assert f"{len(stub.events)} not seen before and applied" in first.output
    assert balance(platform, "processor_fees") == 29 + 30

    again = CliRunner().invoke(cli, command)
    assert again.exit_code == 0, again.output
    assert "0 not seen before and applied" in again.output
    assert balance(platform, "processor_fees") == 29 + 30
