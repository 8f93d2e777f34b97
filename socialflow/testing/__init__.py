"""Test kit for socialflow and its plugins (installed as the ``socialflow`` pytest plugin).

Fixtures (see :mod:`.pytest_plugin`): ``socialflow_settings``, ``platform``,
``live_server``, ``client``, ``make_user``, ``auth_headers``,
``celery_worker``. Environment knobs:

* ``SOCIALFLOW_TEST_BACKEND=services``: PostgreSQL + Redis for every test.
* ``SOCIALFLOW_TEST_POSTGRES_URL`` / ``SOCIALFLOW_TEST_REDIS_URL``: where they are
  (defaults: 127.0.0.1:5432 database ``test``, 127.0.0.1:6379 db 15).
* ``SOCIALFLOW_TEST_STRICT=1``: a test skipped for want of a server fails
  instead (CI sets it, so nothing is silently skipped).
"""

from socialflow.testing.services import postgres_url, redis_url, require_postgres, require_redis

__all__ = ["postgres_url", "redis_url", "require_postgres", "require_redis"]
