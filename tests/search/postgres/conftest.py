"""The search tests about PostgreSQL itself (query plans, ranking, pg_trgm).

They run in both CI runs instead of skipping in one: under the embedded backend
the projects of these tests get their databases on the test PostgreSQL server
(``require_postgres()``: a skip, or a failure under ``SOCIALFLOW_TEST_STRICT=1``,
when it is absent). Under ``SOCIALFLOW_TEST_BACKEND=services`` every project is
on PostgreSQL already and the suite's own template serves them.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from socialflow.testing.database import PostgresTemplate
from socialflow.testing.services import backend, require_postgres

if backend() != "services":

    @pytest.fixture(scope="session")
    def socialflow_database_template(
        tmp_path_factory: pytest.TempPathFactory,
    ) -> Iterator[PostgresTemplate]:
        """A migrated PostgreSQL template for this folder's tests (one per test process)."""
        template = PostgresTemplate(require_postgres(), tmp_path_factory.mktemp("pg-template"))
        yield template
        template.close()
