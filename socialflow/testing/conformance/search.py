"""The search backend conformance suite.

Subclass :class:`SearchBackendConformance` and provide ``search``. Backends
that index asynchronously (OpenSearch) override :meth:`refresh` to make
writes visible before the suite queries.
"""

from __future__ import annotations

import pytest

from socialflow.plugins.protocols import SearchBackend, SearchDocument, SearchHits


class SearchBackendConformance:
    """Behaviour every search backend must show."""

    @pytest.fixture
    def search(self) -> SearchBackend:
        """Override: return an empty search backend under test."""
        pytest.fail(f"{type(self).__name__} must define a `search` fixture")

    def refresh(self, search: SearchBackend) -> None:
        """Override when indexed documents only become visible after a refresh."""

    def _index(self, search: SearchBackend, *documents: SearchDocument) -> None:
        search.index(list(documents))
        self.refresh(search)

    def test_has_a_name(self, search: SearchBackend) -> None:
        assert isinstance(search.name, str)
        assert search.name

    def test_finds_by_word_and_kind(self, search: SearchBackend) -> None:
        self._index(
            search,
            SearchDocument(kind="post", id="p1", text="Sunset over the harbour"),
            SearchDocument(kind="post", id="p2", text="Morning coffee"),
            SearchDocument(kind="user", id="u1", text="harbour_master Harbour Master"),
        )
        hits = search.query("harbour", kind="post")
        assert isinstance(hits, SearchHits)
        assert hits.ids == ["p1"]
        assert search.query("harbour", kind="user").ids == ["u1"]
        assert search.query("volcano", kind="post").ids == []

    def test_case_insensitive(self, search: SearchBackend) -> None:
        self._index(search, SearchDocument(kind="post", id="p1", text="Gelato in ROMA"))
        assert search.query("roma", kind="post").ids == ["p1"]
        assert search.query("GELATO", kind="post").ids == ["p1"]

    def test_reindex_replaces(self, search: SearchBackend) -> None:
        self._index(search, SearchDocument(kind="post", id="p1", text="old words here"))
        self._index(search, SearchDocument(kind="post", id="p1", text="brand new text"))
        assert search.query("old", kind="post").ids == []
        assert search.query("brand", kind="post").ids == ["p1"]

    def test_delete(self, search: SearchBackend) -> None:
        self._index(
            search,
            SearchDocument(kind="post", id="p1", text="tulips in spring"),
            SearchDocument(kind="post", id="p2", text="tulips in autumn"),
        )
        search.delete("post", ["p1", "never-indexed"])
        self.refresh(search)
        assert search.query("tulips", kind="post").ids == ["p2"]

    def test_paging_covers_everything_once(self, search: SearchBackend) -> None:
        documents = [
            SearchDocument(kind="post", id=f"p{n:02d}", text=f"football match report {n}")
            for n in range(23)
        ]
        self._index(search, *documents)
        seen: list[str] = []
        cursor = None
        for _ in range(10):
            page = search.query("football", kind="post", limit=5, cursor=cursor)
            assert len(page.ids) <= 5
            seen.extend(page.ids)
            cursor = page.next_cursor
            if cursor is None:
                break
        assert sorted(seen) == sorted(d.id for d in documents)
        assert len(seen) == len(set(seen)), "paging must not repeat results"
