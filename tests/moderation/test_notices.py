"""Moderation tells people through their inbox: the author, each reporter, the appellant.

The whole flow of a report: reported -> queued -> action -> author notified ->
appeal -> decided by another moderator -> appellant notified; the reporters
learn the outcome; no moderator is named to anyone.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.moderation.conftest import Api, act, make_post, report
from tests.social.conftest import Actor


def inbox(api: Api, who: Actor, kind: str) -> list[dict[str, Any]]:
    response = api("GET", "/notifications", who, params={"kinds": kind})
    assert response.status_code == 200, response.text
    return list(response.json()["items"])


def test_author_reporters_and_appellant_are_told(
    api: Api, actor: Callable[..., Actor], mod: Actor, mod2: Actor
) -> None:
    alice, bob, carol = actor("alice"), actor("bob"), actor("carol")
    post = make_post(api, alice, "buy my pills")
    for reporter in (bob, carol):
        assert report(api, reporter, "post", post["id"]).status_code == 201
    action = act(api, mod, "post", post["id"], "hide").json()

    (told,) = inbox(api, alice, "moderation_action")
    assert told["actor"] is None  # the platform speaks, not the moderator
    assert told["text"] == "Your post was hidden: rules."
    assert told["data"] == {
        "action_id": action["id"],
        "action": "hide",
        "target_type": "post",
        "target_id": str(post["id"]),
        "appealable": True,
    }
    assert mod.name not in str(told)
    for reporter in (bob, carol):
        (outcome,) = inbox(api, reporter, "report_resolved")
        assert outcome["text"] == "Thank you for your report about a post: action was taken."
        assert outcome["data"]["outcome"] == "hide"
    assert inbox(api, mod, "report_resolved") == []

    filed = api("POST", "/appeals", alice, json={"action_id": action["id"], "text": "satire"})
    assert filed.status_code == 201, filed.text
    decision = {"outcome": "overturned", "note": "satire is allowed"}
    decided = api("POST", f"/admin/appeals/{filed.json()['id']}/decision", mod2, json=decision)
    assert decided.status_code == 200, decided.text
    (answer,) = inbox(api, alice, "appeal_decided")
    assert answer["text"] == "Your appeal was granted: the action was undone: satire is allowed."
    assert answer["data"]["outcome"] == "overturned"
    # The undo is an action too, and its author is told of it.
    texts = [n["text"] for n in inbox(api, alice, "moderation_action")]
    assert texts == [
        f"Your post was restored: appeal {filed.json()['id']} overturned: satire is allowed.",
        "Your post was hidden: rules.",
    ]


def test_dismissed_reports_tell_reporters_only(
    api: Api, actor: Callable[..., Actor], mod: Actor
) -> None:
    alice, bob = actor("alice"), actor("bob")
    post = make_post(api, alice, "a perfectly fine post")
    assert report(api, bob, "post", post["id"]).status_code == 201
    assert act(api, mod, "post", post["id"], "dismiss").status_code in (200, 201)
    (outcome,) = inbox(api, bob, "report_resolved")
    assert outcome["text"] == "Thank you for your report about a post: no rule was found broken."
    assert inbox(api, alice, "moderation_action") == []


def test_account_actions_and_preferences(api: Api, actor: Callable[..., Actor], mod: Actor) -> None:
    alice = actor("alice")
    post = make_post(api, alice, "borderline")
    act(api, mod, "post", post["id"], "warn")
    (warned,) = inbox(api, alice, "moderation_action")
    assert warned["text"] == "You received a warning: rules."
    # The kinds appear in the preferences, e-mailed by default, and can be switched off in-app.
    kinds = api("GET", "/notifications/preferences", alice).json()["kinds"]
    assert kinds["moderation_action"]["email"] is True
    assert kinds["report_resolved"]["email"] is False
    off = {"kinds": {"moderation_action": {"in_app": False}}}
    assert api("PATCH", "/notifications/preferences", alice, json=off).status_code == 200
    assert inbox(api, alice, "moderation_action") == []
