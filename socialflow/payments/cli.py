"""``socialflow payments``: reconcile the ledger, run the sweep, close disputes by hand.

``reconcile`` is the operator's check that the books hold: every entry
balances per currency, the trial balance is zero, no payout has stayed in
transit, no charge or refund is pending past the retry delay. It exits
non-zero when something needs a look (for cron and monitoring). With a
provider that keeps its events (Stripe), it first replays those since the
cursor, so that a webhook missed while the API was down is applied (once:
events already processed are skipped by id).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from socialflow.core.console import ProjectOption, console, error_console, platform_for

if TYPE_CHECKING:
    from socialflow.core.platform import Platform


def _replay(platform: Platform, since: datetime | None) -> None:
    """Apply the active provider's events since ``since`` that were not applied yet."""
    from socialflow.payments import receive

    if platform.settings.payments is None:
        return
    provider = platform.provider("payments")
    if not isinstance(provider, receive.ReplayableProvider):
        return
    now = datetime.now(UTC)
    start = since.replace(tzinfo=since.tzinfo or UTC) if since else None
    start = start or receive.replay_cursor(platform, provider.name, now)
    applied = seen = 0
    for event in provider.replay_events(since=start):  # type: ignore[attr-defined]
        first, _outcome = receive.handle(platform, provider, event)
        seen += 1
        applied += first
    # One line whatever the terminal's width: cron mail and monitoring grep it.
    console.print(
        f"Replayed {provider.name} events since {start:%Y-%m-%d %H:%M} UTC: "
        f"{seen} listed, {applied} not seen before and applied.",
        soft_wrap=True,
    )


def register(app: typer.Typer) -> None:
    payments_app = typer.Typer(
        help="Payments: reconcile the ledger, run the sweep.", no_args_is_help=True
    )

    @payments_app.command("reconcile")
    def reconcile(
        project: ProjectOption = None,
        since: Annotated[
            datetime | None,
            typer.Option(
                help="Replay the provider's events from this moment (UTC); default: a day "
                "before the newest event received, or three days ago."
            ),
        ] = None,
        replay: Annotated[
            bool, typer.Option("--replay/--no-replay", help="Replay the provider's events.")
        ] = True,
    ) -> None:
        """Replay missed provider events, then check the ledger: balanced entries, a zero
        trial balance, nothing stuck."""
        from sqlalchemy import func, select

        from socialflow.payments import ledger
        from socialflow.payments.ledger import DEBIT_NORMAL
        from socialflow.payments.models import ACCOUNTS, CHARGES, LINES, PAYOUTS, REFUNDS

        platform = platform_for(project)
        if replay:
            _replay(platform, since)
        problems: list[str] = []
        with platform.session(read_only=True) as session:
            for entry, currency, total in ledger.unbalanced_entries(session):
                problems.append(f"entry {entry} does not balance in {currency}: {total}")
            trial = ledger.trial_balance(session)
            problems += [f"trial balance in {c} is {t}" for c, t in trial.items() if t != 0]
            table = Table(title="Ledger balances")
            for column in ("account", "owner", "currency", "balance"):
                table.add_column(column)
            rows = session.execute(
                select(
                    ACCOUNTS.c.kind, ACCOUNTS.c.owner_id, LINES.c.currency, func.sum(LINES.c.amount)
                )
                .select_from(ACCOUNTS.join(LINES, LINES.c.account_id == ACCOUNTS.c.id))
                .where(ACCOUNTS.c.owner_id == 0)
                .group_by(ACCOUNTS.c.kind, ACCOUNTS.c.owner_id, LINES.c.currency)
                .order_by(ACCOUNTS.c.kind, LINES.c.currency)
            ).all()
            for kind, owner, currency, total in rows:
                sign = 1 if kind in DEBIT_NORMAL else -1
                table.add_row(
                    kind, "platform" if owner == 0 else str(owner), currency, str(sign * int(total))
                )
            console.print(table)
            for label, table_, status in (
                ("charges", CHARGES, "pending"),
                ("refunds", REFUNDS, "pending"),
                ("payouts", PAYOUTS, "in_transit"),
            ):
                count = session.scalar(
                    select(func.count()).select_from(table_).where(table_.c.status == status)
                )
                if count:
                    console.print(f"{count} {label} {status} (the sweep asks the provider again)")
        for problem in problems:
            error_console.print(f"[bold red]{problem}[/]", highlight=False)
        if problems:
            raise typer.Exit(1)
        console.print(f"[green]The books balance[/] ({len(trial)} currencies).")

    @payments_app.command("sweep")
    def sweep(project: ProjectOption = None) -> None:
        """Run the payments sweep now (renewals, retries, releases, scheduled payouts)."""
        from dataclasses import asdict

        from socialflow.payments import billing

        platform = platform_for(project)
        if platform.settings.payments is None:
            error_console.print("No payment provider is configured (the `payments` setting).")
            raise typer.Exit(1)
        report = billing.sweep(platform, platform.provider("payments"))
        for key, value in asdict(report).items():
            console.print(f"{key}: {value}")

    @payments_app.command("close-dispute")
    def close_dispute(
        dispute_id: Annotated[int, typer.Argument(help="The dispute's id.")],
        won: Annotated[bool, typer.Option("--won/--lost", help="The outcome.")],
        project: ProjectOption = None,
    ) -> None:
        """Record a dispute's outcome by hand (when the provider's webhook cannot)."""
        from socialflow.core.errors import Problem
        from socialflow.payments import refunds

        platform = platform_for(project)
        with platform.session() as session:
            try:
                dispute = refunds.close_dispute(session, dispute_id=dispute_id, won=won)
            except Problem as exc:
                error_console.print(f"[bold red]{exc.detail}[/]")
                raise typer.Exit(1) from None
            session.commit()
            console.print(f"dispute {dispute.id}: {dispute.status}")

    app.add_typer(payments_app, name="payments")
