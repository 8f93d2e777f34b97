"""An outside ranker plugin (loaded through ``plugin_modules``): oldest post first."""

from __future__ import annotations

from socialflow import hookimpl


class OldestRanker:
    name = "oldest"

    def rank(self, candidates, context):
        return sorted(candidates, key=lambda c: int(c.post_id))


@hookimpl
def socialflow_rankers():
    return {"oldest": lambda settings: OldestRanker()}
