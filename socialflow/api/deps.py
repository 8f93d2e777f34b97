"""Deprecated: import from :mod:`socialflow.core.http.deps` (platform, sessions, paging)
and :mod:`socialflow.accounts.deps` (the caller); this alias goes in the next release."""

from __future__ import annotations

import warnings

from socialflow.accounts.deps import (  # noqa: F401 - the names this module offered
    ClaimsDep,
    CurrentUser,
    DetachedUser,
    OptionalUser,
    authenticate,
    require_role,
)
from socialflow.core.http.deps import (  # noqa: F401
    ClientIp,
    Page,
    PageDep,
    PlatformDep,
    RateLimiterDep,
    SessionDep,
    WriteSessionDep,
    in_session,
)

warnings.warn(
    "socialflow.api.deps moved to socialflow.core.http.deps and socialflow.accounts.deps; "
    "the old name goes in the next release",
    DeprecationWarning,
    stacklevel=2,
)
