"""Schema-driven hostile input: schemathesis against a real server, every check on.

Every operation of the served OpenAPI document gets generated requests, valid
and invalid (a bounded, derandomized run), anonymously and with a registered
user's token; each response must pass all of schemathesis's checks: no server
error, a documented status code and content type, a body matching the
documented schema, invalid data refused, and so on.

Binary bodies (tus PATCHes, image uploads) are not generated from the
schema: ``test_edge_values`` covers those routes with explicit values.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import positive_data_acceptance

# Routes whose bodies are binary streams; covered by test_edge_values.
BINARY_BODY_OPERATIONS = {
    "uploads_create_upload",
    "uploads_patch_upload",
    "uploads_head_upload",
    "uploads_terminate_upload",
    "media_upload_image",
    "users_upload_avatar",
}
# Would end the authenticated session halfway through the run.
SESSION_ENDING_OPERATIONS = {"auth_logout", "users_delete_me", "auth_change_password"}
# Answer an authenticated caller with a stream that never ends; tests/realtime reads it.
ENDLESS_OPERATIONS = {"realtime_event_stream"}
# Per operation and run: enough to reach every parameter's edge cases, bounded
# so the whole file takes a minute or two on one core. Anonymous calls mostly
# stop at the 401, so they need fewer.
MAX_EXAMPLES_AUTHENTICATED = 10
MAX_EXAMPLES_ANONYMOUS = 5
# Every check runs but one: "schema-valid data gets a 2xx" cannot hold for an API
# whose rules go past what a schema says (a cursor must be one the API gave out,
# a reset token must be real, a username must exist); those answer 4xx problems,
# which the other checks hold to the document.
EXCLUDED_CHECKS = [positive_data_acceptance]

pytestmark = pytest.mark.slow


def _run(
    schema: Any,
    base_url: str,
    headers: dict[str, str],
    skip: set[str],
    max_examples: int,
    seen: dict[str, set[int]],
) -> list[str]:
    """Run every operation not in ``skip``; the failures, one line each.

    ``seen`` collects the statuses each operation answered.
    """
    failures: list[str] = []
    for result in schema.get_all_operations():
        operation = result.ok()
        if operation.definition.raw.get("operationId") in skip:
            continue
        strategy = operation.as_strategy(
            generation_mode=GenerationMode.POSITIVE
        ) | operation.as_strategy(generation_mode=GenerationMode.NEGATIVE)

        @settings(
            max_examples=max_examples,
            derandomize=True,
            database=None,
            deadline=None,
            suppress_health_check=list(HealthCheck),
        )
        @given(case=strategy)
        def check(case: Any) -> None:
            call_headers = headers
            if _token_required(case) and "Authorization" not in (case.headers or {}):
                # A negative case leaving the required token out: sent without ours too,
                # or the request would be a valid one the check expects refused.
                call_headers = {}
            response = case.call_and_validate(
                base_url=base_url, headers=call_headers, excluded_checks=EXCLUDED_CHECKS
            )
            seen.setdefault(case.operation.label, set()).add(response.status_code)

        try:
            check()
        except (Exception, BaseExceptionGroup) as exc:  # collected, reported together
            failures.append(f"{operation.label}: {_summary(exc)}")
    return failures


def _token_required(case: Any) -> bool:
    """Whether the case's operation refuses anonymous callers (no ``{}`` in its security)."""
    security = case.operation.definition.raw.get("security") or []
    return bool(security) and all(requirement for requirement in security)


def _summary(exc: BaseException) -> str:
    if isinstance(exc, BaseExceptionGroup):
        return "; ".join(_summary(inner) for inner in exc.exceptions)
    return str(exc)[:600]


def test_schema_fuzz_anonymous_and_authenticated(
    live_server: str, client: httpx.Client, bearer: dict[str, str]
) -> None:
    schema = schemathesis.openapi.from_url(f"{live_server}/openapi.json")
    anonymous: dict[str, set[int]] = {}
    authenticated: dict[str, set[int]] = {}
    failures = _run(
        schema, live_server, {}, BINARY_BODY_OPERATIONS, MAX_EXAMPLES_ANONYMOUS, anonymous
    )
    failures += _run(
        schema,
        live_server,
        bearer,
        BINARY_BODY_OPERATIONS | SESSION_ENDING_OPERATIONS | ENDLESS_OPERATIONS,
        MAX_EXAMPLES_AUTHENTICATED,
        authenticated,
    )
    assert not failures, "\n\n".join(failures)
    # The run reached the handlers: many operations answered 2xx to the user,
    # and hostile values were refused as problems.
    succeeded = [label for label, codes in authenticated.items() if any(c < 300 for c in codes)]
    assert len(succeeded) >= 25, sorted(authenticated.items())
    assert any(422 in codes for codes in authenticated.values())
    assert any(401 in codes for codes in anonymous.values())
