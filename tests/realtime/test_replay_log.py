"""The in-process replay log: bounded per user, in users and in age, and honest about gaps."""

from __future__ import annotations

import pytest

from socialflow.realtime.frames import Frame
from socialflow.realtime.replay import MemoryReplayLog, id_key


def frame(n: int) -> Frame:
    return Frame("user:1", "test", {"n": n})


def test_frames_after_an_id_in_order() -> None:
    log = MemoryReplayLog(entries=10, max_users=10, ttl_seconds=60)
    ids = [log.append(1, frame(n)).id for n in range(5)]
    log.append(2, frame(99))  # another user's frame is not replayed to user 1
    replay = log.since(1, ids[1] or "")
    assert [f.data["n"] for f in replay.frames] == [2, 3, 4]
    assert not replay.truncated


def test_a_full_log_drops_the_oldest_and_says_so() -> None:
    log = MemoryReplayLog(entries=3, max_users=10, ttl_seconds=60)
    first = log.append(1, frame(0)).id or ""
    for n in range(1, 6):
        log.append(1, frame(n))
    replay = log.since(1, first)
    assert [f.data["n"] for f in replay.frames] == [3, 4, 5]
    assert replay.truncated
    assert not log.since(1, replay.frames[0].id or "").truncated


def test_the_least_recent_users_go_first() -> None:
    log = MemoryReplayLog(entries=3, max_users=2, ttl_seconds=60)
    old = log.append(1, frame(0)).id or ""
    log.append(2, frame(1))
    log.append(3, frame(2))  # user 1 goes
    assert log.since(1, "0").frames == []
    assert log.since(1, "0").truncated
    assert log.since(1, old).truncated is False


def test_ids() -> None:
    assert id_key("17") == (17,)
    assert id_key("1733550000000-2") == (1733550000000, 2)
    for bad in ("", "a", "1-2-3", "-1", "1" * 30):
        with pytest.raises(ValueError, match="frame id"):
            id_key(bad)
