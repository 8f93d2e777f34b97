"""The review queue: grouping, priority, claims with a lease (one winner), context."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import httpx

from tests.moderation.conftest import Api, act, make_post, report
from tests.social.conftest import Actor


def test_priority_severity_then_volume_reach_and_history(
    api: Api, actor: Callable[..., Actor], mod: Actor, make_user: Callable[..., Any]
) -> None:
    alice, famous, bob, carol = actor("alice"), actor("famous"), actor("bob"), actor("carol")
    spam = make_post(api, alice, "spam")
    spam_famous = make_post(api, famous, "spam by someone with reach")
    threat = make_post(api, alice, "a threat")
    report(api, bob, "post", spam["id"], "spam")
    report(api, bob, "post", spam_famous["id"], "spam")
    report(api, bob, "post", threat["id"], "violence")
    report(api, carol, "post", spam["id"], "spam")  # two reporters
    queue = api("GET", "/admin/reports", mod).json()["items"]
    order = [item["target_id"] for item in queue]
    assert order[0] == str(threat["id"])  # severity first
    assert order[1] == str(spam["id"])  # then how many reported it
    # Reach: with as many reports, the author with followers ranks higher.
    for name in ("fan1", "fan2", "fan3"):
        follower = actor(name)
        assert api("POST", "/users/famous/follow", follower).status_code == 200
    report(api, carol, "post", spam_famous["id"], "spam")
    queue = api("GET", "/admin/reports", mod).json()["items"]
    ranked = {item["target_id"]: item for item in queue}
    assert ranked[str(spam_famous["id"])]["author_followers"] == 3
    assert ranked[str(spam_famous["id"])]["priority"] > ranked[str(spam["id"])]["priority"]
    # Repeat offender: a standing strike against alice lifts her items.
    other = make_post(api, alice, "earlier offence")
    assert act(api, mod, "post", other["id"], "warn").status_code == 201
    queue = api("GET", "/admin/reports", mod).json()["items"]
    ranked = {item["target_id"]: item for item in queue}
    assert ranked[str(spam["id"])]["author_strikes"] == 1
    assert ranked[str(spam["id"])]["priority"] > ranked[str(spam_famous["id"])]["priority"]


def test_claim_release_and_lease(
    api: Api, actor: Callable[..., Actor], mod: Actor, mod2: Actor
) -> None:
    alice, bob = actor("alice"), actor("bob")
    post = make_post(api, alice, "spam")
    report(api, bob, "post", post["id"])
    case_id = api("GET", "/admin/reports", mod).json()["items"][0]["id"]
    claimed = api("POST", f"/admin/reports/{case_id}/claim", mod)
    assert claimed.status_code == 200, claimed.text
    assert claimed.json()["claimed_by"] == mod.id
    assert api("POST", f"/admin/reports/{case_id}/claim", mod).status_code == 200  # renew
    taken = api("POST", f"/admin/reports/{case_id}/claim", mod2)
    assert taken.status_code == 409
    assert taken.json()["type"].endswith("claimed")
    # Another moderator may not act on a claimed item either.
    assert act(api, mod2, "post", post["id"], "hide").status_code == 409
    assert api("GET", "/admin/reports?unclaimed=true", mod2).json()["items"] == []
    assert api("POST", f"/admin/reports/{case_id}/release", mod2).status_code == 409
    assert api("POST", f"/admin/reports/{case_id}/release", mod).status_code == 200
    assert api("POST", f"/admin/reports/{case_id}/claim", mod2).status_code == 200
    assert api("GET", "/admin/reports/999999", mod).status_code == 404


def test_expired_lease_can_be_taken(
    api: Api, actor: Callable[..., Actor], mod: Actor, mod2: Actor, platform: Any
) -> None:
    from datetime import timedelta

    from socialflow.core.db.base import utcnow
    from socialflow.moderation.models import ModerationCase

    alice, bob = actor("alice"), actor("bob")
    post = make_post(api, alice, "spam")
    report(api, bob, "post", post["id"])
    case_id = api("GET", "/admin/reports", mod).json()["items"][0]["id"]
    assert api("POST", f"/admin/reports/{case_id}/claim", mod).status_code == 200
    with platform.session() as session:  # the lease ran out (no sleeping in tests)
        case = session.get(ModerationCase, case_id)
        case.lease_until = utcnow() - timedelta(seconds=1)
        session.add(case)
        session.commit()
    assert api("POST", f"/admin/reports/{case_id}/claim", mod2).json()["claimed_by"] == mod2.id


def _claim_at_once(base_url: str, case_id: int, moderators: tuple[Actor, ...]) -> dict[int, int]:
    """Each moderator claims ``case_id`` from a thread of their own, released together."""
    barrier = threading.Barrier(len(moderators))
    codes: dict[int, int] = {}

    def claim(who: Actor) -> None:
        with httpx.Client(base_url=base_url, timeout=30) as client:
            barrier.wait()
            response = client.post(f"/api/v1/admin/reports/{case_id}/claim", headers=who.headers)
            codes[who.id] = response.status_code

    threads = [threading.Thread(target=claim, args=(who,)) for who in moderators]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return codes


def test_two_moderators_claim_at_once_exactly_one_wins(
    api: Api, actor: Callable[..., Actor], mod: Actor, mod2: Actor, live_server: str
) -> None:
    alice, bob = actor("alice"), actor("bob")
    for round_ in range(3):
        post = make_post(api, alice, f"spam {round_}")
        report(api, bob, "post", post["id"])
        case_id = api("GET", "/admin/reports?unclaimed=true", mod).json()["items"][0]["id"]
        codes = _claim_at_once(live_server, case_id, (mod, mod2))
        assert sorted(codes.values()) == [200, 409], codes
        holder = api("GET", f"/admin/reports/{case_id}", mod).json()["case"]["claimed_by"]
        assert codes[holder] == 200


def test_context(api: Api, actor: Callable[..., Actor], mod: Actor) -> None:
    alice, bob, carol = actor("alice"), actor("bob"), actor("carol")
    earlier = make_post(api, alice, "earlier")
    assert act(api, mod, "post", earlier["id"], "warn").status_code == 201
    post = make_post(api, alice, "reported text")
    report(api, bob, "post", post["id"], "harassment", "rude")
    report(api, carol, "post", post["id"], "spam")
    case_id = api("GET", "/admin/reports", mod).json()["items"][0]["id"]
    context = api("GET", f"/admin/reports/{case_id}", mod).json()
    assert context["content"]["text"] == "reported text"
    assert [r["reason"] for r in context["reports"]] == ["harassment", "spam"]
    assert context["author"]["username"] == "alice"
    assert context["author"]["strikes"] == 1
    assert [a["kind"] for a in context["author_history"]] == ["warn"]
    assert context["target_history"] == []
