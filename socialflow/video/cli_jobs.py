"""``socialflow videos reprocess``: queue the jobs, then follow them with a progress bar.

Kept apart from the command's declaration so the CLI module stays a list of
commands; the selection and job states are :mod:`socialflow.video.reprocess`'s.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeElapsedColumn

from socialflow.core.console import console, error_console
from socialflow.video import reprocess
from socialflow.video.settings import video_settings

if TYPE_CHECKING:
    from socialflow.core.platform import Platform

POLL_SECONDS = 0.5


def _progress() -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TaskProgressColumn(),
        TimeElapsedColumn(),
        console=console,
    )


def run_reprocess(
    platform: Platform,
    *,
    ids: list[str],
    everything: bool,
    missing_dash: bool,
    inline: bool,
    wait: bool,
    timeout: float,
) -> int:
    """Queue (or run inline) the selected videos' jobs; the command's exit code.

    Commits: the command's own work (marking the jobs started), before it sends
    or runs them.
    """
    if missing_dash and video_settings(platform.settings).packaging != "cmaf":
        error_console.print(
            '[red]--missing-dash makes DASH only with [plugin.video] packaging = "cmaf".[/]'
        )
        return 1
    with platform.session() as session:
        selected = reprocess.select_ids(
            session, ids=ids, everything=everything, missing_dash=missing_dash
        )
        outcomes = reprocess.queue(session, selected)
        if inline:
            from socialflow.core.effects import take_pending

            take_pending(session)  # run the jobs below instead of sending them to the broker
        session.commit()
    missing = [video_id for video_id, outcome in outcomes.items() if outcome == "missing"]
    for video_id in missing:
        error_console.print(f"[red]No video {video_id}.[/]")
    for video_id, outcome in outcomes.items():
        if outcome.startswith("skipped"):
            console.print(f"{video_id}: {outcome}")
    jobs = [v for v, outcome in outcomes.items() if outcome in ("queued", "requeued", "running")]
    if not jobs:
        console.print("Nothing to process.")
        return 1 if missing else 0
    if inline:
        failed = _run_inline(platform, jobs)
    elif not wait:
        console.print(f"Queued {len(jobs)} video(s) for processing on the media queue.")
        return 1 if missing else 0
    else:
        failed = _follow(platform, jobs, timeout)
    return 1 if failed or missing else 0


def _run_inline(platform: Platform, jobs: list[str]) -> bool:
    """Process each video in this process, one after the other; True if any failed."""
    from socialflow.video import videos as video_service

    failed = False
    with _progress() as progress:
        overall = progress.add_task("videos", total=len(jobs))
        for video_id in jobs:
            outcome = video_service.process_video(
                sessions=platform.session,
                storage=platform.storage,
                settings=platform.settings,
                video_id=video_id,
                platform=platform,
            )
            progress.console.print(f"{video_id}: {outcome}")
            failed = failed or not outcome.startswith("ready")
            progress.advance(overall)
    return failed


def _follow(platform: Platform, jobs: list[str], timeout: float) -> bool:
    """A bar per video (its job's progress) until every job ends; True if any failed."""
    deadline = time.monotonic() + timeout
    reported: set[str] = set()
    failed = False
    with _progress() as progress:
        bars = {video_id: progress.add_task(video_id, total=100) for video_id in jobs}
        while True:
            with platform.session() as session:
                states = reprocess.job_states(session, jobs)
            for state in states:
                progress.update(bars[state.video_id], completed=state.progress)
                if state.done and state.video_id not in reported:
                    reported.add(state.video_id)
                    progress.console.print(f"{state.video_id}: {state.outcome}")
                    failed = failed or state.outcome != "ready"
            if len(reported) == len(jobs):
                return failed
            if time.monotonic() > deadline:
                error_console.print(
                    f"[yellow]{len(jobs) - len(reported)} job(s) still running; "
                    "they go on in the workers.[/]"
                )
                return True
            time.sleep(POLL_SECONDS)
