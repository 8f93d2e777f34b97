"""Suite-wide fixtures live in the ``socialflow`` pytest plugin
(``socialflow/testing/pytest_plugin.py``), which also enforces the strict-skip
rule of ``SOCIALFLOW_TEST_STRICT=1`` for every suite that loads it.

This file only decides which tests the second backend runs. Under
``SOCIALFLOW_TEST_BACKEND=services`` a test that no backend can reach (no
project database among its fixtures, no PostgreSQL or Redis of its own, no
``each_backend`` mark) would repeat the embedded run's result exactly: the docs,
architecture, settings and scaffold checks. It is deselected there (reported in
the summary as deselected, never as skipped), which keeps CI's two runs to what
differs between them.
"""

from __future__ import annotations

import pytest

from socialflow.testing.services import backend

# Names a test module imports when it reads the backend or its servers itself.
BACKEND_READERS = ("backend", "require_postgres", "require_redis")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "each_backend: run under SOCIALFLOW_TEST_BACKEND=services too, though no fixture "
        "of the test touches a database (a nested test run that inherits the backend)",
    )


def reaches_a_backend(item: pytest.Item) -> bool:
    """True when the test's result may depend on the backend it runs on."""
    if "socialflow_database_template" in getattr(item, "fixturenames", ()):
        return True
    if item.get_closest_marker("each_backend"):
        return True
    module = getattr(item, "module", None)
    return any(name in vars(module) for name in BACKEND_READERS) if module else True


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if backend() != "services":
        return
    kept, repeats = [], []
    for item in items:
        (kept if reaches_a_backend(item) else repeats).append(item)
    if repeats:
        config.hook.pytest_deselected(items=repeats)
        items[:] = kept
