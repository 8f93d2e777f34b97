"""Liveness, readiness and metrics: outside ``/api/v1`` by convention."""

from __future__ import annotations

import hmac
import logging
from typing import TYPE_CHECKING, Annotated

from fastapi import APIRouter, Depends, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from socialflow.core.errors import NotFound, Unauthorized, problem_response
from socialflow.core.http.deps import PlatformDep
from socialflow.core.http.examples import json_example
from socialflow.core.http.openapi import problems
from socialflow.core.platform import Platform, ReadinessCheck

if TYPE_CHECKING:
    from alembic.config import Config

logger = logging.getLogger("socialflow.health")
router = APIRouter(tags=["health"])


@router.get(
    "/healthz",
    summary="Liveness: the process answers",
    responses=json_example({"status": "ok"}, "The process answers."),
)
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


def schema_check(platform: Platform) -> ReadinessCheck:
    """Whether the database schema is at head (every migration applied).

    Without it a reachable database answers every API call with a 500
    (``no such table``); the detail names the fix. At head is remembered.
    """
    from socialflow.core.db import migrate as migrations

    def config() -> Config:
        return migrations.alembic_config(platform.engine, plugins=platform.plugins)

    try:
        at_head = migrations.is_at_head_cached(platform.engine, config)
    except Exception as exc:
        logger.warning("could not read the schema version", exc_info=exc)
        return ReadinessCheck("migrations", False, "could not read the schema version")
    if at_head:
        return ReadinessCheck("migrations", True, "schema at head", public=True)
    return ReadinessCheck(
        "migrations",
        False,
        "the database schema is not at this version's head: run `socialflow migrate`",
        public=True,
    )


@router.get(
    "/readyz",
    summary="Readiness: database, schema, broker and storage",
    responses={
        **json_example(
            {
                "status": "ready",
                "checks": {
                    "database": {"ok": True, "detail": "ok"},
                    "broker": {"ok": True, "detail": "ok"},
                    "storage": {"ok": True, "detail": "ok"},
                    "migrations": {"ok": True, "detail": "schema at head"},
                },
            },
            "Every check passed.",
        ),
        **problems(503),
    },
)
async def readyz(request: Request, platform: PlatformDep) -> Response:
    """Which parts fail, never why: the reasons (paths, hosts, drivers' messages) go
    to the log, where ``socialflow doctor`` also shows them."""
    checks = await run_in_threadpool(platform.readiness)
    checks = [*checks, await run_in_threadpool(schema_check, platform)]
    body = {check.name: {"ok": check.ok, "detail": _public_detail(check)} for check in checks}
    failed = [check for check in checks if not check.ok]
    failing = [check.name for check in failed]
    if failed:
        for check in failed:
            logger.warning("readiness check %s failed: %s", check.name, check.detail)
        return problem_response(
            request,
            status=503,
            slug="not-ready",
            title="Not ready",
            detail="Failing: "
            + ", ".join(f"{c.name} ({c.detail})" if c.public else c.name for c in failed)
            + ". The server log says why.",
            extra={"checks": body, "failing": failing},
        )
    return JSONResponse({"status": "ready", "checks": body})


def _public_detail(check: ReadinessCheck) -> str:
    if check.public:  # written to be shown: names the fix, holds no path or host
        return check.detail
    return "ok" if check.ok else "unavailable"


def require_metrics_access(request: Request, platform: PlatformDep) -> Platform:
    """``/metrics`` with ``metrics_token`` set needs ``Authorization: Bearer <token>``;
    without one it is open outside production and absent (404) in production."""
    token = platform.settings.metrics_token
    if token is None:
        if platform.settings.environment == "production":
            raise NotFound("Set metrics_token to serve /metrics in production.")
        return platform
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    expected = token.get_secret_value().encode()
    if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip().encode(), expected):
        raise Unauthorized("/metrics needs `Authorization: Bearer <metrics_token>`.")
    return platform


@router.get("/metrics", summary="Prometheus metrics", response_class=Response)
async def metrics(
    platform: Annotated[Platform, Depends(require_metrics_access)],
) -> Response:
    return Response(generate_latest(platform.metrics.registry), media_type=CONTENT_TYPE_LATEST)
