"""Hashtag suggestions: YAKE keywords matched to the hashtags already in use.

YAKE scores a text's keywords by statistics of the text alone (no corpus,
no model download). Each keyword becomes candidate tags (``mountain bike``
-> ``mountainbike``, ``mountain``, ``bike``; a plural's singular too); those
the platform already uses are suggested first, most relevant keyword and
then most used tag first, so suggestions join existing conversations rather
than coin near-duplicates. Keywords no post uses yet follow as ``new``.

With a text embedder installed, a keyword none of whose tags is in use may
still find one that means the same (``bicycle`` -> ``cycling``,
:mod:`socialflow.insights.similar`): it is suggested with ``match:
"similar"`` and its cosine, after the exact matches of equal relevance.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Set
from typing import Any

from socialflow.insights.extra import missing_extra

TAG_RE = re.compile(r"[^\w]+", re.UNICODE)
MAX_TAG = 100


def keywords(text: str, *, top: int = 12) -> list[tuple[str, float]]:
    """(keyword, relevance in (0, 1]) most relevant first; YAKE's lower-is-better score
    is turned around so that higher means more relevant."""
    try:
        import yake
    except ImportError as exc:
        raise missing_extra("yake") from exc

    extractor = yake.KeywordExtractor(lan="en", n=2, dedupLim=0.8, top=top)
    found = extractor.extract_keywords(text)
    return [(kw, round(1.0 / (1.0 + float(score)), 4)) for kw, score in found]


def _tag(words: str) -> str:
    return TAG_RE.sub("", words.lower())[:MAX_TAG]


def candidates(keyword: str) -> list[str]:
    """Tags a keyword may stand for, the closest first."""
    words = [w for w in TAG_RE.split(keyword.lower()) if w]
    forms = [_tag(keyword), *(_tag(w) for w in words)]
    forms += [f[:-1] for f in forms if len(f) > 3 and f.endswith("s") and not f.endswith("ss")]
    return [f for f in dict.fromkeys(forms) if len(f) >= 2 and not f.isdigit()]


# keyword -> (tag in use, cosine, post count), for the keywords given; tags in the set skipped
Similar = Callable[[list[str], Set[str]], dict[str, tuple[str, float, int]]]


def suggest(
    text: str,
    used: Callable[[Iterable[str]], dict[str, int]],
    *,
    limit: int,
    exclude: Iterable[str] = (),
    similar: Similar | None = None,
) -> dict[str, Any]:
    """Suggestions for ``text``; ``used(tags)`` answers how many posts use each tag,
    ``similar`` (when an embedder is installed) finds tags in use for the keywords
    none of whose tags is."""
    found = keywords(text)
    per_keyword = [(kw, score, candidates(kw)) for kw, score in found]
    counts = used({tag for _, _, tags in per_keyword for tag in tags})
    skip = {t.lower() for t in exclude}
    existing: dict[str, dict[str, Any]] = {}
    new: dict[str, dict[str, Any]] = {}
    for kw, score, tags in per_keyword:
        for tag in tags:
            if tag in skip:
                continue
            if counts.get(tag):
                existing.setdefault(
                    tag,
                    {
                        "tag": tag,
                        "keyword": kw,
                        "relevance": score,
                        "post_count": counts[tag],
                        "match": "exact",
                        "similarity": None,
                    },
                )
        head = tags[0] if tags else None
        if head and head not in skip and not counts.get(head):
            new.setdefault(head, _new(head, kw, score))
    unmatched = [kw for kw, _, tags in per_keyword if tags and not any(counts.get(t) for t in tags)]
    if similar is not None and unmatched:
        relevance = dict(found)
        for kw, (tag, cosine, post_count) in similar(unmatched, skip).items():
            existing.setdefault(
                tag,
                {
                    "tag": tag,
                    "keyword": kw,
                    "relevance": relevance[kw],
                    "post_count": post_count,
                    "match": "similar",
                    "similarity": round(cosine, 4),
                },
            )
    ranked = sorted(
        existing.values(),
        key=lambda s: (-s["relevance"], s["match"] != "exact", -s["post_count"], s["tag"]),
    )
    return {
        "keywords": [{"keyword": kw, "relevance": score} for kw, score in found],
        "hashtags": ranked[:limit],
        "new": [s for s in new.values() if s["tag"] not in existing][:limit],
    }


def _new(tag: str, keyword: str, relevance: float) -> dict[str, Any]:
    return {
        "tag": tag,
        "keyword": keyword,
        "relevance": relevance,
        "post_count": 0,
        "match": "new",
        "similarity": None,
    }
