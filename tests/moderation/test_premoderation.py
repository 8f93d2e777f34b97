"""Pre-moderation: new accounts' videos are held until a moderator approves them.

A video turning ready is held in the same transaction (never visible in
between): ready for its owner, invisible to others, an item in the review
queue; ``dismiss`` publishes it. Older accounts' videos are published at once
under ``premoderation = "new_accounts"``.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from socialflow.accounts.models import User
from socialflow.core.db.base import utcnow
from tests.moderation.conftest import Api, act
from tests.moderation.test_model_verdicts import color_clip, processed_clip
from tests.moderation.test_notices import inbox
from tests.social.conftest import Actor


@pytest.fixture
def socialflow_overrides() -> dict[str, Any]:
    return {"plugin": {"moderation": {"premoderation": "new_accounts", "new_account_days": 7}}}


def _age(platform: Any, who: Actor, days: int) -> None:
    with platform.session() as session:
        user = session.get(User, who.id)
        assert user is not None
        user.created_at = utcnow() - timedelta(days=days)
        session.add(user)
        session.commit()


@pytest.mark.ffmpeg
def test_new_accounts_videos_wait_for_approval(
    api: Api, actor: Any, mod: Actor, platform: Any, tmp_path: Any
) -> None:
    alice, bob, carol = actor("alice"), actor("bob"), actor("carol")
    _age(platform, carol, 30)
    clip = color_clip(tmp_path / "blue.mp4", "blue")

    held, outcome = processed_clip(platform, alice, clip)
    assert outcome.startswith("ready"), outcome
    assert api("GET", f"/videos/{held}", alice).json()["status"] == "ready"
    assert api("GET", f"/videos/{held}", bob).status_code == 404
    [item] = api("GET", "/admin/reports", mod).json()["items"]
    assert (item["target_type"], item["target_id"]) == ("video", held)
    (told,) = inbox(api, alice, "moderation_action")
    assert told["text"].startswith("Your video is held for review before others see it")

    published, outcome = processed_clip(platform, carol, clip)
    assert outcome.startswith("ready"), outcome
    assert api("GET", f"/videos/{published}", bob).status_code == 200
    assert len(api("GET", "/admin/reports", mod).json()["items"]) == 1

    assert act(api, mod, "video", held, "dismiss").status_code == 201
    assert api("GET", f"/videos/{held}", bob).status_code == 200
    assert api("GET", "/admin/reports", mod).json()["items"] == []
