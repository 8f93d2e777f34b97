"""Appeals: once per action, by its author, decided by another moderator."""

from __future__ import annotations

from collections.abc import Callable

from tests.moderation.conftest import Api, act, make_post
from tests.social.conftest import Actor


def test_appeal_overturned_restores(
    api: Api, actor: Callable[..., Actor], mod: Actor, mod2: Actor
) -> None:
    alice, bob = actor("alice"), actor("bob")
    post = make_post(api, alice, "fine, really")
    action = act(api, mod, "post", post["id"], "hide").json()
    assert (
        api("POST", "/appeals", bob, json={"action_id": action["id"], "text": "x"}).status_code
        == 404
    )
    filed = api("POST", "/appeals", alice, json={"action_id": action["id"], "text": "it is fine"})
    assert filed.status_code == 201, filed.text
    appeal = filed.json()
    assert appeal["status"] == "open"
    again = api("POST", "/appeals", alice, json={"action_id": action["id"], "text": "again"})
    assert again.status_code == 409  # once
    # Only the appellant sees it; moderators see the open ones.
    assert [a["id"] for a in api("GET", "/appeals", alice).json()["items"]] == [appeal["id"]]
    assert api("GET", "/appeals", bob).json()["items"] == []
    assert api("GET", f"/appeals/{appeal['id']}", bob).status_code == 404
    assert [a["id"] for a in api("GET", "/admin/appeals", mod2).json()["items"]] == [appeal["id"]]
    decision = {"outcome": "overturned", "note": "satire"}
    own = api("POST", f"/admin/appeals/{appeal['id']}/decision", mod, json=decision)
    assert own.status_code == 403  # not the moderator who acted
    decided = api("POST", f"/admin/appeals/{appeal['id']}/decision", mod2, json=decision)
    assert decided.status_code == 200, decided.text
    assert decided.json()["status"] == "overturned"
    assert decided.json()["decided_by"] == mod2.id
    assert api("GET", f"/posts/{post['id']}", bob).status_code == 200  # restored
    assert api("GET", f"/appeals/{appeal['id']}", alice).json()["decision_note"] == "satire"
    twice = api("POST", f"/admin/appeals/{appeal['id']}/decision", mod2, json=decision)
    assert twice.status_code == 409
    kinds = [a["kind"] for a in api("GET", "/moderation/actions", alice).json()["items"]]
    assert kinds == ["restore", "hide"]


def test_appeal_upheld_keeps_the_action(
    api: Api, actor: Callable[..., Actor], mod: Actor, mod2: Actor, admin: Actor
) -> None:
    alice, bob = actor("alice"), actor("bob")
    suspended = act(api, mod, "profile", alice.id, "suspend", duration_hours=2).json()
    # A suspended author cannot sign in to appeal; a warning can be appealed by a signed-in one.
    post = make_post(api, bob, "spammy")
    warned = act(api, mod, "post", post["id"], "warn").json()
    filed = api("POST", "/appeals", bob, json={"action_id": warned["id"], "text": "not spam"})
    assert filed.status_code == 201
    upheld = api(
        "POST",
        f"/admin/appeals/{filed.json()['id']}/decision",
        mod2,
        json={"outcome": "upheld", "note": "it is spam"},
    )
    assert upheld.status_code == 200
    assert api("GET", f"/admin/users/{bob.id}", mod).json()["strikes"] == 1
    audit = api("GET", "/admin/audit", admin, params={"action": "moderation_appeal_*"})
    assert [e["action"] for e in audit.json()["items"]] == [
        "moderation_appeal_decided",
        "moderation_appeal_filed",
    ]
    assert suspended["kind"] == "suspend"
    # Another warning, overturned: withdrawn, and no longer a strike.
    second = act(api, mod, "post", make_post(api, bob, "fine")["id"], "warn").json()
    appeal = api("POST", "/appeals", bob, json={"action_id": second["id"], "text": "fine"}).json()
    overturned = api(
        "POST",
        f"/admin/appeals/{appeal['id']}/decision",
        mod2,
        json={"outcome": "overturned", "note": "ok"},
    )
    assert overturned.status_code == 200, overturned.text
    assert api("GET", f"/admin/users/{bob.id}", mod).json()["strikes"] == 1
    kinds = [a["kind"] for a in api("GET", "/moderation/actions", bob).json()["items"]]
    assert kinds == ["retract", "warn", "warn"]
    restore = api("POST", "/appeals", alice, json={"action_id": suspended["id"], "text": "x"})
    assert restore.status_code == 401  # suspended: signed out everywhere


def test_only_standing_actions_are_appealed(
    api: Api, actor: Callable[..., Actor], mod: Actor
) -> None:
    alice = actor("alice")
    post = make_post(api, alice, "x")
    hidden = act(api, mod, "post", post["id"], "hide").json()
    restored = api("POST", f"/admin/actions/{hidden['id']}/revert", mod, json={"reason": "ok"})
    assert (
        api("POST", "/appeals", alice, json={"action_id": hidden["id"], "text": "x"}).status_code
        == 409
    )
    assert (
        api(
            "POST", "/appeals", alice, json={"action_id": restored.json()["id"], "text": "x"}
        ).status_code
        == 409
    )
    assert (
        api("POST", "/appeals", alice, json={"action_id": 424242, "text": "x"}).status_code == 404
    )


def test_data_export_holds_reports_actions_and_appeals(
    api: Api, actor: Callable[..., Actor], mod: Actor
) -> None:
    from tests.moderation.conftest import report

    alice, bob = actor("alice"), actor("bob")
    post = make_post(api, alice, "x")
    assert report(api, bob, "post", post["id"], "spam", "why").status_code == 201
    warned = act(api, mod, "post", post["id"], "warn").json()
    api("POST", "/appeals", alice, json={"action_id": warned["id"], "text": "no"})
    alices = api("GET", "/users/me/export", alice).json()["moderation"]
    assert [a["kind"] for a in alices["actions_against_me"]] == ["warn"]
    assert [a["text"] for a in alices["appeals"]] == ["no"]
    assert alices["reports"] == []
    assert "why" not in str(alices)  # nothing of the report against her
    bobs = api("GET", "/users/me/export", bob).json()["moderation"]
    assert [(r["reason"], r["outcome"]) for r in bobs["reports"]] == [("spam", "warn")]
    assert bobs["actions_against_me"] == []
