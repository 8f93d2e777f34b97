"""The ``ml`` moderator inside a running platform (SQLite, or PostgreSQL + Redis + a
worker with SOCIALFLOW_TEST_BACKEND=services), over real HTTP, with the real
media pipeline: a profane comment is held and a clean one passes; an NSFW-scored
frame holds a video; every verdict is stored and moderators read it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from helpers import Actor, call, clip_of, processed, skin_image
from socialflow.accounts.models import Role

from socialflow_moderation_ml.images import nsfw_scores


@pytest.fixture
def socialflow_overrides() -> dict[str, Any]:
    return {"moderation": "ml"}


@pytest.fixture
def people(
    make_user: Callable[..., Any], auth_headers: Callable[[Any], dict[str, str]]
) -> dict[str, Actor]:
    made = {}
    for name, role in (("alice", Role.user), ("bob", Role.user), ("mod", Role.moderator)):
        user = make_user(name, role=role)
        made[name] = Actor(user, auth_headers(user))
    return made


def test_a_profane_comment_is_held_and_a_clean_one_passes(
    client: httpx.Client, people: dict[str, Actor]
) -> None:
    api, alice, bob, mod = call(client), people["alice"], people["bob"], people["mod"]
    post = api("POST", "/posts", alice, json={"text": "New trail video is up"}).json()
    clean = api("POST", f"/posts/{post['id']}/comments", bob, json={"text": "Great ride, thanks!"})
    profane = api(
        "POST", f"/posts/{post['id']}/comments", bob, json={"text": "you are a fucking idiot"}
    )
    assert clean.status_code == profane.status_code == 201
    shown = api("GET", f"/posts/{post['id']}/comments", alice).json()["items"]
    assert [c["text"] for c in shown] == ["Great ride, thanks!"]
    items = api("GET", "/admin/verdicts", mod, params={"target_type": "comment"}).json()["items"]
    by_id = {v["target_id"]: v for v in items}
    held, allowed = by_id[str(profane.json()["id"])], by_id[str(clean.json()["id"])]
    assert (held["verdict"], held["labels"], held["model"]) == ("hold", ["profanity"], "ml")
    assert held["score"] > 0.9
    assert "+apc" in held["model_version"]
    assert allowed["verdict"] == "allow"
    [item] = api("GET", "/admin/reports", mod).json()["items"]
    assert (item["target_type"], item["target_id"]) == ("comment", held["target_id"])
    # The moderator's decision: remove it for good.
    removed = api(
        "POST",
        "/admin/actions",
        mod,
        json={
            "target_type": "comment",
            "target_id": held["target_id"],
            "kind": "remove",
            "reason": "abuse",
        },
    )
    assert removed.status_code == 201, removed.text
    assert api("GET", "/admin/reports", mod).json()["items"] == []


@pytest.mark.ffmpeg
def test_an_nsfw_scored_frame_holds_a_video_for_review(
    client: httpx.Client, people: dict[str, Actor], platform: Any, tmp_path: Path
) -> None:
    api, alice, bob, mod = call(client), people["alice"], people["bob"], people["mod"]
    image = skin_image(320)
    [score] = nsfw_scores([image])
    assert score is not None
    assert score > 0.6, "the frame must score above nsfw_hold for this test to mean anything"
    video_id, outcome = processed(platform, alice.id, clip_of(image, tmp_path / "skin.mp4"))
    assert outcome.startswith("ready"), outcome
    assert api("GET", f"/videos/{video_id}", alice).json()["status"] == "ready"
    assert api("GET", f"/videos/{video_id}", bob).status_code == 404
    [verdict] = api("GET", "/admin/verdicts", mod, params={"target_id": video_id}).json()["items"]
    assert (verdict["verdict"], verdict["labels"]) == ("hold", ["nsfw"])
    assert verdict["score"] >= 0.6
    [item] = api("GET", "/admin/reports", mod).json()["items"]
    assert (item["target_type"], item["target_id"], item["severity"]) == ("video", video_id, 3)
    context = api("GET", f"/admin/reports/{item['id']}", mod).json()
    assert context["verdicts"][0]["model"] == "ml"
    # A landscape passes the same pipeline untouched.
    from socialflow.testing.conformance.moderation import landscape_jpeg

    calm, outcome = processed(platform, alice.id, clip_of(landscape_jpeg(), tmp_path / "calm.mp4"))
    assert outcome.startswith("ready"), outcome
    assert api("GET", f"/videos/{calm}", bob).status_code == 200
    # Released by a moderator: everyone sees it.
    released = api(
        "POST",
        "/admin/actions",
        mod,
        json={"target_type": "video", "target_id": video_id, "kind": "dismiss", "reason": "art"},
    )
    assert released.status_code == 201, released.text
    assert api("GET", f"/videos/{video_id}", bob).status_code == 200


def _verdict_on(platform: Any, video_id: str) -> tuple[str, float, str]:
    from socialflow.moderation.models import ModelVerdict
    from socialflow.video.models import Video
    from sqlalchemy import select

    with platform.session() as session:
        video = session.get(Video, video_id)
        assert video is not None
        verdict = session.execute(
            select(ModelVerdict).where(ModelVerdict.target_id == video_id)
        ).scalar_one()
        return verdict.verdict, verdict.score, video.visibility


@pytest.mark.ffmpeg
def test_the_threshold_decides_on_both_sides_of_the_frames_score(
    people: dict[str, Actor], make_platform: Callable[..., Any], tmp_path: Path
) -> None:
    """The same clip, three thresholds around the score its sampled frames get."""
    clip = clip_of(skin_image(320), tmp_path / "skin.mp4")
    owner = people["alice"].id
    default = make_platform(moderation="ml")
    held, outcome = processed(default, owner, clip)
    assert outcome.startswith("ready"), outcome
    verdict, score, visibility = _verdict_on(default, held)
    assert (verdict, visibility) == ("hold", "moderated")
    assert score >= 0.6
    above = round(score + (1 - score) / 2, 6)
    lenient = make_platform(moderation="ml", plugin={"moderation_ml": {"nsfw_hold": above}})
    allowed, outcome = processed(lenient, owner, clip)
    assert outcome.startswith("ready"), outcome
    assert _verdict_on(lenient, allowed) == ("allow", score, "public")
    strict = make_platform(moderation="ml", plugin={"moderation_ml": {"nsfw_reject": score - 0.01}})
    rejected, outcome = processed(strict, owner, clip)
    assert outcome == "failed: refused by the moderation model (nsfw)", outcome
    assert _verdict_on(strict, rejected)[0] == "reject"
