"""Test kit for socialflow and its plugins (installed as the ``socialflow`` pytest plugin).

Fixtures (see :mod:`.pytest_plugin`): ``socialflow_overrides``,
``socialflow_settings``, ``platform``, ``make_platform``, ``app``,
``async_client``, ``live_server``, ``client``, ``make_user``, ``auth_headers``,
``celery_worker``. Waiting for a condition instead of sleeping:
:func:`.waiting.wait_until`. Conformance suites every provider must pass:
:mod:`socialflow.testing.conformance`; what a storage plugin owes operators
(clear failures in ``check()``, ``/readyz`` and ``doctor``, settings
validation): :mod:`socialflow.testing.storage_checks`; checking V4 signed URLs
against emulators that do not: :mod:`socialflow.testing.signed_urls`.
Emulators and servers for a test session: :mod:`socialflow.testing.processes`. Environment knobs:

* ``SOCIALFLOW_TEST_BACKEND=services``: PostgreSQL + Redis for every test, and
  Celery tasks on a real worker shared by the tests of a process
  (:mod:`.tasks`, :func:`.tasks.wait_for_tasks`); eager tasks otherwise.
* ``SOCIALFLOW_TEST_POSTGRES_URL`` / ``SOCIALFLOW_TEST_REDIS_URL``: where they are
  (defaults: 127.0.0.1:5432 database ``test``, 127.0.0.1:6379 db 15).
* ``SOCIALFLOW_TEST_STRICT=1``: a test skipped for want of a server fails
  instead (CI sets it, so nothing is silently skipped).
* ``SOCIALFLOW_CONFORMANCE_LARGE_OBJECT_MIB``: size of the storage suite's
  multipart object (default: three parts of 5 MiB or so).
"""

from socialflow.testing.services import postgres_url, redis_url, require_postgres, require_redis

__all__ = ["postgres_url", "redis_url", "require_postgres", "require_redis"]
