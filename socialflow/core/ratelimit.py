"""Rate limits and progressive lockout (the ``limits`` library).

Counters live in memory by default (one process) and in Redis when
``redis_url`` is set, under ``<redis_namespace>:rl:`` so deployments sharing a
Redis stay apart and every API process sees the same counts.

Two mechanisms:

* **request limits** (``hit``): every attempt counts, per IP and per account;
* **lockout** (``check_lockout`` / ``record_failure``): only failed logins
  count, in tiers of growing windows (5 in 5 minutes, 10 in an hour, 20 in a
  day by default), so each further burst of failures locks the account for
  longer. A successful login clears the shortest tier. Failures count per
  account (``user:<id>``, see ``services.users.lockout_key``), whichever of
  its login names (username, email, any case) was tried. The owner can get
  past a lock: a correct password *and* second factor, or a completed
  password reset, lift it (``lift_lockout``).

An exceeded limit raises :class:`~socialflow.core.errors.RateLimited`: 429
problem+json with ``Retry-After``. If Redis is unreachable the limiter fails
open (logs a warning, lets the request through): sign-in keeps working, and
Argon2 still makes each guess slow.
"""

from __future__ import annotations

import hashlib
import logging
import math
import time
from collections.abc import Iterator
from contextlib import contextmanager

from limits import RateLimitItem, parse
from limits.errors import StorageError
from limits.storage import MemoryStorage, Storage, storage_from_string
from limits.strategies import FixedWindowRateLimiter

from socialflow.core.errors import RateLimited
from socialflow.core.settings import Settings

logger = logging.getLogger("socialflow.ratelimit")


def _key(value: str) -> str:
    """Identifiers are hashed: no email address or IP ends up as a Redis key in clear."""
    return hashlib.sha256(value.strip().lower().encode()).hexdigest()[:32]


def locked_out(retry_after: int) -> RateLimited:
    return RateLimited(
        retry_after, detail="Too many failed attempts on this account; try again later."
    )


class RateLimiter:
    """The limits of one platform; build one per platform and keep it."""

    def __init__(self, settings: Settings, storage: Storage | None = None) -> None:
        self.config = settings.rate_limits
        self.enabled = self.config.enabled
        if storage is None:
            storage = self._storage_for(settings)
        self.storage: Storage = storage
        self.limiter = FixedWindowRateLimiter(storage)
        self.lockout_tiers = [parse(tier) for tier in self.config.lockout_tiers]

    @staticmethod
    def _storage_for(settings: Settings) -> Storage:
        if not settings.redis_url:
            return MemoryStorage()
        storage = storage_from_string(
            settings.redis_url,
            key_prefix=f"{settings.redis_namespace}:rl",
            wrap_exceptions=True,
            # A stuck Redis must not hang sign-in: give up fast and fail open.
            socket_timeout=2,
            socket_connect_timeout=2,
        )
        assert isinstance(storage, Storage)  # a sync URL gives sync storage
        return storage

    @staticmethod
    @contextmanager
    def _fail_open() -> Iterator[None]:
        try:
            yield
        except StorageError as exc:
            logger.warning("rate-limit storage unavailable, not limiting: %s", exc.storage_error)

    def _retry_after(self, item: RateLimitItem, *identifiers: str) -> int:
        reset_time = self.limiter.get_window_stats(item, *identifiers).reset_time
        return max(1, math.ceil(reset_time - time.time()))

    def hit(self, scope: str, spec: str, identifier: str) -> None:
        """Count one attempt; raise 429 when over the limit."""
        if not self.enabled or not identifier:
            return
        item = parse(spec)
        key = _key(identifier)
        retry_after = 0
        with self._fail_open():
            allowed = self.limiter.hit(item, scope, key)
            retry_after = 0 if allowed else self._retry_after(item, scope, key)
        if retry_after:
            raise RateLimited(retry_after)

    def lockout_remaining(self, account: str) -> int:
        """Seconds ``account`` stays locked out by earlier failures (0: not locked)."""
        if not self.enabled:
            return 0
        key = _key(account)
        retry_after = 0
        with self._fail_open():
            for tier in reversed(self.lockout_tiers):  # the longest lock first
                if not self.limiter.test(tier, "lockout", key):
                    retry_after = self._retry_after(tier, "lockout", key)
                    break
        return retry_after

    def check_lockout(self, account: str) -> None:
        """Raise 429 while ``account`` is locked out by earlier failures."""
        retry_after = self.lockout_remaining(account)
        if retry_after:
            raise locked_out(retry_after)

    def record_failure(self, account: str) -> None:
        if not self.enabled:
            return
        key = _key(account)
        with self._fail_open():
            for tier in self.lockout_tiers:
                self.limiter.hit(tier, "lockout", key)

    def record_success(self, account: str) -> None:
        """Forgive the short burst; the longer tiers still remember a slow attack."""
        if not self.enabled or not self.lockout_tiers:
            return
        with self._fail_open():
            self.limiter.clear(self.lockout_tiers[0], "lockout", _key(account))

    def lift_lockout(self, account: str) -> None:
        """Forget every failure of ``account``: its owner proved who they are (a correct
        second factor, a completed password reset), so the lock no longer protects them."""
        if not self.enabled:
            return
        key = _key(account)
        with self._fail_open():
            for tier in self.lockout_tiers:
                self.limiter.clear(tier, "lockout", key)

    def reset(self) -> None:
        """Forget all counters (tests, or an operator lifting a lock)."""
        self.storage.reset()
