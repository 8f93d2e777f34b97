"""Filter hooks veto (422 content-rejected, nothing stored) or rewrite posts and comments."""

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
