"""Moderation models on posts, comments and profiles: holds queue, rejects 422, all recorded.

The ``words`` moderator (``tests/moderation/word_moderator.py``) stands in for
a model: the platform's side (what a verdict does, where it is stored, how a
moderator releases or removes held content) is the same for every model.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.moderation.conftest import Api, act
from tests.social.conftest import Actor, make_post


@pytest.fixture
def socialflow_overrides() -> dict[str, Any]:
    return {
        "plugin_modules": ["tests.moderation.word_moderator"],
        "moderation": "words",
        "plugin": {"moderation": {"claim_lease_seconds": 60}},
    }


def verdicts(api: Api, mod: Actor, **params: Any) -> list[dict[str, Any]]:
    response = api("GET", "/admin/verdicts", mod, params=params)
    assert response.status_code == 200, response.text
    return list(response.json()["items"])


def comment(api: Api, who: Actor, post_id: int, text: str) -> Any:
    return api("POST", f"/posts/{post_id}/comments", who, json={"text": text})


def comment_texts(api: Api, who: Actor | None, post_id: int) -> list[str]:
    response = api("GET", f"/posts/{post_id}/comments", who)
    assert response.status_code == 200, response.text
    return [c["text"] for c in response.json()["items"]]


def test_clean_comment_passes_and_its_verdict_is_stored(api: Api, actor: Any, mod: Actor) -> None:
    alice, bob = actor("alice"), actor("bob")
    post = make_post(api, alice, "sunny ride")
    made = comment(api, bob, post["id"], "lovely trail")
    assert made.status_code == 201, made.text
    assert comment_texts(api, alice, post["id"]) == ["lovely trail"]
    [verdict] = verdicts(api, mod, target_type="comment")
    assert verdict["target_id"] == str(made.json()["id"])
    assert (verdict["verdict"], verdict["model"], verdict["model_version"]) == (
        "allow",
        "words",
        "7",
    )
    assert verdict["author_id"] == bob.id
    assert verdict["case_id"] is None
    queue = api("GET", "/admin/reports", mod).json()["items"]
    assert queue == []


def test_held_comment_is_hidden_queued_and_released_by_dismiss(
    api: Api, actor: Any, mod: Actor
) -> None:
    alice, bob = actor("alice"), actor("bob")
    post = make_post(api, alice, "sunny ride")
    made = comment(api, bob, post["id"], "what the heck is that line")
    assert made.status_code == 201, made.text
    comment_id = str(made.json()["id"])
    assert comment_texts(api, alice, post["id"]) == []
    assert comment_texts(api, None, post["id"]) == []
    assert comment_texts(api, bob, post["id"]) == ["what the heck is that line"]  # its author
    notes = api("GET", "/notifications", alice).json()["items"]
    assert not [n for n in notes if n.get("kind") == "commented"], (
        "nobody is told of a held comment"
    )
    [verdict] = verdicts(api, mod, verdict="hold")
    assert verdict["target_id"] == comment_id
    assert verdict["labels"] == ["profanity"]
    assert verdict["score"] == pytest.approx(0.8)
    [item] = api("GET", "/admin/reports", mod).json()["items"]
    assert (item["target_type"], item["target_id"]) == ("comment", comment_id)
    assert item["severity"] == 3  # profanity ranks as harassment
    context = api("GET", f"/admin/reports/{item['id']}", mod).json()
    assert [v["id"] for v in context["verdicts"]] == [verdict["id"]]
    held = [a for a in context["target_history"] if a["kind"] == "hold"]
    assert held
    assert held[0]["moderator_id"] is None
    # The author is told: the hold is among the actions taken on their content.
    mine = api("GET", "/moderation/actions", bob).json()["items"]
    assert [a["kind"] for a in mine] == ["hold"]
    released = act(api, mod, "comment", comment_id, "dismiss")
    assert released.status_code == 201, released.text
    assert comment_texts(api, alice, post["id"]) == ["what the heck is that line"]
    assert api("GET", "/admin/reports", mod).json()["items"] == []
    assert api("GET", f"/posts/{post['id']}", alice).json()["comment_count"] == 1


def test_held_post_is_hidden_from_others_until_a_moderator_removes_it(
    api: Api, actor: Any, mod: Actor
) -> None:
    alice, bob = actor("alice"), actor("bob")
    response = api("POST", "/posts", alice, json={"text": "heck of a jump", "visibility": "public"})
    assert response.status_code == 201, response.text
    post_id = response.json()["id"]
    assert api("GET", f"/posts/{post_id}", alice).status_code == 200
    assert api("GET", f"/posts/{post_id}", bob).status_code == 404
    assert api("GET", f"/posts/{post_id}", None).status_code == 404
    [item] = api("GET", "/admin/reports", mod).json()["items"]
    assert item["target_id"] == str(post_id)
    removed = act(api, mod, "post", post_id, "remove")
    assert removed.status_code == 201, removed.text
    assert api("GET", f"/posts/{post_id}", alice).status_code == 404
    # A removal by a moderator is a strike; the hold was not.
    kinds = [a["kind"] for a in api("GET", "/moderation/actions", alice).json()["items"]]
    assert kinds == ["remove", "hold"]


def test_dismissing_a_held_post_publishes_it_as_it_was(api: Api, actor: Any, mod: Actor) -> None:
    alice, bob = actor("alice"), actor("bob")
    post_id = api(
        "POST", "/posts", alice, json={"text": "heck yes", "visibility": "public"}
    ).json()["id"]
    assert api("GET", f"/posts/{post_id}", bob).status_code == 404
    assert act(api, mod, "post", post_id, "dismiss").status_code == 201
    shown = api("GET", f"/posts/{post_id}", bob)
    assert shown.status_code == 200
    assert shown.json()["visibility"] == "public"


def test_rejected_text_is_a_422_and_nothing_is_stored_but_the_verdict(
    api: Api, actor: Any, mod: Actor
) -> None:
    alice, bob = actor("alice"), actor("bob")
    response = api("POST", "/posts", alice, json={"text": "a forbiddenword here"})
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["type"].endswith("content-rejected")
    assert "forbiddenword" in response.json()["detail"]
    assert api("GET", f"/users/{alice.name}/posts", bob).json()["items"] == []
    post = make_post(api, alice, "fine")
    refused = comment(api, bob, post["id"], "FORBIDDENWORD!")
    assert refused.status_code == 422
    assert api("GET", f"/posts/{post['id']}", alice).json()["comment_count"] == 0
    rejected = verdicts(api, mod, verdict="reject")
    assert [(v["target_type"], v["target_id"]) for v in rejected] == [
        ("comment", None),
        ("post", None),
    ]


def test_profiles_are_checked(api: Api, actor: Any, mod: Actor) -> None:
    alice = actor("alice")
    refused = api("PATCH", "/users/me", alice, json={"bio": "forbiddenword"})
    assert refused.status_code == 422
    held = api("PATCH", "/users/me", alice, json={"display_name": "Heck Rider"})
    assert held.status_code == 200, held.text
    [item] = api("GET", "/admin/reports", mod).json()["items"]
    assert (item["target_type"], item["target_id"]) == ("profile", str(alice.id))
    assert [v["verdict"] for v in verdicts(api, mod, target_type="profile")] == ["hold", "reject"]


def test_verdicts_are_for_moderators_only(api: Api, actor: Any) -> None:
    alice = actor("alice")
    assert api("GET", "/admin/verdicts", alice).status_code == 403
    assert api("GET", "/admin/verdicts", None).status_code == 401


def processed_clip(platform: Any, owner: Actor, clip: Any) -> tuple[str, str]:
    """A video made from ``clip`` through the real pipeline (ffmpeg ladder, frames
    sampled for the moderator); returns its id and the job's outcome line."""
    from socialflow.video import videos as video_service
    from socialflow.video.models import Video, VideoStatus

    with platform.session() as session:
        video = Video(owner_id=owner.id, title="clip", status=VideoStatus.processing.value)
        session.add(video)
        session.commit()
        video_id = video.id
        key = video_service.source_key(video_id)
        platform.storage.put(key, clip.read_bytes(), content_type="video/mp4")
        video.source_key = key
        video.source_size = clip.stat().st_size
        session.add(video)
        session.commit()
    outcome = video_service.process_video(
        sessions=platform.session,
        storage=platform.storage,
        settings=platform.settings,
        video_id=video_id,
        platform=platform,
    )
    return video_id, outcome


