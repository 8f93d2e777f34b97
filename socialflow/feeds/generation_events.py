"""What moves the generation counters: committed domain events and account changes.

:mod:`socialflow.feeds.generations` keeps the counters and broadcasts their
bumps; this module decides which counters an event touches (whose view
changed, whether anyone's may have, which post's counters moved), and
notices account and session changes however they were made, so that a cached
token check never outlives a logout or a suspension.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from socialflow.feeds.generations import Generations
from socialflow.plugins.specs import Event

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

# Payload keys of domain events that name a user whose own view changed.
USER_KEYS = (
    "user_id",
    "author_id",
    "owner_id",
    "follower_id",
    "followee_id",
    "requester_id",
    "target_id",
    "blocker_id",
    "blocked_id",
    "muter_id",
    "muted_id",
)
# Events after which anything cached for anyone may show too much.
GLOBAL_EVENTS = frozenset(
    {
        "post_edited",
        "post_deleted",
        "comment_deleted",
        "user_suspended",
        "user_deleted",
        # An account going private (or public) changes who may see all its posts;
        # a video edited or deleted changes every post carrying it.
        "account_privacy_changed",
        "video_updated",
        "video_deleted",
    }
)
# Events that move a post's counters: they move the post's own counter, and
# (for the post's author) nothing else: their author_id is the post's author,
# whose view did not change, and who would otherwise drop every cached post of
# theirs on each like.
POST_COUNTER_EVENTS = frozenset({"liked", "unliked", "shared", "unshared", "commented"})
POST_COUNTER_AUTHOR_KEYS = frozenset({"author_id", "post_author_id"})
AUTH_CHANGES_KEY = "socialflow.generations.users"


def bump_for_events(generations: Generations, events: Sequence[Event]) -> None:
    """Move the counters the committed ``events`` touched (one call for all)."""
    users: set[int] = set()
    authors: set[int] = set()
    posts: set[int] = set()
    public = everything = False
    for event in events:
        payload = event.payload
        keys: Iterable[str] = USER_KEYS
        if event.name in POST_COUNTER_EVENTS:
            posts.add(int(payload["post_id"]))
            keys = [k for k in USER_KEYS if k not in POST_COUNTER_AUTHOR_KEYS]
            if event.name == "commented":  # the commenter is the actor here
                keys.append("author_id")
        users.update(int(payload[k]) for k in keys if isinstance(payload.get(k), int))
        if event.name in GLOBAL_EVENTS:
            everything = True
        elif event.name == "post_created":
            authors.add(int(payload["author_id"]))
            public = public or payload.get("visibility") == "public"
    if users or authors or posts or public or everything:
        generations.bump(users, public=public, everything=everything, authors=authors, posts=posts)


def note_account_changes(session: Session, _context: Any, _instances: Any) -> None:
    """``before_flush`` listener: remember users whose account or sessions change.

    Token checks are cached (see :mod:`socialflow.feeds.cache`), so a logout, a
    revoked session, a new ``token_version`` or a suspension must move the
    user's counter when it commits, whichever service made the change.
    """
    from socialflow.accounts.models import AuthSession, User

    changed = session.info.setdefault(AUTH_CHANGES_KEY, set())
    for obj in (*session.dirty, *session.deleted):
        if isinstance(obj, User) and obj.id is not None:
            changed.add(obj.id)
        elif isinstance(obj, AuthSession):
            changed.add(obj.user_id)


def take_account_changes(session: Session) -> set[int]:
    """The users :func:`note_account_changes` saw (and forget them: call on commit and
    on rollback alike)."""
    changed: set[int] = session.info.pop(AUTH_CHANGES_KEY, set())
    return changed
