"""Beacons and interactions through the API, the rollup task, then exact numbers from
the creator and platform endpoints; who may read what."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from socialflow.accounts.models import Role
from tests.analytics.conftest import Api, beacon, get_json, run_rollup, video_of
from tests.social.conftest import Actor, follow, make_post


def test_beacons_and_interactions_roll_up_into_exact_creator_numbers(
    api: Api, actor: Callable[..., Actor], platform: Any
) -> None:
    creator, bob, carol = actor("creator"), actor("bob"), actor("carol")
    video_id = video_of(platform, creator, duration=10.0)
    # bob starts from the feed, watches to 7s; carol from search, stops at 2s;
    # an anonymous viewer from outside watches it all.
    beacon(api, video_id, bob, watched_seconds=0, position=0, source="feed")
    beacon(api, video_id, bob, watched_seconds=4, position=4)
    beacon(api, video_id, bob, watched_seconds=3, position=7)
    beacon(api, video_id, carol, watched_seconds=2, position=2, source="search")
    beacon(api, video_id, None, watched_seconds=10, position=10, source="external")
    # An old client: no position, no source (a view, watch time; not in the curve).
    beacon(api, video_id, actor("dave"), watched_seconds=1)
    post = make_post(api, creator, "hello")
    assert api("POST", f"/posts/{post['id']}/like", bob).status_code == 200
    comment = api("POST", f"/posts/{post['id']}/comments", carol, json={"text": "hi"})
    assert comment.status_code == 201
    assert follow(api, bob, creator) == "following"
    assert follow(api, carol, creator) == "following"
    assert api("DELETE", f"/users/{creator.name}/follow", carol).status_code in (200, 204)

    # Nothing counted before the rollup runs.
    before = get_json(api, "/analytics/creator/overview", creator, days=2)
    assert before["totals"]["views"] == 0

    run_rollup(platform)
    overview = get_json(api, "/analytics/creator/overview", creator, days=2)
    totals = overview["totals"]
    assert totals["views"] == 4
    assert totals["watch_seconds"] == pytest.approx(20.0)
    assert (totals["likes"], totals["comments"], totals["shares"]) == (1, 1, 0)
    assert (totals["follows_gained"], totals["follows_lost"], totals["net_followers"]) == (2, 1, 1)
    assert len(overview["daily"]) == 2
    assert sum(day["views"] for day in overview["daily"]) == 4
    assert overview["top_videos"] == [
        {"video_id": video_id, "title": "A video", "views": 4, "watch_seconds": 20.0}
    ]

    stats = get_json(api, f"/analytics/creator/videos/{video_id}", creator, days=2)
    assert stats["views"] == 4
    assert stats["watch_seconds"] == pytest.approx(20.0)
    assert stats["average_watch_seconds"] == pytest.approx(5.0)
    # (All in one hour, unless the test ran across the turn of an hour.)
    hourly = stats["hourly"]
    assert sum(h["views"] for h in hourly) == 4
    peak = max(hourly, key=lambda h: h["viewers"])
    assert stats["peak"] == {"hour": peak["hour"], "viewers": peak["viewers"]}
    assert len(hourly) > 1 or stats["peak"]["viewers"] == 4
    assert stats["sources"] == {"feed": 1, "search": 1, "external": 1, "unknown": 1}
    retention = stats["retention"]
    assert retention["viewers"] == 3
    assert retention["bucket_seconds"] == 1
    fractions = {p["second"]: p["fraction"] for p in retention["points"]}
    assert sorted(fractions) == list(range(11))
    assert fractions[0] == fractions[2] == 1.0
    assert fractions[3] == fractions[7] == pytest.approx(2 / 3, abs=1e-6)
    assert fractions[8] == fractions[10] == pytest.approx(1 / 3, abs=1e-6)

    # Running the rollup again (nothing new) changes nothing.
    run_rollup(platform)
    assert get_json(api, f"/analytics/creator/videos/{video_id}", creator, days=2) == stats


def test_only_the_owner_reads_a_videos_numbers(
    api: Api, actor: Callable[..., Actor], platform: Any
) -> None:
    owner, other = actor("owner"), actor("other")
    video_id = video_of(platform, owner)
    beacon(api, video_id, other, watched_seconds=3, position=3)
    run_rollup(platform)
    assert api("GET", f"/analytics/creator/videos/{video_id}", owner).status_code == 200
    stranger = api("GET", f"/analytics/creator/videos/{video_id}", other)
    missing = api("GET", "/analytics/creator/videos/doesnotexist", other)
    assert stranger.status_code == missing.status_code == 404
    assert stranger.json()["type"] == missing.json()["type"]
    assert api("GET", f"/analytics/creator/videos/{video_id}", None).status_code == 401
    assert api("GET", "/analytics/creator/overview", None).status_code == 401
    # The overview is the caller's own: the viewer sees none of the owner's views.
    assert get_json(api, "/analytics/creator/overview", other)["totals"]["views"] == 0
    assert api("GET", "/analytics/creator/overview", owner, params={"days": 0}).status_code == 422
    assert api("GET", "/analytics/creator/overview", owner, params={"days": 400}).status_code == 422
    # A misspelt parameter is refused, not silently ignored (but only once signed in).
    typo = api("GET", "/analytics/creator/overview", owner, params={"dayz": 7})
    assert typo.status_code == 422
    assert typo.json()["errors"][0]["field"] == "dayz"
    assert api("GET", "/analytics/creator/overview", None, params={"dayz": 7}).status_code == 401


def test_platform_statistics_are_for_admins(
    api: Api, actor: Callable[..., Actor], platform: Any
) -> None:
    admin, creator, viewer = actor("admin", role=Role.admin), actor("maker"), actor("watcher")
    video_id = video_of(platform, creator)
    beacon(api, video_id, viewer, watched_seconds=1800, position=5, source="feed")
    beacon(api, video_id, None, watched_seconds=1800)
    make_post(api, creator, "new post")
    run_rollup(platform)
    assert api("GET", "/analytics/platform", viewer).status_code == 403
    assert api("GET", "/analytics/platform", None).status_code == 401
    stats = get_json(api, "/analytics/platform", admin, days=1)
    # Active: the signed-in viewer and the creator who posted (anonymous views are not users).
    assert (stats["dau"], stats["wau"], stats["mau"]) == (2, 2, 2)
    assert stats["totals"]["views"] == 2
    assert stats["totals"]["posts"] == 1
    # Watch time is capped at the video's length per beacon: 10 s each.
    assert stats["totals"]["watch_hours"] == pytest.approx(20 / 3600, abs=1e-6)
    assert stats["daily"][-1]["active_users"] == 2
    assert stats["storage"]["videos"] >= 1
    assert "counted" in stats["storage"]
    backlog = stats["queue_backlog"]
    assert set(backlog) == {"default", "media"}
    if platform.celery.conf.task_always_eager:
        assert set(backlog.values()) == {None}  # tasks run in-process: no queue to measure
    else:
        assert all(isinstance(n, int) and n >= 0 for n in backlog.values()), backlog


def test_deleting_an_account_deletes_its_analytics(
    api: Api, actor: Callable[..., Actor], platform: Any
) -> None:
    from sqlalchemy import func, select

    from socialflow.analytics.models import (
        ActiveUserDay,
        AnalyticsEvent,
        CreatorHour,
        VideoDropoffDay,
        VideoHour,
        VideoSourceDay,
    )
    from socialflow.testing.pytest_plugin import DEFAULT_PASSWORD

    leaving, staying = actor("leaving"), actor("staying")
    video_id = video_of(platform, leaving)
    beacon(api, video_id, staying, watched_seconds=2, position=2, source="feed")
    beacon(api, video_id, None, watched_seconds=2, position=2)
    follow(api, leaving, staying)
    run_rollup(platform)

    def counts() -> dict[str, int]:
        found = {}
        with platform.session() as session:
            for model in (
                AnalyticsEvent,
                CreatorHour,
                VideoHour,
                VideoSourceDay,
                VideoDropoffDay,
                ActiveUserDay,
            ):
                table = model.__table__  # type: ignore[attr-defined]
                found[table.name] = session.execute(
                    select(func.count()).select_from(table)
                ).scalar_one()
        return found

    before = counts()
    assert all(before.values()), before
    gone = api("DELETE", "/users/me", leaving, json={"password": DEFAULT_PASSWORD})
    assert gone.status_code == 204, gone.text
    after = counts()
    # The raw views of leaving's video and their follow (actor) go; staying's creator
    # hour (the follow gained) and active day stay until their own deletion.
    assert after["analytics_events"] == 0
    assert after["analytics_video_hours"] == after["analytics_video_sources"] == 0
    assert after["analytics_video_dropoffs"] == 0
    assert after["analytics_creator_hours"] == 1
    assert after["analytics_active_users"] == 1


def test_admin_stats_add_moderation_throughput_to_the_platform_numbers(
    api: Api, actor: Callable[..., Actor], platform: Any
) -> None:
    from sqlalchemy import func, select
    from sqlmodel import col

    from tests.moderation.conftest import act, report

    admin, moderator = actor("boss", role=Role.admin), actor("mod", role=Role.moderator)
    author, first, second = actor("writer"), actor("snitch"), actor("snitch2")
    posts = [make_post(api, author, f"post {i}") for i in range(3)]
    for post in posts:
        assert report(api, first, "post", post["id"]).status_code == 201
    assert report(api, second, "post", posts[0]["id"]).status_code == 201
    assert act(api, moderator, "post", posts[0]["id"], "hide").status_code == 201
    run_rollup(platform)

    assert api("GET", "/admin/stats", moderator).status_code == 403
    assert api("GET", "/admin/stats", None).status_code == 401
    stats = get_json(api, "/admin/stats", admin, days=2)
    old = get_json(api, "/analytics/platform", admin, days=2)
    assert {k: v for k, v in stats.items() if k != "moderation"} == old
    moderation = stats["moderation"]
    with platform.session() as session:
        from socialflow.moderation.models import ModerationCase, Report

        opened = session.execute(select(func.count()).select_from(Report)).scalar_one()
        resolved = session.execute(
            select(func.count()).select_from(Report).where(col(Report.resolved_at).is_not(None))
        ).scalar_one()
        open_cases = session.execute(
            select(func.count())
            .select_from(ModerationCase)
            .where(col(ModerationCase.status) == "open")
        ).scalar_one()
    assert (moderation["reports_opened"], moderation["reports_resolved"]) == (opened, resolved)
    assert (opened, resolved) == (4, 2)
    assert sum(d["reports_opened"] for d in moderation["daily"]) == 4
    assert moderation["backlog"]["open_cases"] == open_cases == 2
    assert moderation["backlog"]["open_reports"] == 2
    assert api("GET", "/admin/stats", admin, params={"dayz": 2}).status_code == 422
