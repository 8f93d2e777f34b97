"""pytest fixtures for socialflow and its plugins (entry point ``pytest11: socialflow``).

Every test gets its own project folder and its own freshly migrated database
(SQLite, or PostgreSQL with ``SOCIALFLOW_TEST_BACKEND=services``). Override the
``socialflow_overrides`` fixture to change settings for a module or a test.

Under ``SOCIALFLOW_TEST_STRICT=1`` (CI) no test and no test module may be
skipped: every suite that loads this plugin (socialflow's own and each
plugin's) reports a skip as a failure, also under pytest-xdist (the reports are
rewritten in the process that runs the test, before they travel).
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable, Generator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from socialflow.testing import toml
from socialflow.testing.database import PostgresTemplate, SqliteTemplate
from socialflow.testing.server import run_server
from socialflow.testing.services import STRICT_ENV, backend, require_postgres, require_redis, strict
from socialflow.testing.tasks import session_worker, wait_for_tasks
from socialflow.testing.worker import running_worker

TEST_SECRET = "test-secret-key-that-is-long-enough-0123456789"  # noqa: S105 - test-only
DEFAULT_PASSWORD = "correct horse battery staple"  # noqa: S105 - test-only


def pytest_configure(config: pytest.Config) -> None:
    # Speed, not behaviour: every test builds its own app and signs up its own
    # users, so route analysis is shared between apps and passwords are hashed
    # with argon2's cheapest parameters (see each module for why that is safe).
    from argon2 import profiles

    from socialflow.accounts.passwords import use_parameters
    from socialflow.testing.route_cache import share_route_dependants

    share_route_dependants()
    use_parameters(profiles.CHEAPEST)
    for line in (
        "postgres: needs PostgreSQL",
        "redis: needs Redis",
        "services: needs PostgreSQL + Redis + a Celery worker",
        "ffmpeg: needs the ffmpeg and ffprobe binaries",
        "slow: takes more than a few seconds",
    ):
        config.addinivalue_line("markers", line)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """Strict mode: a skipped test is a failed one (an expected failure stays one)."""
    report = yield
    if strict() and report.skipped and not hasattr(report, "wasxfail"):
        _fail_skip(report)
    return report


@pytest.hookimpl(wrapper=True)
def pytest_make_collect_report(
    collector: pytest.Collector,
) -> Generator[None, pytest.CollectReport, pytest.CollectReport]:
    """Strict mode: a module skipped while collected (``pytest.skip(allow_module_level=True)``,
    ``pytest.importorskip``) fails too, instead of vanishing from the count."""
    report = yield
    if strict() and report.skipped:
        _fail_skip(report)
    return report


def _fail_skip(report: pytest.TestReport | pytest.CollectReport) -> None:
    """Turn a skip report into a failure that still says where and why it skipped."""
    where = reason = report.longrepr
    if isinstance(report.longrepr, tuple):  # (path, line, "Skipped: why")
        path, line, reason = report.longrepr
        where = f"{path}:{line}"
    report.outcome = "failed"
    report.longrepr = f"{where}: {reason} (skipped under {STRICT_ENV}: CI must not skip this)"


@pytest.fixture(scope="session")
def socialflow_database_template(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[SqliteTemplate | PostgresTemplate]:
    """Migrated once per session; tests get copies."""
    folder = tmp_path_factory.mktemp("socialflow-template")
    if backend() == "services":
        template = PostgresTemplate(require_postgres(), folder)
        yield template
        template.close()
    else:
        yield SqliteTemplate(folder)


@pytest.fixture(scope="session")
def socialflow_session_worker(
    tmp_path_factory: pytest.TempPathFactory,
    socialflow_database_template: SqliteTemplate | PostgresTemplate,
) -> Iterator[str]:
    """Services backend: this process's real Celery worker, shared by its tests;
    yields the ``celery_namespace`` their settings then use (see
    :mod:`socialflow.testing.tasks`). Started by the first test that needs it."""
    project = tmp_path_factory.mktemp("socialflow-worker")
    namespace = f"sftest-celery-{uuid.uuid4().hex[:10]}"
    database_url = socialflow_database_template.new_database(project)
    values = {
        "environment": "test",
        "secret_key": TEST_SECRET,
        "database_url": database_url,
        "redis_url": require_redis(),
        "redis_namespace": f"{namespace}-own",
        "celery_namespace": namespace,
        "log_json": True,
        "log_level": "INFO",
    }
    toml.write(project / "socialflow.toml", values)
    try:
        with session_worker(project):
            yield namespace
    finally:
        socialflow_database_template.drop(database_url)


@pytest.fixture
def socialflow_overrides() -> dict[str, Any]:
    """Settings to apply on top of the test defaults; override in your tests."""
    return {}


@pytest.fixture
def socialflow_project(tmp_path: Path) -> Path:
    project = tmp_path / "project"
    project.mkdir()
    return project


@pytest.fixture
def socialflow_settings(
    request: pytest.FixtureRequest,
    socialflow_project: Path,
    socialflow_database_template: SqliteTemplate | PostgresTemplate,
    socialflow_overrides: dict[str, Any],
) -> Iterator[Any]:
    """Settings of a fresh test project, also written to its ``socialflow.toml``
    so that subprocesses (workers, CLI) see the same configuration.

    Tasks: eager on the embedded backend; on the services backend, sent to the
    session's real worker (``socialflow_session_worker``), waited for (and
    their failures raised) before the database goes. A test that sets
    ``task_always_eager`` itself gets that: eager, or no worker but its own.
    """
    from socialflow.core.settings import load_settings

    database_url = socialflow_database_template.new_database(socialflow_project)
    values: dict[str, Any] = {
        "environment": "test",
        "secret_key": TEST_SECRET,
        "database_url": database_url,
        "task_always_eager": True,
        "log_json": True,
        "log_level": "INFO",
    }
    if backend() == "services":
        values["redis_url"] = require_redis()
        # Parallel test runs share one Redis: keep their keys and queues apart.
        values["redis_namespace"] = f"sftest-{uuid.uuid4().hex[:10]}"
        if "task_always_eager" not in socialflow_overrides:
            values["task_always_eager"] = False
            values["celery_namespace"] = request.getfixturevalue("socialflow_session_worker")
    values.update(socialflow_overrides)
    toml.write(socialflow_project / "socialflow.toml", values)
    settings = load_settings(socialflow_project)
    try:
        yield settings
        wait_for_tasks(settings)
    finally:
        socialflow_database_template.drop(database_url)


@pytest.fixture
def platform(socialflow_settings: Any) -> Iterator[Any]:
    from socialflow.core.platform import Platform

    platform = Platform(socialflow_settings).start()
    yield platform
    platform.stop()


@pytest.fixture
def app(platform: Any) -> Any:
    from socialflow.app import create_app

    return create_app(platform=platform)


@pytest.fixture
def make_platform(socialflow_settings: Any) -> Iterator[Callable[..., Any]]:
    """``make_platform(storage="s3", plugin={...})``: another started Platform whose
    settings are the test's plus these overrides (validated like a settings file).
    Stopped at the end of the test. For one setting per test, prefer overriding
    the ``socialflow_overrides`` fixture."""
    from socialflow.core.platform import Platform
    from socialflow.core.settings import Settings

    made: list[Any] = []

    def factory(**overrides: Any) -> Any:
        values = socialflow_settings.model_dump(exclude_unset=True)
        values.update(overrides)
        platform = Platform(Settings(**values)).start()
        made.append(platform)
        return platform

    yield factory
    for platform in made:
        platform.stop()


@pytest.fixture
async def async_client(app: Any, anyio_backend: Any) -> AsyncIterator[httpx.AsyncClient]:
    """An ``httpx.AsyncClient`` calling ``app`` in-process, inside the app's lifespan.

    Needs no server and no pytest-asyncio: anyio's pytest plugin (installed
    with FastAPI) runs it. Write ``async def`` tests that take ``async_client``;
    requesting it pulls in ``anyio_backend`` (asyncio by default).
    """
    import anyio.to_thread

    transport = httpx.ASGITransport(app=app)
    settings = app.state.socialflow.settings

    async def tasks_done(message: httpx.Request | httpx.Response) -> None:
        await anyio.to_thread.run_sync(wait_for_tasks, settings)

    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(
            transport=transport,
            base_url="http://testserver",
            event_hooks={"request": [tasks_done], "response": [tasks_done]},
        ) as http,
    ):
        yield http


@pytest.fixture
def live_server(app: Any) -> Iterator[str]:
    """The app behind a real uvicorn server on 127.0.0.1; yields its base URL."""
    with run_server(app) as url:
        yield url


@pytest.fixture
def client(live_server: str, socialflow_settings: Any) -> Iterator[httpx.Client]:
    """An httpx client talking real HTTP to ``live_server``.

    A request goes out once the test's tasks have run, and its response comes
    back once the tasks it sent have (no-ops with eager tasks): a test reads
    their effects right after the request, and a request sees what the tasks of
    a service the test called did.
    """

    def tasks_done(message: httpx.Request | httpx.Response) -> None:
        wait_for_tasks(socialflow_settings)

    hooks = {"request": [tasks_done], "response": [tasks_done]}
    with httpx.Client(base_url=live_server, timeout=30, event_hooks=hooks) as http:
        yield http


@pytest.fixture
def make_user(platform: Any) -> Callable[..., Any]:
    """Create users directly through the service layer: ``make_user("alice", role=Role.admin)``."""
    from socialflow.accounts.models import AccountState, Role
    from socialflow.accounts.users import create_user

    counter = iter(range(1, 1_000_000))

    def factory(
        username: str | None = None,
        *,
        password: str = DEFAULT_PASSWORD,
        role: Role = Role.user,
        state: AccountState = AccountState.active,
        **fields: Any,
    ) -> Any:
        name = username or f"user{next(counter)}"
        with platform.session() as session:
            user = create_user(
                session=session,
                username=name,
                email=f"{name}@example.com",
                password=password,
                role=role,
                state=state,
            )
            for key, value in fields.items():
                setattr(user, key, value)
            session.add(user)
            session.commit()
            # Made means indexed and all: the tasks its creation sent have run.
            wait_for_tasks(platform)
            return user

    return factory


@pytest.fixture
def auth_headers(platform: Any) -> Callable[[Any], dict[str, str]]:
    """``auth_headers(user)`` -> an ``Authorization: Bearer`` header for that user."""
    from socialflow.accounts.tokens import issue_access_token

    def headers(user: Any) -> dict[str, str]:
        token = issue_access_token(
            platform.settings, user_id=user.id, token_version=user.token_version
        )
        return {"Authorization": f"Bearer {token}"}

    return headers


@pytest.fixture
def celery_worker(platform: Any) -> Iterator[Any]:
    """A real ``socialflow worker`` process of the test's own, on its project's broker.

    Needs ``task_always_eager: False`` in ``socialflow_overrides`` (which also
    keeps the test off the services backend's shared worker).
    """
    if platform.settings.task_always_eager:
        pytest.fail("celery_worker needs socialflow_overrides with task_always_eager=False")
    with running_worker(platform) as process:
        yield process
