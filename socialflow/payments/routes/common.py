"""What the payments routes share."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel


def pending(model: type[BaseModel]) -> dict[int | str, dict[str, Any]]:
    """The ``202`` answer of a route whose provider call has no answer yet: the object as
    it stands; the payments sweep asks the provider again with the same key."""
    return {202: {"model": model, "description": "Accepted; the provider has not answered yet."}}
