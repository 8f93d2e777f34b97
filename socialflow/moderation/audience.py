"""The ``moderated`` audience: what a moderator hid is shown to its author alone.

Hiding a post or a video sets its visibility to ``moderated`` (the original
is kept in the action row and put back on restore), so every route that shows
posts or videos (pages, feeds, search, notifications, playlists) hides it
through its one visibility rule. The audience admits nobody (authors always
see their own) and is ``locked``: an author can neither choose it nor leave it.
"""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import ColumnElement, false

from socialflow.plugins.session import DB

NAME = "moderated"


class Moderated:
    name = NAME
    description = "Hidden by a moderator: shown to its author alone"
    locked = True

    def admitted_by(self, session: DB, viewer_id: int, author_ids: Collection[int]) -> set[int]:
        return set()

    def condition(self, viewer_id: int, author_id: ColumnElement[int]) -> ColumnElement[bool]:
        return false()
