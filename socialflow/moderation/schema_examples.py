"""Example payloads of the moderation and admin bodies, for the OpenAPI document.

Kept apart from :mod:`socialflow.moderation.schemas` so that module stays a
readable list of shapes. The examples tell one story: ``bob`` (user 57)
reports ``alice``'s (user 42) post 9135 for harassment; moderator 7 claims
the case, hides the post and warns her; alice appeals the hide and it is
overturned. Timestamps are what the routes send: ISO 8601 in UTC with an
offset. Page cursors are the last id of a full page, or null on the last page.
"""

from __future__ import annotations

from typing import Any

REPORT_CREATE: dict[str, Any] = {
    "target_type": "post",
    "target_id": "9135",
    "reason": "harassment",
    "text": "Third post this week mocking the same rider by name.",
}
REPORT_CREATE_PROFILE: dict[str, Any] = {
    "target_type": "profile",
    "target_id": "trailbot_2026",
    "reason": "spam",
}

REPORT_OUT: dict[str, Any] = {
    "id": 1204,
    "target_type": "post",
    "target_id": "9135",
    "reason": "harassment",
    "text": "Third post this week mocking the same rider by name.",
    "times": 1,
    "status": "open",
    "outcome": None,
    "created_at": "2026-12-07T08:41:17.402913+00:00",
    "resolved_at": None,
}
REPORT_RESOLVED: dict[str, Any] = {
    **REPORT_OUT,
    "times": 2,
    "status": "resolved",
    "outcome": "hide",
    "resolved_at": "2026-12-07T09:12:44.381203+00:00",
}

ACTION_HIDE: dict[str, Any] = {
    "id": 88,
    "kind": "hide",
    "target_type": "post",
    "target_id": "9135",
    "author_id": 42,
    "moderator_id": 7,
    "reason": "Targeted harassment of another rider.",
    "case_id": 311,
    "reverts_id": None,
    "expires_at": None,
    "reverted_at": None,
    "kept_storage": None,
    "created_at": "2026-12-07T09:12:44.381203+00:00",
}
ACTION_WARN: dict[str, Any] = {
    **ACTION_HIDE,
    "id": 89,
    "kind": "warn",
    "target_type": "profile",
    "target_id": "42",
    "reason": "Repeated posts about one person; next time is a suspension.",
    "case_id": None,
    "created_at": "2026-12-07T09:13:02.118540+00:00",
}
ACTION_SUSPEND: dict[str, Any] = {
    **ACTION_HIDE,
    "id": 90,
    "kind": "suspend",
    "target_type": "profile",
    "target_id": "42",
    "reason": "Harassment after a warning.",
    "case_id": None,
    "expires_at": "2026-12-14T09:20:00.000000+00:00",
    "created_at": "2026-12-07T09:20:00.000000+00:00",
}
ACTION_REMOVE_HELD: dict[str, Any] = {
    **ACTION_HIDE,
    "id": 91,
    "kind": "remove",
    "target_type": "video",
    "target_id": "5c1f0e9a7b2d4e63a8f1c0d9b7e6a5f4",
    "author_id": 73,
    "reason": "Copyright notice received for the full soundtrack.",
    "case_id": 318,
    "kept_storage": [
        "videos/5c1f0e9a7b2d4e63a8f1c0d9b7e6a5f4/",
        "uploads/e2b7c4a19d3f4b0a8c6e5d1f2a3b4c5d/",
    ],
    "created_at": "2026-12-07T09:31:55.004871+00:00",
}
ACTION_RESTORE: dict[str, Any] = {
    **ACTION_HIDE,
    "id": 95,
    "kind": "restore",
    "reason": "Context shows the rider asked to be named; restoring.",
    "reverts_id": 88,
    "created_at": "2026-12-07T10:05:21.730066+00:00",
}

ACTION_CREATE: dict[str, Any] = {
    "target_type": "post",
    "target_id": "9135",
    "kind": "hide",
    "reason": "Targeted harassment of another rider.",
}
ACTION_CREATE_SUSPEND: dict[str, Any] = {
    "target_type": "profile",
    "target_id": "42",
    "kind": "suspend",
    "reason": "Harassment after a warning.",
    "duration_hours": 168,
}
REVERT_CREATE: dict[str, Any] = {
    "reason": "Context shows the rider asked to be named; restoring.",
}

CASE_OUT: dict[str, Any] = {
    "id": 311,
    "target_type": "post",
    "target_id": "9135",
    "author_id": 42,
    "author_username": "alice",
    "author_followers": 1280,
    "author_strikes": 1,
    "status": "open",
    "severity": 3,
    "report_count": 4,
    "priority": 30826,
    "claimed_by": None,
    "lease_until": None,
    "created_at": "2026-12-07T08:41:17.402913+00:00",
}
CASE_CLAIMED: dict[str, Any] = {
    **CASE_OUT,
    "claimed_by": 7,
    "lease_until": "2026-12-07T09:25:03.517220+00:00",
}

