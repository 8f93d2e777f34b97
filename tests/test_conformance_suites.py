"""Each conformance suite passes against the built-ins that exist, and against a small
reference implementation written here for kinds whose built-ins come later, which
proves the suite itself is satisfiable. ``test_suites_have_teeth`` proves the
suites fail providers that break the contract."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import secrets
import textwrap
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

import pytest

from socialflow.builtins.console_channel import ConsoleChannel
from socialflow.builtins.moderators import PassThroughModerator
from socialflow.builtins.rankers import ChronologicalRanker
from socialflow.plugins.protocols import (
    LiveChannel,
    ModerationVerdict,
    PaymentError,
    PaymentResult,
    SearchDocument,
    SearchHits,
    WebhookEvent,
    WebhookVerificationError,
)
from socialflow.search.sql_backend import SqlSearchBackend
from socialflow.testing.conformance import (
    ModeratorConformance,
    NotificationChannelConformance,
    PaymentProviderConformance,
    RankerConformance,
    SearchBackendConformance,
    StreamingProviderConformance,
)

pytest_plugins = ["pytester"]

# ------------------------------------------------------------------ built-ins


class TestChronologicalRanker(RankerConformance):
    @pytest.fixture
    def ranker(self, platform: Any) -> Any:
        """The active ranker, as the feeds get it: through the plugin manager."""
        ranker = platform.provider("ranker")
        assert isinstance(ranker, ChronologicalRanker)
        return ranker


class TestSqlSearch(SearchBackendConformance):
    """The built-in search backend, on the suite's database: SQLite (FTS5) on the
    embedded defaults, PostgreSQL (tsvector + GIN) with SOCIALFLOW_TEST_BACKEND=services."""

    @pytest.fixture
    def search(self, platform: Any) -> Any:
        search = platform.provider("search")
        assert isinstance(search, SqlSearchBackend)
        return search


class TestConsoleChannel(NotificationChannelConformance):
    @pytest.fixture
    def channel(self, platform: Any) -> Any:
        channel = platform.provider("notification", "console")
        assert isinstance(channel, ConsoleChannel)
        self.records: list[logging.LogRecord] = []
        handler = logging.Handler()
        handler.emit = self.records.append  # type: ignore[method-assign]
        logger = logging.getLogger("socialflow.notifications.console")
        logger.addHandler(handler)
        previous = logger.level
        logger.setLevel(logging.INFO)
        yield channel
        logger.removeHandler(handler)
        logger.setLevel(previous)

    def delivered(self, channel: Any) -> Sequence[str]:
        return [record.getMessage() for record in self.records]


# ------------------------------------------------- reference implementations


class KeywordModerator:
    """Blocks threats, flags insults; scores are the share of bad words."""

    name = "reference-keyword"
    version = "1"
    BLOCK = {"kill"}
    FLAG = {"idiot", "worthless"}

    def check_text(self, text: str, *, context: Mapping[str, Any]) -> ModerationVerdict:
        words = [w.strip(".,!?").lower() for w in text.split()]
        blocked = [w for w in words if w in self.BLOCK]
        flagged = [w for w in words if w in self.FLAG]
        score = min(1.0, (len(blocked) * 2 + len(flagged)) / max(len(words), 1))
        if blocked:
            return ModerationVerdict("reject", score, ("violence",), "threat of violence")
        if flagged:
            return ModerationVerdict("hold", score, ("insult",), "insulting language")
        return ModerationVerdict("allow", 0.0)

    def check_image(self, image: bytes, *, context: Mapping[str, Any]) -> ModerationVerdict:
        return ModerationVerdict("allow", 0.0)


class TestReferenceModerator(ModeratorConformance):
    @pytest.fixture
    def moderator(self) -> KeywordModerator:
        return KeywordModerator()


class TestPassThroughModerator(ModeratorConformance):
    """The built-in ``none`` allows everything: the text side is not its job."""

    @pytest.fixture
    def moderator(self) -> PassThroughModerator:
        return PassThroughModerator()

    def test_harmful_text_is_not_allowed(self, moderator: Any) -> None:
        assert moderator.check_text(self.harmful_text, context={}).action == "allow"


class MemorySearch:
    """Word-set matching, newest id first; cursors are offsets."""

    name = "reference-memory"

    def __init__(self) -> None:
        self.documents: dict[tuple[str, str], set[str]] = {}

    def index(self, documents: Sequence[SearchDocument]) -> None:
        for doc in documents:
            self.documents[(doc.kind, doc.id)] = {w.lower() for w in doc.text.split()}

    def delete(self, kind: str, ids: Sequence[str]) -> None:
        for id_ in ids:
            self.documents.pop((kind, id_), None)

    def query(self, q: str, *, kind: str, limit: int = 20, cursor: str | None = None) -> SearchHits:
        words = {w.lower() for w in q.split()}
        ids = sorted(i for (k, i), text in self.documents.items() if k == kind and words <= text)
        start = int(cursor or 0)
        page = ids[start : start + limit]
        more = start + limit < len(ids)
        return SearchHits(page, str(start + limit) if more else None)


class TestReferenceSearch(SearchBackendConformance):
    @pytest.fixture
    def search(self) -> MemorySearch:
        return MemorySearch()


class MemoryStreaming:
    name = "reference-memory"

    def __init__(self) -> None:
        self.status: dict[str, str] = {}
        self.keys: dict[str, str] = {}

    def create_channel(self, *, owner_id: str, title: str, record: bool) -> LiveChannel:
        ref = secrets.token_hex(8)
        self.status[ref] = "idle"
        self.keys[ref] = secrets.token_urlsafe(24)
        return LiveChannel(
            channel_ref=ref,
            ingest_url="rtmp://127.0.0.1:1935/live",
            stream_key=self.keys[ref],
            playback_url=f"http://127.0.0.1:8000/live/{ref}/index.m3u8",
        )

    def rotate_key(self, *, channel_ref: str) -> str:
        self.keys[channel_ref] = secrets.token_urlsafe(24)
        return self.keys[channel_ref]

    def channel_status(self, *, channel_ref: str) -> Any:
        return self.status[channel_ref]

    def broadcasts(self, *, channel_ref: str) -> list[Any]:
        return []

    def disconnect(self, *, channel_ref: str) -> None:
        pass

    def stop_channel(self, *, channel_ref: str) -> None:
        self.status[channel_ref] = "ended"

    def recording(self, *, channel_ref: str, broadcast_ref: str) -> Any:
        return None

    def open_recording_file(self, *, channel_ref: str, recording_ref: str, path: str) -> Any:
        raise KeyError(path)

    def delete_recording(self, *, channel_ref: str, recording_ref: str) -> None:
        pass

    def check(self) -> str:
        return "reference-memory streaming"


class TestReferenceStreaming(StreamingProviderConformance):
    @pytest.fixture
    def provider(self) -> MemoryStreaming:
        return MemoryStreaming()


WEBHOOK_SECRET = b"whsec-reference"


class MemoryPayments:
    """Remembers results by idempotency key; webhooks signed with HMAC-SHA256."""

    name = "reference-memory"
    test_mode = True

    def __init__(self) -> None:
        self.by_key: dict[str, PaymentResult] = {}
        self.refunded: dict[str, int] = {}
        self.charges: dict[str, PaymentResult] = {}

    def _once(self, key: str, make: Any) -> PaymentResult:
        if key not in self.by_key:
            self.by_key[key] = make()
        return self.by_key[key]

    def create_customer(self, *, user_id: str, email: str | None) -> str:
        return f"cus_{secrets.token_hex(6)}"

    def create_payout_account(self, *, user_id: str, email: str | None) -> str:
        return f"acct_{secrets.token_hex(6)}"

    def create_subscription(self, *, customer_ref: str, amount: int, currency: str,
                            interval: str, idempotency_key: str,
                            metadata: Mapping[str, str]) -> PaymentResult:  # fmt: skip
        return self._once(
            idempotency_key,
            lambda: PaymentResult(f"sub_{secrets.token_hex(6)}", "succeeded", amount, currency),
        )

    def cancel_subscription(self, *, subscription_ref: str) -> PaymentResult:
        active = next(r for r in self.by_key.values() if r.provider_ref == subscription_ref)
        return replace(active, status="canceled")

    def charge(self, *, customer_ref: str, amount: int, currency: str, idempotency_key: str,
               metadata: Mapping[str, str]) -> PaymentResult:  # fmt: skip
        result = self._once(
            idempotency_key,
            lambda: PaymentResult(f"ch_{secrets.token_hex(6)}", "succeeded", amount, currency),
        )
        self.charges[result.provider_ref] = result
        return result

    def payout(self, *, account_ref: str, amount: int, currency: str,
               idempotency_key: str) -> PaymentResult:  # fmt: skip
        return self._once(
            idempotency_key,
            lambda: PaymentResult(f"po_{secrets.token_hex(6)}", "pending", amount, currency),
        )

    def refund(self, *, charge_ref: str, amount: int | None, idempotency_key: str) -> PaymentResult:
        charge = self.charges[charge_ref]

        def make() -> PaymentResult:
            left = charge.amount - self.refunded.get(charge_ref, 0)
            value = left if amount is None else amount
            if value > left:
                raise PaymentError("refund exceeds the charge")
            self.refunded[charge_ref] = self.refunded.get(charge_ref, 0) + value
            return PaymentResult(f"re_{secrets.token_hex(6)}", "succeeded", value, charge.currency)

        return self._once(idempotency_key, make)

    def parse_webhook(self, *, payload: bytes, headers: Mapping[str, str]) -> WebhookEvent:
        expected = hmac.new(WEBHOOK_SECRET, payload, hashlib.sha256).hexdigest()
        if not hmac.compare_digest(headers.get("x-signature", ""), expected):
            raise WebhookVerificationError("bad signature")
        body = json.loads(payload)
        return WebhookEvent(body["id"], body["type"], body["ref"], body)


class TestReferencePayments(PaymentProviderConformance):
    @pytest.fixture
    def provider(self) -> MemoryPayments:
        return MemoryPayments()

    @pytest.fixture
    def signed_webhook(self) -> Any:
        def make(event_type: str, ref: str) -> tuple[bytes, dict[str, str]]:
            payload = json.dumps({"id": secrets.token_hex(4), "type": event_type, "ref": ref})
            signature = hmac.new(WEBHOOK_SECRET, payload.encode(), hashlib.sha256).hexdigest()
            return payload.encode(), {"x-signature": signature}

        return make


# ------------------------------------------------------------ suites have teeth


def test_suites_have_teeth(pytester: pytest.Pytester) -> None:
    """Providers that break the contract fail the suites, naming the broken rule."""
    pytester.makepyfile(
        test_broken=textwrap.dedent(
            """
            import pytest
            from socialflow.plugins.protocols import SearchHits
            from socialflow.testing.conformance import RankerConformance, SearchBackendConformance

            class DuplicatingRanker:
                name = "dup"
                def rank(self, candidates, context):
                    return list(candidates) + list(candidates[:1])

            class ForgetfulSearch:
                name = "forgetful"
                def __init__(self):
                    self.docs = {}
                def index(self, documents):
                    for d in documents:
                        self.docs.setdefault((d.kind, d.id), d.text.lower())
                def delete(self, kind, ids):
                    pass
                def query(self, q, *, kind, limit=20, cursor=None):
                    found = self.docs.items()
                    ids = sorted(i for (k, i), t in found if k == kind and q.lower() in t)
                    return SearchHits(ids[:limit], None)

            class TestDup(RankerConformance):
                @pytest.fixture
                def ranker(self):
                    return DuplicatingRanker()

            class TestForgetful(SearchBackendConformance):
                @pytest.fixture
                def search(self):
                    return ForgetfulSearch()
            """
        )
    )
    result = pytester.runpytest_subprocess("-q", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=10, failed=6)
    result.stdout.fnmatch_lines(["*a post may appear only once*"])
    result.stdout.fnmatch_lines(
        ["*TestForgetful::test_reindex_replaces*", "*TestForgetful::test_delete*"]
    )
