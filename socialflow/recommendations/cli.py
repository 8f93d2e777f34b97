"""``socialflow rankers`` (train, evaluate, ab-report) and ``socialflow recommendations``
(train the recommender, evaluate viral prediction)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from socialflow.core.console import ProjectOption, console, error_console, platform_for
from socialflow.core.errors import Problem


def register(app: typer.Typer) -> None:
    rankers = typer.Typer(help="Feed rankers: train, evaluate offline, A/B reports.")
    app.add_typer(rankers, name="rankers")
    recs = typer.Typer(help="Recommendations: train the recommender, viral prediction.")
    app.add_typer(recs, name="recommendations")

    @rankers.command("train")
    def train(
        project: ProjectOption = None,
        ranker: Annotated[str, typer.Option(help="The ranker to train.")] = "personalized",
        days: Annotated[int, typer.Option(min=1, max=3650, help="Days of logs.")] = 30,
    ) -> None:
        """Fit a learning ranker on the logged impressions of the last days."""
        from socialflow.recommendations import jobs

        platform = platform_for(project)
        try:
            metrics = jobs.train_ranker(platform, ranker, days)
        except Problem as exc:
            error_console.print(f"[red]{exc.detail}[/]")
            raise typer.Exit(1) from None
        finally:
            platform.stop()
        shown = ", ".join(f"{k} {v:.3f}" for k, v in metrics.items())
        console.print(f"Trained {ranker}: {shown}")

    @rankers.command("evaluate")
    def evaluate_command(
        project: ProjectOption = None,
        rankers_: Annotated[
            str, typer.Option("--rankers", help="Comma-separated rankers to compare.")
        ] = "chronological,engagement,personalized",
        held_out_days: Annotated[float, typer.Option(min=0.01, help="Held-out window.")] = 1.0,
        train_days: Annotated[float, typer.Option(min=0.01, help="Window before it.")] = 14.0,
        k: Annotated[int, typer.Option(min=1, max=100)] = 10,
        png: Annotated[Path, typer.Option(help="Where to write the plot.")] = Path(
            "rankers-evaluation.png"
        ),
    ) -> None:
        """Replay the held-out window: NDCG@k, recall@k and coverage per ranker, and a plot."""
        from socialflow.recommendations import evaluate, jobs

        platform = platform_for(project)
        end = datetime.now(UTC) + timedelta(seconds=1)
        split = end - timedelta(days=held_out_days)
        names = [n.strip() for n in rankers_.split(",") if n.strip()]
        try:
            scores = jobs.evaluate_rankers(
                platform, names, start=split - timedelta(days=train_days), split=split, end=end, k=k
            )
        finally:
            platform.stop()
        table = Table(title=f"Held-out replay, last {held_out_days:g} days")
        for column in ("ranker", f"NDCG@{k}", f"recall@{k}", "coverage", "viewers"):
            table.add_column(column, justify="left" if column == "ranker" else "right")
        for s in scores:
            table.add_row(
                s.ranker, f"{s.ndcg:.3f}", f"{s.recall:.3f}", f"{s.coverage:.3f}", str(s.viewers)
            )
        console.print(table)
        try:
            evaluate.plot(scores, k, png)
        except ImportError:
            error_console.print(
                "[red]The plot needs matplotlib: pip install 'socialflow[recommendations]'.[/]"
            )
            raise typer.Exit(1) from None
        console.print(f"Plot written to {png}.")

    @rankers.command("ab-report")
    def ab_report(
        project: ProjectOption = None,
        days: Annotated[float, typer.Option(min=0.01, help="Days of logs.")] = 7.0,
    ) -> None:
        """Per-arm impressions and engagement rates from the logs (A/B tests)."""
        from socialflow.recommendations import evaluate, logbook

        platform = platform_for(project)
        try:
            platform.get(logbook.LogBuffer).flush()
            with platform.session(read_only=True) as session:
                report = evaluate.arm_report(session, datetime.now(UTC) - timedelta(days=days))
        finally:
            platform.stop()
        table = Table(title=f"Arms, last {days:g} days")
        for column in ("ranker", "impressions", "engaged", "engagement rate"):
            table.add_column(column)
        for name, row in report.items():
            table.add_row(
                name,
                f"{row['impressions']:,.0f}",
                f"{row['engaged']:,.0f}",
                f"{row['engagement_rate']:.3f}",
            )
        console.print(table)

    @recs.command("train")
    def train_recommender(project: ProjectOption = None) -> None:
        """Fit the installed recommender now (what beat does every train_interval)."""
        from socialflow.recommendations import jobs

        platform = platform_for(project)
        try:
            metrics = jobs.train_recommender(platform)
        finally:
            platform.stop()
        if metrics.get("recommender") is None:
            console.print("No recommender installed: the fallbacks need no training.")
            return
        console.print(", ".join(f"{k} {v}" for k, v in metrics.items()))

    @recs.command("viral-evaluate")
    def viral_evaluate(
        project: ProjectOption = None,
        days: Annotated[float, typer.Option(min=1.0, help="Posts of these days...")] = 30.0,
        held_out_days: Annotated[float, typer.Option(min=0.1, help="...the last held out.")] = 7.0,
    ) -> None:
        """Train the viral model on older posts, score it on newer ones (at least 24 h old)."""
        from socialflow.recommendations import jobs

        platform = platform_for(project)
        end = datetime.now(UTC) - timedelta(hours=24)
        split = end - timedelta(days=held_out_days)
        try:
            report = jobs.evaluate_viral(platform, end - timedelta(days=days), split, end)
        finally:
            platform.stop()
        table = Table(title="Viral prediction on held-out posts")
        for column in ("model", "precision", "recall", "accuracy", "posts"):
            table.add_column(column)
        for name, row in report.items():
            table.add_row(
                name,
                f"{row['precision']:.3f}",
                f"{row['recall']:.3f}",
                f"{row['accuracy']:.3f}",
                f"{row['posts']:.0f}",
            )
        console.print(table)