def color_clip(path: Any, color: str) -> Any:
    import subprocess

    from socialflow.testing.services import require_binary

    ffmpeg = require_binary("ffmpeg")
    subprocess.run(
        [
            ffmpeg,
            "-y",
            "-hide_banner",
            "-loglevel",
            "error",
            "-f",
            "lavfi",
            "-i",
            f"color=c={color}:size=320x240:rate=25:duration=2",
            "-pix_fmt",
            "yuv420p",
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            str(path),
        ],
        check=True,
        timeout=60,
    )
    return path


@pytest.mark.ffmpeg
def test_a_video_whose_frames_are_held_is_ready_but_hidden_and_queued(
    api: Api, actor: Any, mod: Actor, platform: Any, tmp_path: Any
) -> None:
    alice, bob = actor("alice"), actor("bob")
    red, outcome = processed_clip(platform, alice, color_clip(tmp_path / "red.mp4", "red"))
    assert outcome.startswith("ready"), outcome
    assert api("GET", f"/videos/{red}", alice).json()["status"] == "ready"
    assert api("GET", f"/videos/{red}", bob).status_code == 404
    [item] = api("GET", "/admin/reports", mod).json()["items"]
    assert (item["target_type"], item["target_id"]) == ("video", red)
    [verdict] = verdicts(api, mod, target_type="video")
    assert (verdict["verdict"], verdict["labels"], verdict["model"]) == ("hold", ["nsfw"], "words")
    blue, outcome = processed_clip(platform, alice, color_clip(tmp_path / "blue.mp4", "blue"))
    assert outcome.startswith("ready"), outcome
    assert api("GET", f"/videos/{blue}", bob).status_code == 200
    assert verdicts(api, mod, target_type="video", target_id=blue)[0]["verdict"] == "allow"
    assert act(api, mod, "video", red, "dismiss").status_code == 201
    assert api("GET", f"/videos/{red}", bob).status_code == 200
