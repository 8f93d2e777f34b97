"""The ``sql`` search backend's read statements, per engine, and its highlight excerpts.

PostgreSQL: words go through the GIN index ``search_fts_tsv`` on
``to_tsvector('simple', text)``. The newest ``WINDOW`` matches (by document
id, so a word found in half the corpus still costs a bounded sort) are then
ranked by ``ts_rank_cd`` relevance, engagement (likes + comments, on a log
scale) and a recency decay with a one-week scale; ``ts_headline`` makes the
excerpt of the page's rows only. Users are also found fuzzily through the
``pg_trgm`` index ``search_fts_user_trgm`` when it exists.

SQLite: the FTS5 table ``search_fts`` orders by its bm25 rank, then newest
first, and ``snippet()`` makes the excerpt.

Excerpts are made with private-use marker characters, then HTML-escaped in
Python and the markers turned into ``<mark>``/``</mark>``, so user text can
never inject markup.
"""

from __future__ import annotations

import html
from typing import Any

OPEN, CLOSE = "\ue000", "\ue001"
# Most matches ranked per query: beyond it, older matches are not considered.
WINDOW = 2000
# word_similarity needed for a fuzzy user hit (pg_trgm's default 0.6 misses typos).
FUZZY_THRESHOLD = 0.3
HEADLINE_OPTIONS = f"StartSel={OPEN}, StopSel={CLOSE}, MaxWords=24, MinWords=8, MaxFragments=2"

# The tsquery is written inline (not in a CTE) so the planner sees it and uses the GIN index.
_RANKED = """
WITH hits AS (
    SELECT d.id, d.ref_id, d.text,
           ts_rank_cd(to_tsvector('simple', d.text), to_tsquery('simple', :q)) AS rel
    FROM search_documents d
    WHERE d.kind = :kind AND to_tsvector('simple', d.text) @@ to_tsquery('simple', :q)
    ORDER BY d.id DESC
    LIMIT :window
),
scored AS (
    SELECT h.id, h.ref_id, h.text, {score} AS score
    FROM hits h {join}
),
page AS (
    SELECT id, ref_id, text, score, row_number() OVER (ORDER BY score DESC, id DESC) AS n
    FROM scored ORDER BY score DESC, id DESC LIMIT :want
)
SELECT ref_id,
       CASE WHEN n > :skip
            THEN ts_headline('simple', text, to_tsquery('simple', :q), :options) END
FROM page
ORDER BY n
"""
# Posts: relevance plus engagement, decayed by age (a week old counts half). A
# document whose id names no post row (another indexer's ids, a post gone since)
# keeps its relevance alone: the join is outer and the cast only tried on digits.
_POST_SCORE = (
    "(h.rel + 0.05 * ln(1 + COALESCE(p.like_count + p.comment_count, 0))) "
    "/ (1 + COALESCE(extract(epoch FROM (now() - p.created_at)), 0) / 604800.0)"
)
_POST_JOIN = (
    "LEFT JOIN posts p ON p.id = "
    "CASE WHEN h.ref_id ~ '^[0-9]{1,18}$' THEN CAST(h.ref_id AS BIGINT) END"
)
POSTGRES_POSTS = _RANKED.format(score=_POST_SCORE, join=_POST_JOIN)
POSTGRES_OTHERS = _RANKED.format(score="h.rel", join="")

POSTGRES_FUZZY_USERS = """
SELECT ref_id FROM search_documents
WHERE kind = 'user' AND :q <% lower(text)
ORDER BY word_similarity(:q, lower(text)) DESC, id DESC
LIMIT :want
"""
HAS_TRGM_INDEX = "SELECT 1 FROM pg_indexes WHERE indexname = 'search_fts_user_trgm'"

SQLITE_WORDS = """
SELECT d.ref_id, snippet(search_fts, 0, :open, :close, '…', 24)
FROM search_fts JOIN search_documents d ON d.id = search_fts.rowid
WHERE search_fts MATCH :match AND d.kind = :kind
ORDER BY search_fts.rank, d.id DESC
LIMIT :want
"""


def postgres_words(connection: Any, kind: str, terms: list[str], want: int, skip: int) -> Any:
    """``(ref_id, excerpt or None)`` rows, best first (excerpts from row ``skip`` on)."""
    from sqlalchemy import text

    statement = POSTGRES_POSTS if kind == "post" else POSTGRES_OTHERS
    params = {
        "q": " & ".join(f"{t}:*" for t in terms),
        "kind": kind,
        "window": max(WINDOW, want),
        "want": want,
        "skip": skip,
        "options": HEADLINE_OPTIONS,
    }
    return connection.execute(text(statement), params).all()


def postgres_fuzzy_users(connection: Any, q: str, want: int) -> list[str]:
    from sqlalchemy import text

    connection.execute(
        text("SELECT set_config('pg_trgm.word_similarity_threshold', :t, true)"),
        {"t": str(FUZZY_THRESHOLD)},
    )
    rows = connection.execute(text(POSTGRES_FUZZY_USERS), {"q": q.lower(), "want": want})
    return [row[0] for row in rows]


def sqlite_words(connection: Any, kind: str, terms: list[str], want: int) -> Any:
    from sqlalchemy import text

    match = " ".join(f'"{t}"*' for t in terms)
    return connection.execute(
        text(SQLITE_WORDS),
        {"match": match, "kind": kind, "want": want, "open": OPEN, "close": CLOSE},
    ).all()


def excerpt(marked: str | None) -> str | None:
    """Escape an excerpt made with the marker characters and turn them into ``<mark>``."""
    if not marked or OPEN not in marked:
        return None
    return html.escape(marked).replace(OPEN, "<mark>").replace(CLOSE, "</mark>")
