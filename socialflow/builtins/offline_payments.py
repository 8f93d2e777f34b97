"""The ``offline`` payment provider: payments completed locally, for development and tests.

Select it with ``payments = "offline"``. No money moves and no outside
service is called: every charge, subscription, refund and payout succeeds at
once (unless the customer was told to decline, see :meth:`set_declining`),
and every result says ``test_mode`` (``raw["livemode"]`` is false). It is
refused when ``environment = "production"``.

Its state (operations by idempotency key, customers, declining cards) lives
in a SQLite file of the project's state folder, so the API process and the
Celery workers share it: a call repeated with the same idempotency key, from
any process, returns the first result and moves nothing again. Webhooks it
accepts are signed like Stripe's (``Offline-Signature: t=<unix>,v1=<hex
HMAC-SHA256 of "<t>.<body>">``) with a key derived from ``secret_key``;
:meth:`sign_webhook` makes one.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import sqlite3
import time
import uuid
from collections.abc import Iterator, Mapping
from contextlib import closing, contextmanager
from pathlib import Path
from typing import Any, Literal

from socialflow.core.settings import Settings
from socialflow.plugins.manager import PluginError
from socialflow.plugins.protocols import PaymentResult, WebhookEvent, WebhookVerificationError
from socialflow.plugins.specs import hookimpl

SIGNATURE_HEADER = "offline-signature"
TOLERANCE_SECONDS = 300
_SCHEMA = """
CREATE TABLE IF NOT EXISTS operations (
    idempotency_key TEXT PRIMARY KEY,
    op TEXT NOT NULL,
    ref TEXT NOT NULL,
    subject TEXT NOT NULL,
    amount INTEGER NOT NULL,
    currency TEXT NOT NULL,
    status TEXT NOT NULL,
    created REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS operations_subject ON operations (op, subject);
CREATE TABLE IF NOT EXISTS declining (customer_ref TEXT PRIMARY KEY);
"""


class OfflinePaymentProvider:
    """Completes payments locally (test mode). State in ``path`` (SQLite)."""

    name = "offline"
    test_mode = True

    def __init__(self, path: Path, webhook_secret: bytes) -> None:
        self.path = path
        self._webhook_secret = webhook_secret
        path.parent.mkdir(parents=True, exist_ok=True)
        with closing(sqlite3.connect(path, timeout=30, isolation_level=None)) as db:
            db.execute("PRAGMA journal_mode=WAL")
            db.executescript(_SCHEMA)

    @contextmanager
    def _db(self) -> Iterator[sqlite3.Connection]:
        with closing(sqlite3.connect(self.path, timeout=30, isolation_level=None)) as db:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("BEGIN IMMEDIATE")
            try:
                yield db
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")

    # ------------------------------------------------------------ operations

    def _once(
        self,
        key: str,
        op: str,
        subject: str,
        amount: int,
        currency: str,
        status: Literal["pending", "succeeded", "failed", "canceled"] | None = None,
    ) -> PaymentResult:
        with self._db() as db:
            row = db.execute(
                "SELECT op, ref, amount, currency, status FROM operations "
                "WHERE idempotency_key = ?",
                (key,),
            ).fetchone()
            if row is None:
                declining = (
                    db.execute(
                        "SELECT 1 FROM declining WHERE customer_ref = ?", (subject,)
                    ).fetchone()
                    is not None
                )
                chosen = status or ("failed" if declining else "succeeded")
                row = (op, f"offline_{op}_{uuid.uuid4().hex[:20]}", amount, currency, chosen)
                db.execute(
                    "INSERT INTO operations VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    (key, op, row[1], subject, amount, currency, chosen, time.time()),
                )
        if row[0] != op:
            raise ValueError(f"idempotency key {key!r} was used for a {row[0]}, not a {op}")
        return self._result(row[1], row[4], row[2], row[3])

    @staticmethod
    def _result(ref: str, status: Any, amount: int, currency: str) -> PaymentResult:
        return PaymentResult(
            provider_ref=ref,
            status=status,
            amount=amount,
            currency=currency,
            raw={"livemode": False, "test_mode": True, "provider": "offline"},
        )

    def create_customer(self, *, user_id: str, email: str | None) -> str:
        return f"offline_cus_{uuid.uuid4().hex[:20]}"

    def create_payout_account(self, *, user_id: str, email: str | None) -> str:
        return f"offline_acct_{uuid.uuid4().hex[:20]}"

    def set_declining(self, customer_ref: str, declining: bool = True) -> None:
        """Test mode control: make this customer's next charges fail (a declined card)."""
        with self._db() as db:
            if declining:
                db.execute("INSERT OR IGNORE INTO declining VALUES (?)", (customer_ref,))
            else:
                db.execute("DELETE FROM declining WHERE customer_ref = ?", (customer_ref,))

    def create_subscription(
        self,
        *,
        customer_ref: str,
        amount: int,
        currency: str,
        interval: Literal["month", "year"],
        idempotency_key: str,
        metadata: Mapping[str, str],
    ) -> PaymentResult:
        return self._once(idempotency_key, "sub", customer_ref, amount, currency, "succeeded")

    def cancel_subscription(self, *, subscription_ref: str) -> PaymentResult:
        with self._db() as db:
            row = db.execute(
                "SELECT amount, currency FROM operations WHERE op = 'sub' AND ref = ?",
                (subscription_ref,),
            ).fetchone()
        amount, currency = row if row is not None else (0, "usd")
        return self._result(subscription_ref, "canceled", amount, currency)

    def charge(
        self,
        *,
        customer_ref: str,
        amount: int,
        currency: str,
        idempotency_key: str,
        metadata: Mapping[str, str],
    ) -> PaymentResult:
        return self._once(idempotency_key, "ch", customer_ref, amount, currency)

    def payout(
        self, *, account_ref: str, amount: int, currency: str, idempotency_key: str
    ) -> PaymentResult:
        return self._once(idempotency_key, "po", account_ref, amount, currency, "succeeded")

    def refund(self, *, charge_ref: str, amount: int | None, idempotency_key: str) -> PaymentResult:
        with self._db() as db:
            done = db.execute(
                "SELECT ref, amount, currency, status FROM operations WHERE idempotency_key = ?",
                (idempotency_key,),
            ).fetchone()
            if done is not None:
                return self._result(done[0], done[3], done[1], done[2])
            charge = db.execute(
                "SELECT amount, currency, status FROM operations WHERE op = 'ch' AND ref = ?",
                (charge_ref,),
            ).fetchone()
            if charge is None or charge[2] != "succeeded":
                return self._result(f"offline_re_{uuid.uuid4().hex[:20]}", "failed", 0, "usd")
            refunded = db.execute(
                "SELECT coalesce(sum(amount), 0) FROM operations "
                "WHERE op = 're' AND subject = ? AND status = 'succeeded'",
                (charge_ref,),
            ).fetchone()[0]
            left = charge[0] - refunded
            wanted = left if amount is None else amount
            status = "succeeded" if 0 < wanted <= left else "failed"
            ref = f"offline_re_{uuid.uuid4().hex[:20]}"
            db.execute(
                "INSERT INTO operations VALUES (?, 're', ?, ?, ?, ?, ?, ?)",
                (idempotency_key, ref, charge_ref, wanted, charge[1], status, time.time()),
            )
        return self._result(ref, status, wanted, charge[1])

    # --------------------------------------------------------------- webhooks

    def _sign(self, timestamp: int, payload: bytes) -> str:
        message = str(timestamp).encode() + b"." + payload
        return hmac.new(self._webhook_secret, message, hashlib.sha256).hexdigest()

    def sign_webhook(
        self, event_type: str, provider_ref: str | None, data: Mapping[str, Any] | None = None
    ) -> tuple[bytes, dict[str, str]]:
        """A webhook this provider accepts, as a processor would send it (test mode)."""
        body = {
            "id": f"offline_evt_{uuid.uuid4().hex[:20]}",
            "type": event_type,
            "provider_ref": provider_ref,
            "data": dict(data or {}),
        }
        payload = json.dumps(body, separators=(",", ":")).encode()
        now = int(time.time())
        return payload, {SIGNATURE_HEADER: f"t={now},v1={self._sign(now, payload)}"}

    def parse_webhook(self, *, payload: bytes, headers: Mapping[str, str]) -> WebhookEvent:
        lowered = {k.lower(): v for k, v in headers.items()}
        header = lowered.get(SIGNATURE_HEADER)
        if not header:
            raise WebhookVerificationError("no Offline-Signature header")
        parts = dict(p.split("=", 1) for p in header.split(",") if "=" in p)
        try:
            timestamp = int(parts.get("t", ""))
        except ValueError:
            raise WebhookVerificationError("bad timestamp in Offline-Signature") from None
        if abs(time.time() - timestamp) > TOLERANCE_SECONDS:
            raise WebhookVerificationError("webhook timestamp outside the tolerance")
        if not hmac.compare_digest(parts.get("v1", ""), self._sign(timestamp, payload)):
            raise WebhookVerificationError("webhook signature does not match")
        try:
            body = json.loads(payload)
            return WebhookEvent(
                id=str(body["id"]),
                type=str(body["type"]),
                provider_ref=body.get("provider_ref"),
                data=dict(body.get("data") or {}),
            )
        except (ValueError, KeyError, TypeError):
            raise WebhookVerificationError("webhook body is not an event") from None


def make_offline_provider(settings: Settings) -> OfflinePaymentProvider:
    if settings.environment == "production":
        raise PluginError(
            "payments = 'offline' completes payments without taking money (test mode) and "
            "is refused in production; install and select a real provider (socialflow-stripe)."
        )
    secret = hmac.new(
        settings.secret().encode(), b"socialflow offline payments webhooks", hashlib.sha256
    ).digest()
    return OfflinePaymentProvider(settings.state_dir / "offline-payments.sqlite3", secret)


@hookimpl
def socialflow_payment_providers() -> dict[str, object]:
    return {"offline": make_offline_provider}