CASE_CONTEXT: dict[str, Any] = {
    "case": CASE_CLAIMED,
    "content": {
        "text": "Look who crashed on the ridge again, @sam can't ride to save his life.",
        "visibility": "public",
        "video_id": None,
        "created_at": "2026-12-07T08:02:50.118334+00:00",
        "deleted": False,
    },
    "reports": [REPORT_OUT],
    "author": {
        "id": 42,
        "username": "alice",
        "state": "active",
        "role": "creator",
        "follower_count": 1280,
        "created_at": "2025-03-14T16:20:08.550127+00:00",
        "strikes": 1,
    },
    "author_history": [ACTION_WARN],
    "target_history": [],
}

APPEAL_CREATE: dict[str, Any] = {
    "action_id": 88,
    "text": "Sam is my riding partner and asked me to post this; see his reply under the post.",
}
APPEAL_OUT: dict[str, Any] = {
    "id": 19,
    "action_id": 88,
    "appellant_id": 42,
    "text": "Sam is my riding partner and asked me to post this; see his reply under the post.",
    "status": "open",
    "decision_note": "",
    "decided_by": None,
    "created_at": "2026-12-07T09:48:10.265901+00:00",
    "decided_at": None,
}
APPEAL_DECIDED: dict[str, Any] = {
    **APPEAL_OUT,
    "status": "overturned",
    "decision_note": "Confirmed with the other rider; the post is restored.",
    "decided_by": 7,
    "decided_at": "2026-12-07T10:05:21.730066+00:00",
}
APPEAL_DECISION: dict[str, Any] = {
    "outcome": "overturned",
    "note": "Confirmed with the other rider; the post is restored.",
}
APPEAL_DECISION_UPHELD: dict[str, Any] = {"outcome": "upheld"}

ADMIN_USER_OUT: dict[str, Any] = {
    "id": 42,
    "username": "alice",
    "email": "alice@example.com",
    "display_name": "Alice",
    "role": "creator",
    "state": "active",
    "email_verified": True,
    "follower_count": 1280,
    "strikes": 1,
    "created_at": "2025-03-14T16:20:08.550127+00:00",
}
ADMIN_USER_SUSPENDED: dict[str, Any] = {**ADMIN_USER_OUT, "state": "suspended", "strikes": 3}

ROLE_CHANGE: dict[str, Any] = {"role": "moderator"}
SUSPEND_REQUEST: dict[str, Any] = {
    "reason": "Harassment after a warning.",
    "duration_hours": 168,
}
BAN_REQUEST: dict[str, Any] = {"reason": "Ban evasion: third account after a ban."}
REINSTATE_REQUEST: dict[str, Any] = {
    "reason": "Suspension shortened after the appeal review.",
}
TWO_FACTOR_RESET: dict[str, Any] = {"was_enabled": True}

CONTENT_OUT: dict[str, Any] = {
    "target_type": "post",
    "target_id": "9135",
    "author_id": 42,
    "content": {**CASE_CONTEXT["content"], "visibility": "moderated"},
    "actions": [ACTION_HIDE],
    "open_case_id": None,
}

AUDIT_ENTRY: dict[str, Any] = {
    "id": 50211,
    "created_at": "2026-12-07T09:12:44.381203+00:00",
    "action": "moderation_hide",
    "actor_id": 7,
    "subject_user_id": 42,
    "ip": None,
    "details": {
        "action_id": 88,
        "target_type": "post",
        "target_id": "9135",
        "reason": "Targeted harassment of another rider.",
    },
}
AUDIT_ROLE_CHANGED: dict[str, Any] = {
    "id": 50190,
    "created_at": "2026-12-07T08:30:00.912447+00:00",
    "action": "role_changed",
    "actor_id": 1,
    "subject_user_id": 7,
    "ip": None,
    "details": {"previous": "user", "role": "moderator"},
}

VERDICT_HOLD: dict[str, Any] = {
    "id": 512,
    "target_type": "comment",
    "target_id": "7731",
    "author_id": 42,
    "verdict": "hold",
    "score": 0.93,
    "labels": ["profanity"],
    "reason": "profanity (score 0.93)",
    "model": "ml",
    "model_version": "1.0.0+alt-profanity-check-1.9.1",
    "case_id": 318,
    "action_id": 95,
    "created_at": "2026-12-07T09:20:11.004512+00:00",
}
VERDICT_ALLOW: dict[str, Any] = {
    **VERDICT_HOLD,
    "id": 513,
    "target_id": "7732",
    "verdict": "allow",
    "score": 0.04,
    "labels": [],
    "reason": "",
    "case_id": None,
    "action_id": None,
}

MESSAGE_CREATE: dict[str, Any] = {"text": "He posted two more since; links in my report."}
MESSAGE_OUT: dict[str, Any] = {
    "id": 311,
    "report_id": 1204,
    "sender": "reporter",
    "text": "He posted two more since; links in my report.",
    "created_at": "2026-12-07T08:55:02.114871+00:00",
}
MESSAGE_FROM_MODERATOR: dict[str, Any] = {
    "id": 312,
    "report_id": 1204,
    "sender": "moderator",
    "text": "Thank you, we are looking at all three.",
    "created_at": "2026-12-07T09:02:40.551203+00:00",
}
CASE_MESSAGE_CREATE: dict[str, Any] = {
    "report_id": 1204,
    "text": "Thank you, we are looking at all three.",
}
CASE_MESSAGE_OUT: dict[str, Any] = {**MESSAGE_FROM_MODERATOR, "author_id": 7}
