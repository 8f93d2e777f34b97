"""An outside ranker plugin for the tests (loaded through ``plugin_modules``)."""

from __future__ import annotations

from socialflow import hookimpl


class ReverseIdRanker:
    """Oldest first: the opposite of chronological, so a switch is visible."""

    name = "oldest"

    def rank(self, candidates, context):
        return sorted(candidates, key=lambda c: int(c.post_id))


@hookimpl
def socialflow_rankers():
    return {"oldest": lambda settings: ReverseIdRanker()}
