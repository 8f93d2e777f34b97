"""Filter hooks veto (422 content-rejected, nothing stored) or rewrite posts, comments and
profiles; all three run in the services, so every caller of a service gets them."""

from __future__ import annotations

import pytest

from tests.social.conftest import make_post


@pytest.fixture
def socialflow_overrides() -> dict[str, object]:
    return {"plugin_modules": ["tests.social.filter_plugin"]}


def test_filters_veto_and_rewrite(api, actor) -> None:
    alice = actor("alice")
    rejected = api("POST", "/posts", alice, json={"text": "something forbidden"})
    assert rejected.status_code == 422
    assert rejected.json()["type"] == "urn:socialflow:problem:content-rejected"
    assert api("GET", "/feed/explore").json()["items"] == []
    assert make_post(api, alice, "shout: hello")["text"] == "SHOUT: HELLO"
    post = make_post(api, alice, "fine")
    edit = api("PATCH", f"/posts/{post['id']}", alice, json={"text": "now forbidden"})
    assert edit.status_code == 422
    assert api("GET", f"/posts/{post['id']}").json()["text"] == "fine"
    comment = api("POST", f"/posts/{post['id']}/comments", alice, json={"text": "forbidden!"})
    assert comment.status_code == 422
    assert api("GET", f"/posts/{post['id']}").json()["comment_count"] == 0


def test_profile_filters_veto_and_rewrite(api, actor) -> None:
    alice = actor("alice")
    rejected = api("PATCH", "/users/me", alice, json={"bio": "something forbidden"})
    assert rejected.status_code == 422
    assert rejected.json()["type"] == "urn:socialflow:problem:content-rejected"
    assert api("GET", "/users/me", alice).json()["bio"] != "something forbidden"
    shouted = api("PATCH", "/users/me", alice, json={"display_name": "shout: hi", "bio": "ok"})
    assert shouted.status_code == 200, shouted.text
    assert (shouted.json()["display_name"], shouted.json()["bio"]) == ("SHOUT: HI", "ok")


def test_every_filter_runs_in_the_service_not_only_behind_a_route(platform, actor) -> None:
    """A CLI command or task calling the services directly gets the same filters."""
    from socialflow.accounts import users as user_service
    from socialflow.accounts.models import User
    from socialflow.plugins.specs import ContentRejected
    from socialflow.social import comments as comment_service
    from socialflow.social import posts as post_service

    alice = actor("alice")
    with platform.session() as session:
        user = session.get(User, alice.id)
        assert user is not None
        post = post_service.create_post(session, platform=platform, author=user, text="shout: yo")
        assert post.text == "SHOUT: YO"
        with pytest.raises(ContentRejected):
            comment_service.create_comment(
                session, platform=platform, author=user, post_id=post.id, text="forbidden"
            )
        user_service.update_profile(
            session=session, platform=platform, user=user, changes={"display_name": "shout: me"}
        )
        assert user.display_name == "SHOUT: ME"
        with pytest.raises(ContentRejected):
            user_service.update_profile(
                session=session, platform=platform, user=user, changes={"bio": "forbidden"}
            )
        session.commit()
    with platform.session() as session:
        stored = session.get(User, alice.id)
        assert stored is not None
        assert stored.display_name == "SHOUT: ME"
        assert stored.bio != "forbidden"
