"""What long-running services report progress to, so the CLI can draw rich bars
while the services stay free of any terminal code."""

from __future__ import annotations

from typing import Protocol


class Progress(Protocol):
    """A run in named phases (``total`` None when unknown), each advanced by amounts."""

    def phase(self, name: str, total: int | None) -> None: ...

    def advance(self, amount: int) -> None: ...


class SilentProgress:
    """The default when nobody is watching (tests, workers)."""

    def phase(self, name: str, total: int | None) -> None:
        return None

    def advance(self, amount: int) -> None:
        return None
