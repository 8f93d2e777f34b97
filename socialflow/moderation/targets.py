"""What can be reported: a registry of target kinds (post, comment, video, profile...).

A report names its target as ``(target_type, target_id)``; ``target_type`` is
a string checked against the platform's :class:`TargetKinds`, so an app above
this one (live streams, chat messages) adds a kind by registering a
:class:`TargetKind` from its ``socialflow_platform_start`` hook
(``target_kinds(platform).register(MyKind())``) without a change here.

A kind answers three questions: may this viewer see the target (a reporter
can only report what they can see: otherwise 404, as if it did not exist),
what is it as moderators see it (author, a summary), and how is it hidden,
removed and restored (kinds without visibility, like profiles, refuse those:
accounts are warned, suspended or banned instead).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlmodel import Session

from socialflow.accounts.models import AccountState, User
from socialflow.core.db.base import iso_or_none
from socialflow.core.errors import NotFound, Problem, ValidationProblem
from socialflow.graph.relations import get_visible_user
from socialflow.moderation.audience import NAME as MODERATED
from socialflow.social import moderated as social_moderation
from socialflow.social.models import Comment, Post
from socialflow.social.posts import get_visible_post
from socialflow.video import moderated as video_moderation
from socialflow.video.models import Video
from socialflow.video.videos import get_visible_video

if TYPE_CHECKING:
    from socialflow.core.platform import Platform


@dataclass(frozen=True)
class Target:
    """A reported object as moderators see it."""

    kind: str
    id: str
    author_id: int
    summary: dict[str, Any] = field(default_factory=dict)


def unsupported(kind: str, what: str) -> Problem:
    return ValidationProblem(
        f"A {kind} cannot be {what}; act on its author's account instead.",
        slug="action-not-supported",
        errors=[{"field": "kind", "message": f"not for a {kind}", "code": "invalid"}],
    )


class TargetKind(ABC):
    """One reportable kind. Subclasses implement :meth:`visible` and :meth:`load`, and
    the actions their objects support (the defaults refuse with a 422)."""

    name = ""
    restorable_removal = True

    @abstractmethod
    def visible(self, session: Session, viewer: User, target_id: str) -> Target:
        """The target as ``viewer`` may see it; 404 when they may not (or it is gone)."""

    @abstractmethod
    def load(self, session: Session, target_id: str) -> Target | None:
        """The target whatever its state (hidden, removed), for moderators; None if gone."""

    def hide(self, session: Session, platform: Platform, target_id: str) -> str:
        """Hide it (shown to its author alone); returns what to put back on restore."""
        raise unsupported(self.name, "hidden")

    def unhide(self, session: Session, platform: Platform, target_id: str, previous: str) -> None:
        raise unsupported(self.name, "restored")

    def remove(
        self, session: Session, platform: Platform, target_id: str, *, keep_storage: bool
    ) -> list[str]:
        """Remove it; returns the storage prefixes kept (under a legal hold) or deleted."""
        raise unsupported(self.name, "removed")

    def unremove(
        self, session: Session, platform: Platform, target_id: str, previous: str | None
    ) -> None:
        """Bring a removed target back (``previous``: its visibility before the removal)."""
        raise unsupported(self.name, "restored")


def _int_id(target_id: str) -> int:
    if not target_id.isascii() or not target_id.isdigit() or len(target_id) > 10:
        raise NotFound("No such object.")
    value = int(target_id)
    if not 0 < value < 2**31:
        raise NotFound("No such object.")
    return value


class PostKind(TargetKind):
    name = "post"

    def _target(self, post: Post) -> Target:
        return Target(
            self.name,
            str(post.id),
            post.author_id,
            {
                "text": post.text,
                "visibility": post.visibility,
                "video_id": post.video_id,
                "created_at": iso_or_none(post.created_at),
                "deleted": post.deleted_at is not None,
            },
        )

    def visible(self, session: Session, viewer: User, target_id: str) -> Target:
        return self._target(get_visible_post(session, viewer=viewer, post_id=_int_id(target_id)))

    def load(self, session: Session, target_id: str) -> Target | None:
        post = session.get(Post, _int_id(target_id))
        return None if post is None else self._target(post)

    def hide(self, session: Session, platform: Platform, target_id: str) -> str:
        return social_moderation.set_post_visibility(
            session, post_id=_int_id(target_id), visibility=MODERATED
        )

    def unhide(self, session: Session, platform: Platform, target_id: str, previous: str) -> None:
        social_moderation.set_post_visibility(
            session, post_id=_int_id(target_id), visibility=previous
        )

    def remove(
        self, session: Session, platform: Platform, target_id: str, *, keep_storage: bool
    ) -> list[str]:
        social_moderation.set_post_removed(session, post_id=_int_id(target_id), removed=True)
        return []

    def unremove(
        self, session: Session, platform: Platform, target_id: str, previous: str | None
    ) -> None:
        social_moderation.set_post_removed(session, post_id=_int_id(target_id), removed=False)


class CommentKind(TargetKind):
    name = "comment"

    def _target(self, comment: Comment) -> Target:
        return Target(
            self.name,
            str(comment.id),
            comment.author_id,
            {
                "text": comment.text,
                "post_id": comment.post_id,
                "created_at": iso_or_none(comment.created_at),
                "deleted": comment.deleted_at is not None,
                # Hidden by a moderator: the same marker as hidden posts and videos.
                "visibility": MODERATED if comment.hidden_at is not None else "public",
            },
        )

    def visible(self, session: Session, viewer: User, target_id: str) -> Target:
        comment = session.get(Comment, _int_id(target_id))
        if comment is None or comment.deleted_at is not None:
            raise NotFound("No such comment.")
        if comment.hidden_at is not None and comment.author_id != viewer.id:
            raise NotFound("No such comment.")
        get_visible_post(session, viewer=viewer, post_id=comment.post_id)
        return self._target(comment)

    def load(self, session: Session, target_id: str) -> Target | None:
        comment = session.get(Comment, _int_id(target_id))
        return None if comment is None else self._target(comment)

    def hide(self, session: Session, platform: Platform, target_id: str) -> str:
        social_moderation.set_comment_hidden(session, comment_id=_int_id(target_id), hidden=True)
        return "public"

    def unhide(self, session: Session, platform: Platform, target_id: str, previous: str) -> None:
        social_moderation.set_comment_hidden(session, comment_id=_int_id(target_id), hidden=False)

    def remove(
        self, session: Session, platform: Platform, target_id: str, *, keep_storage: bool
    ) -> list[str]:
        social_moderation.set_comment_removed(session, comment_id=_int_id(target_id), removed=True)
        return []

    def unremove(
        self, session: Session, platform: Platform, target_id: str, previous: str | None
    ) -> None:
        social_moderation.set_comment_removed(session, comment_id=_int_id(target_id), removed=False)


class VideoKind(TargetKind):
    """Videos: a removal is a soft delete (hidden at once, purged after the video grace
    period, restorable by a moderator until then); under a legal hold the row goes at
    once and its bytes stay, and nothing can be restored."""

    name = "video"

    def _target(self, video: Video) -> Target:
        return Target(
            self.name,
            video.id,
            video.owner_id,
            {
                "title": video.title,
                "description": video.description,
                "status": video.status,
                "visibility": video.visibility,
                "deleted": video.status == "deleted",
                "created_at": iso_or_none(video.created_at),
            },
        )

    def visible(self, session: Session, viewer: User, target_id: str) -> Target:
        return self._target(get_visible_video(session=session, video_id=target_id, viewer=viewer))

    def load(self, session: Session, target_id: str) -> Target | None:
        video = session.get(Video, target_id) if len(target_id) <= 32 else None
        return None if video is None else self._target(video)

    def hide(self, session: Session, platform: Platform, target_id: str) -> str:
        return video_moderation.set_video_visibility(
            session, video_id=target_id, visibility=MODERATED
        )

    def unhide(self, session: Session, platform: Platform, target_id: str, previous: str) -> None:
        video_moderation.set_video_visibility(session, video_id=target_id, visibility=previous)

    def remove(
        self, session: Session, platform: Platform, target_id: str, *, keep_storage: bool
    ) -> list[str]:
        if keep_storage:
            return video_moderation.remove_video(
                session, plugins=platform.plugins, video_id=target_id
            )
        video_moderation.set_video_removed(
            session, video_id=target_id, removed=True, visibility=MODERATED
        )
        return []

    def unremove(
        self, session: Session, platform: Platform, target_id: str, previous: str | None
    ) -> None:
        video_moderation.set_video_removed(
            session, video_id=target_id, removed=False, visibility=previous or "private"
        )


class ProfileKind(TargetKind):
    """An account's profile; ``target_id`` is sent as the username, kept as the user id."""

    name = "profile"

    def _target(self, user: User) -> Target:
        assert user.id is not None
        return Target(
            self.name,
            str(user.id),
            user.id,
            {
                "username": user.username,
                "display_name": user.display_name,
                "bio": user.bio,
                "state": user.state,
                "role": user.role,
            },
        )

    def visible(self, session: Session, viewer: User, target_id: str) -> Target:
        if target_id.isascii() and target_id.isdigit():
            user = session.get(User, _int_id(target_id))
            if user is None:
                raise NotFound("No such user.")
            target_id = user.username
        return self._target(get_visible_user(session, username=target_id, viewer=viewer))

    def load(self, session: Session, target_id: str) -> Target | None:
        user = session.get(User, _int_id(target_id))
        if user is None or user.state == AccountState.deleted.value:
            return None
        return self._target(user)


class TargetKinds:
    """The kinds one platform knows, by name."""

    def __init__(self) -> None:
        self.by_name: dict[str, TargetKind] = {}
        for kind in (PostKind(), CommentKind(), VideoKind(), ProfileKind()):
            self.register(kind)

    def register(self, kind: TargetKind) -> None:
        if not kind.name or kind.name in self.by_name:
            raise ValueError(f"target kind {kind.name!r} is empty or taken")
        self.by_name[kind.name] = kind

    def get(self, name: str) -> TargetKind:
        kind = self.by_name.get(name)
        if kind is None:
            allowed = ", ".join(sorted(self.by_name))
            raise ValidationProblem(
                f"target_type must be one of: {allowed}.",
                errors=[{"field": "target_type", "message": "unknown kind", "code": "invalid"}],
            )
        return kind


def target_kinds(platform: Platform) -> TargetKinds:
    """The platform's target kinds (attached when it starts)."""
    return platform.get(TargetKinds)
