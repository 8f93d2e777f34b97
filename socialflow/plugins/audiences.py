"""Audiences: visibilities an app adds to posts and videos (``subscribers``).

Posts know ``public``, ``followers`` and ``private``; videos ``public``,
``unlisted`` and ``private``. An app higher in the order (payments, for
subscriber-only posts) adds a visibility of its own through the
``socialflow_audiences`` hook without the social and video apps importing
it: an :class:`Audience` says, for a viewer, which authors admit them, in
Python for one row or a page and in SQL for listings, and the one visibility
rule of each app asks the session's :class:`Audiences`.

Fail closed: a post whose visibility names an audience nobody registers any
more (its app was switched off) is for its author alone.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from typing import Protocol, runtime_checkable

from sqlalchemy import ColumnElement, and_, false, or_

from socialflow.plugins.session import DB, plugins_of

# The built-in values; an audience may not take one of these names.
RESERVED = frozenset({"public", "followers", "private", "unlisted"})


@runtime_checkable
class Audience(Protocol):
    """One extra visibility: who, among an author's viewers, may see what is posted to it.

    ``name`` is the value stored in ``visibility`` (lowercase letters and
    ``_``, at most 16 characters). Blocks, private accounts and deletion are
    ruled on before an audience is asked; the author always sees their own.
    An audience may also carry ``locked = True``: then only a moderator-side
    service sets it or lifts it (content hidden by moderation), never the author.
    """

    name: str
    description: str

    def admitted_by(self, session: DB, viewer_id: int, author_ids: Collection[int]) -> set[int]:
        """The authors among ``author_ids`` whose ``name`` audience includes ``viewer_id``."""
        ...

    def condition(self, viewer_id: int, author_id: ColumnElement[int]) -> ColumnElement[bool]:
        """:meth:`admitted_by` as SQL: true where the row's author admits ``viewer_id``."""
        ...


class Audiences:
    """The audiences one platform's plugins registered, by name."""

    def __init__(self, audiences: Iterable[Audience] = ()) -> None:
        self.by_name: dict[str, Audience] = {}
        for audience in audiences:
            if audience.name in RESERVED or audience.name in self.by_name:
                raise ValueError(f"audience name {audience.name!r} is taken")
            self.by_name[audience.name] = audience

    @property
    def names(self) -> list[str]:
        """The audiences an author may choose (locked ones are for moderators alone)."""
        return sorted(name for name in self.by_name if not self.locked(name))

    def locked(self, name: str) -> bool:
        """Whether ``name`` is an audience only moderators set and lift (an audience with a
        true ``locked`` attribute): authors can neither choose it nor leave it."""
        return bool(getattr(self.by_name.get(name), "locked", False))

    def admits(self, session: DB, viewer_id: int | None, visibility: str, author_id: int) -> bool:
        """Whether the ``visibility`` audience of ``author_id`` includes ``viewer_id``."""
        audience = self.by_name.get(visibility)
        if audience is None or viewer_id is None:
            return False
        return author_id in audience.admitted_by(session, viewer_id, [author_id])

    def admitted_pairs(
        self, session: DB, viewer_id: int | None, pairs: Iterable[tuple[str, int]]
    ) -> set[tuple[str, int]]:
        """Of ``(visibility, author_id)`` pairs, those admitting ``viewer_id``: one call per
        audience for a whole page."""
        if viewer_id is None or not self.by_name:
            return set()
        wanted: dict[str, set[int]] = {}
        for visibility, author_id in pairs:
            if visibility in self.by_name:
                wanted.setdefault(visibility, set()).add(author_id)
        return {
            (name, author_id)
            for name, authors in wanted.items()
            for author_id in self.by_name[name].admitted_by(session, viewer_id, authors)
        }

    def condition(
        self,
        viewer_id: int | None,
        visibility: ColumnElement[str],
        author_id: ColumnElement[int],
    ) -> ColumnElement[bool]:
        """SQL: the row's visibility is an audience of its author that admits ``viewer_id``."""
        if viewer_id is None or not self.by_name:
            return false()
        return or_(
            *(
                and_(visibility == name, audience.condition(viewer_id, author_id))
                for name, audience in self.by_name.items()
            )
        )


NO_AUDIENCES = Audiences()


def audiences_of(session: DB) -> Audiences:
    """The audiences registered on the platform that opened ``session`` (or a connection).

    A session opened outside a platform (a script's own engine) knows none:
    posts to an audience then stay hidden from everyone but their author.
    """
    plugins = plugins_of(session)
    return NO_AUDIENCES if plugins is None else plugins.audiences()
