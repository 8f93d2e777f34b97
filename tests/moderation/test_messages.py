"""Messages on a report between its reporter and the moderators.

The reporter writes on their own report only; moderators read every report's
messages on a queue item and write to one reporter; the other side is told
through the ``report_message`` kind, and the reporter never learns which
moderator wrote. Every message is in the audit log.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from socialflow.accounts.models import AuditLogEntry
from tests.moderation.conftest import Api, make_post, report
from tests.moderation.test_notices import inbox
from tests.social.conftest import Actor


def _reported(
    api: Api, actor: Callable[..., Actor], mod: Actor
) -> tuple[Actor, dict[str, Any], int]:
    alice, bob = actor("alice"), actor("bob")
    post = make_post(api, alice, "buy my pills")
    filed = report(api, bob, "post", post["id"], text="spam again")
    assert filed.status_code == 201, filed.text
    case = api("GET", "/admin/reports", mod).json()["items"][0]["id"]
    return bob, filed.json(), case


def test_conversation_both_ways(
    api: Api, actor: Callable[..., Actor], mod: Actor, platform: Any
) -> None:
    bob, filed, case = _reported(api, actor, mod)
    assert api("POST", f"/admin/reports/{case}/claim", mod).status_code == 200

    asked = api("POST", f"/reports/{filed['id']}/messages", bob, json={"text": "two more since"})
    assert asked.status_code == 201, asked.text
    assert asked.json()["sender"] == "reporter"
    assert "author_id" not in asked.json()
    (told,) = inbox(api, mod, "report_message")
    assert told["data"] == {
        "report_id": filed["id"],
        "message_id": asked.json()["id"],
        "case_id": case,
    }

    answer = {"report_id": filed["id"], "text": "Thank you, looking at them"}
    answered = api("POST", f"/admin/reports/{case}/messages", mod, json=answer)
    assert answered.status_code == 201, answered.text
    assert answered.json()["author_id"] == mod.id

    (heard,) = inbox(api, bob, "report_message")
    assert heard["actor"] is None
    assert heard["text"] == "A moderator wrote about your report on a post."
    assert mod.name not in str(heard)

    mine = api("GET", f"/reports/{filed['id']}/messages", bob).json()["items"]
    assert [(m["sender"], m["text"]) for m in mine] == [
        ("moderator", "Thank you, looking at them"),
        ("reporter", "two more since"),
    ]
    assert all("author_id" not in m for m in mine)
    theirs = api("GET", f"/admin/reports/{case}/messages", mod).json()["items"]
    assert [m["author_id"] for m in theirs] == [mod.id, bob.id]

    with platform.session() as session:
        from sqlmodel import col, select

        entries = session.exec(
            select(AuditLogEntry).where(col(AuditLogEntry.action) == "moderation_report_message")
        ).all()
    assert sorted((e.actor_id, e.details["side"]) for e in entries) == sorted(
        [(bob.id, "reporter"), (mod.id, "moderator")]
    )


def test_only_the_reporter_and_the_right_case(
    api: Api, actor: Callable[..., Actor], mod: Actor, mod2: Actor
) -> None:
    bob, filed, case = _reported(api, actor, mod)
    eve = actor("eve")
    path = f"/reports/{filed['id']}/messages"
    assert api("GET", path, eve).status_code == 404
    assert api("POST", path, eve, json={"text": "hi"}).status_code == 404
    assert api("GET", "/reports/999999/messages", bob).status_code == 404
    assert api("POST", path, bob, json={"text": ""}).status_code == 422
    # A report of another case, or a missing case, is 404.
    other = report(api, bob, "post", make_post(api, eve, "other")["id"]).json()
    body = {"report_id": other["id"], "text": "x"}
    assert api("POST", f"/admin/reports/{case}/messages", mod, json=body).status_code == 404
    assert api("GET", "/admin/reports/999999/messages", mod).status_code == 404
    # While another moderator's claim runs, they speak for the case.
    assert api("POST", f"/admin/reports/{case}/claim", mod2).status_code == 200
    body = {"report_id": filed["id"], "text": "x"}
    taken = api("POST", f"/admin/reports/{case}/messages", mod, json=body)
    assert taken.status_code == 409
    assert taken.json()["type"].endswith("claimed")
    assert api("GET", f"/admin/reports/{case}/messages", mod).json()["items"] == []


def test_messages_rate_limited(api: Api, actor: Callable[..., Actor], mod: Actor) -> None:
    bob, filed, _ = _reported(api, actor, mod)
    path = f"/reports/{filed['id']}/messages"
    codes = [api("POST", path, bob, json={"text": f"m{i}"}).status_code for i in range(9)]
    assert codes == [201] * 8 + [429]  # the report_rate, "8/minute" in these tests
    assert len(api("GET", path, bob).json()["items"]) == 8
