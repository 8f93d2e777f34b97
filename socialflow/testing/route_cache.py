"""Build each route's dependency tree once per test process, not once per app.

Every test gets its own app (its own platform, database and settings), and
FastAPI analyses each endpoint's signature again for every app that includes
it: with a few hundred routes that is most of a small test's setup time. The
analysis depends only on the endpoint, its path and the router's dependencies,
all module-level objects that are the same in every app a process builds, so
:func:`share_route_dependants` memoises it. What is app-specific (dependency
overrides, middlewares, state) is looked up per app at request time, not stored
in the tree. With a FastAPI that analyses routes elsewhere, this changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from fastapi import routing

_BUILDER = "_build_dependant_with_parameterless_dependencies"


def share_route_dependants() -> bool:
    """Memoise FastAPI's per-route dependency analysis in this process; True when
    this FastAPI has the function to wrap (idempotent)."""
    build = getattr(routing, _BUILDER, None)
    if build is None or getattr(build, "socialflow_shared", False):
        return build is not None
    built: dict[tuple[str, Callable[..., Any], tuple[int, ...]], tuple[Any, list[Any]]] = {}

    def shared(*, path: str, call: Callable[..., Any], dependencies: Sequence[Any]) -> Any:
        key = (path, call, tuple(map(id, dependencies)))
        if key not in built:
            # The dependencies ride along so their ids stay theirs while the entry lives.
            built[key] = (build(path=path, call=call, dependencies=dependencies), [*dependencies])
        return built[key][0]

    shared.socialflow_shared = True  # type: ignore[attr-defined]
    setattr(routing, _BUILDER, shared)
    return True
