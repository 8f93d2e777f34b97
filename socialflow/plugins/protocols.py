"""Provider interfaces: what a plugin's provider object must do.

Each interface is a :class:`typing.Protocol`, so a provider needs no base class
from socialflow; structural typing is enough. Every interface has a
conformance suite in :mod:`socialflow.testing` that built-in and third-party
providers alike must pass. The small data classes here are the values that
cross the boundary between socialflow and a provider.

Long because it is the one place plugin authors read the whole contract:
every provider protocol, its optional capabilities and its value types side
by side, as ``specs.py`` holds every hook.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, BinaryIO, Literal, Protocol, runtime_checkable

if TYPE_CHECKING:
    from sqlalchemy import Select

# --------------------------------------------------------------------- storage


class StorageError(Exception):
    """A storage backend could not do what was asked (network, permission...)."""


class ObjectNotFound(StorageError, KeyError):  # noqa: N818 - the documented name
    """The key does not exist. Raised by get/stat/read_range/open, never by delete."""


@dataclass(frozen=True)
class ObjectInfo:
    """What a backend knows of a stored object."""

    key: str
    size: int
    content_type: str | None = None
    etag: str | None = None
    modified_at: datetime | None = None


@dataclass(frozen=True)
class UploadedPart:
    """One part of a multipart upload, as returned by ``upload_part``."""

    part_number: int
    etag: str
    size: int


@runtime_checkable
class StorageBackend(Protocol):
    """Where media and uploads live: local disk, S3, Azure Blob, GCS...

    Keys are ``/``-separated relative paths that socialflow generates
    (never user input); a backend may still reject keys with ``..`` or a
    leading ``/``. Writes are atomic: a reader sees the old object or the new
    one, never a partial one.
    """

    name: str

    def put(
        self, key: str, data: bytes | BinaryIO, *, content_type: str | None = None
    ) -> ObjectInfo:
        """Store ``data`` (bytes or a readable binary file) under ``key``, replacing it."""
        ...

    def get(self, key: str) -> bytes:
        """Return the whole object. Raises :class:`ObjectNotFound`."""
        ...

    def open(self, key: str, *, chunk_size: int = 1024 * 1024) -> Iterator[bytes]:
        """Stream the object in chunks without loading it whole."""
        ...

    def read_range(self, key: str, start: int, end: int | None = None) -> bytes:
        """Bytes ``start`` to ``end`` inclusive (as HTTP Range); ``end=None`` reads to EOF."""
        ...

    def stat(self, key: str) -> ObjectInfo:
        """Size and metadata. Raises :class:`ObjectNotFound`."""
        ...

    def exists(self, key: str) -> bool:
        """Whether ``key`` exists."""
        ...

    def delete(self, key: str) -> None:
        """Remove ``key``; deleting a missing key is not an error."""
        ...

    def delete_prefix(self, prefix: str) -> int:
        """Remove every key under ``prefix`` (e.g. all renditions of a video); returns the count."""
        ...

    def list(self, prefix: str) -> list[str]:
        """Keys under ``prefix``, sorted."""
        ...

    def signed_url(
        self,
        key: str,
        *,
        expires_in: int = 3600,
        filename: str | None = None,
    ) -> str:
        """A URL that lets anyone holding it GET the object until it expires."""
        ...

    def create_multipart(self, key: str, *, content_type: str | None = None) -> str:
        """Start a multipart upload for ``key``; returns an upload id."""
        ...

    def upload_part(
        self, key: str, upload_id: str, part_number: int, data: bytes | BinaryIO
    ) -> UploadedPart:
        """Store one part (numbered from 1). Parts may arrive in any order."""
        ...

    def complete_multipart(
        self, key: str, upload_id: str, parts: Sequence[UploadedPart]
    ) -> ObjectInfo:
        """Join ``parts`` in part-number order into the object ``key``."""
        ...

    def abort_multipart(self, key: str, upload_id: str) -> None:
        """Discard an unfinished multipart upload and its parts."""
        ...

    def check(self) -> str:
        """Prove the backend is reachable, writable and deletable.

        Returns a one-line description (``"s3 bucket media at http://..."``);
        raises :class:`StorageError` naming what failed. Used by ``/readyz``
        and ``socialflow doctor``.
        """
        ...


# -------------------------------------------------------------------- payments


class PaymentError(Exception):
    """A payment provider refused or failed an operation."""


class WebhookVerificationError(PaymentError):
    """A webhook's signature, timestamp or payload is not acceptable."""


class PaymentUnavailableError(PaymentError):
    """The provider could not be reached or did not answer in time: the outcome is
    unknown. The caller retries later with the same idempotency key."""


@dataclass(frozen=True)
class PaymentResult:
    """Outcome of a charge, subscription, payout or refund at the provider."""

    provider_ref: str
    status: Literal["pending", "succeeded", "failed", "canceled"]
    amount: int
    currency: str
    raw: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class WebhookEvent:
    """A verified provider webhook translated to socialflow terms."""

    id: str
    type: str
    provider_ref: str | None
    data: Mapping[str, Any]


class PaymentProvider(Protocol):
    """Takes money in and pays creators out. Amounts are integer minor units.

    Every mutating call takes an ``idempotency_key``: calling again with the
    same key must not move money twice. A refusal (card declined, account
    closed) is a result with status ``failed``; a call whose outcome is
    unknown (timeout) raises :class:`PaymentUnavailableError`.

    ``test_mode`` is true when no real money moves (a sandbox, the built-in
    ``offline`` provider); socialflow marks the charges and answers so.
    """

    name: str
    test_mode: bool

    def create_customer(self, *, user_id: str, email: str | None) -> str: ...

    def create_payout_account(self, *, user_id: str, email: str | None) -> str:
        """The account a creator is paid out to (``account_ref`` of :meth:`payout`)."""
        ...

    def create_subscription(
        self,
        *,
        customer_ref: str,
        amount: int,
        currency: str,
        interval: Literal["month", "year"],
        idempotency_key: str,
        metadata: Mapping[str, str],
    ) -> PaymentResult: ...

    def cancel_subscription(self, *, subscription_ref: str) -> PaymentResult: ...

    def charge(
        self,
        *,
        customer_ref: str,
        amount: int,
        currency: str,
        idempotency_key: str,
        metadata: Mapping[str, str],
    ) -> PaymentResult:
        """A one-off charge, used for tips."""
        ...

    def payout(
        self, *, account_ref: str, amount: int, currency: str, idempotency_key: str
    ) -> PaymentResult: ...

    def refund(
        self, *, charge_ref: str, amount: int | None, idempotency_key: str
    ) -> PaymentResult: ...

    def parse_webhook(self, *, payload: bytes, headers: Mapping[str, str]) -> WebhookEvent:
        """Verify the signature and parse; raise :class:`WebhookVerificationError` if bad."""
        ...


class BillingProvider(PaymentProvider, Protocol):
    """A provider that bills subscriptions itself (the ``billing`` capability).

    A provider whose ``billing`` attribute is true renews, retries (dunning)
    and ends subscriptions on its own schedule; socialflow's subscribe,
    upgrade, cancel and resume routes then call these methods instead of
    charging each period itself, and the provider's webhooks
    (``subscription_updated``, ``subscription_paid``) carry the state back.
    The results of :meth:`create_subscription` and of these methods have the
    subscription's state in ``raw``: ``status`` (Stripe's names: ``trialing``,
    ``active``, ``incomplete``, ``past_due``, ``unpaid``, ``canceled``),
    ``cancel_at_period_end``, ``current_period_start``/``current_period_end``
    (unix seconds), ``amount`` and ``currency``. A provider without the
    attribute (or with it false) keeps socialflow's own schedule.
    """

    billing: bool

    def change_subscription_price(
        self,
        *,
        subscription_ref: str,
        amount: int,
        currency: str,
        interval: Literal["month", "year"],
        idempotency_key: str,
        metadata: Mapping[str, str],
    ) -> PaymentResult:
        """Move to another price; the provider prorates (an upgrade is invoiced at once)."""
        ...

    def cancel_at_period_end(
        self, *, subscription_ref: str, cancel: bool, idempotency_key: str
    ) -> PaymentResult:
        """Stop (``cancel``) or resume the renewal; access lasts to the period's end."""
        ...


def bills_subscriptions(provider: PaymentProvider) -> bool:
    """True when ``provider`` has the billing capability (see :class:`BillingProvider`)."""
    return getattr(provider, "billing", False) is True


# --------------------------------------------------------------------- rankers


@dataclass
class FeedCandidate:
    """A post that may appear in a feed, with the signals a ranker may use."""

    post_id: str
    author_id: str
    created_at: datetime
    like_count: int = 0
    comment_count: int = 0
    share_count: int = 0
    view_count: int = 0
    features: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class FeedContext:
    """Who is looking at which feed."""

    feed: Literal["home", "explore", "hashtag", "profile"]
    viewer_id: str | None
    now: datetime


class Ranker(Protocol):
    """Orders feed candidates for a viewer.

    Must return a permutation (or subset) of ``candidates``; must be
    deterministic for the same input so cursor pagination stays stable.
    """

    name: str

    def rank(
        self, candidates: Sequence[FeedCandidate], context: FeedContext
    ) -> list[FeedCandidate]: ...


@runtime_checkable
class LookaheadRanker(Ranker, Protocol):
    """A :class:`Ranker` that says how many candidates beyond the page it wants to see.

    Optional: a feed page's pool is the page plus ``lookahead`` candidates
    (at most 20; whatever is not shown carries over to the next page). A ranker
    without it gets ``limit // 2``; ``0`` is plain keyset paging. Feeds check
    it with ``isinstance(ranker, LookaheadRanker)``.
    """

    lookahead: int


# ------------------------------------------------------------------- streaming

ChannelStatus = Literal["idle", "live", "ended"]


@dataclass(frozen=True)
class LiveChannel:
    """A live channel at the streaming provider, as :meth:`StreamingProvider.create_channel`
    made it.

    ``stream_key`` is the publisher's secret: socialflow hands it to the
    channel's owner once (at creation, and again at each rotation) and never
    stores or logs it; a provider keeps what it needs to check it (a hash).
    ``ingest_url`` is what a publisher (OBS, ffmpeg) connects to, with the key
    as stream name; ``playback_url`` is the HLS master playlist viewers load.
    """

    channel_ref: str
    ingest_url: str
    stream_key: str
    playback_url: str


@dataclass(frozen=True)
class Broadcast:
    """One publishing session of a channel: from a publisher connecting to it leaving.

    A permanent channel has many broadcasts over its life, a one-off channel
    one. ``broadcast_ref`` is unique within the channel and stable, so the
    platform can tell a broadcast it already reported from a new one.
    """

    broadcast_ref: str
    status: Literal["live", "ended"]
    started_at: datetime
    ended_at: datetime | None = None


@dataclass(frozen=True)
class RecordedRendition:
    """One rendition of a recording: its folder name and the facts a master playlist needs."""

    name: str
    width: int
    height: int
    bandwidth: int
    codecs: str | None = None


@dataclass(frozen=True)
class LiveRecording:
    """A finished broadcast kept as HLS: what the platform copies into an on-demand video.

    ``files`` are paths relative to the recording: ``<rendition>/index.m3u8``
    (a complete media playlist ending in ``#EXT-X-ENDLIST``) and the segments
    it names, plus ``poster.jpg`` when the provider made one. The platform
    reads each with :meth:`StreamingProvider.open_recording_file` and stores
    it as is: nothing is encoded again.
    """

    recording_ref: str
    duration: float
    renditions: tuple[RecordedRendition, ...]
    files: tuple[str, ...]


class StreamingProvider(Protocol):
    """Ingests live video (RTMP/SRT/WebRTC) and serves it as HLS.

    The platform creates one channel per live stream and remembers only its
    ``channel_ref``: every other fact (keys, whether a publisher is on,
    broadcasts and their recordings) is the provider's, asked for by ref.
    A provider must refuse a publisher whose key is not the channel's current
    one before any of its video is kept or shown.

    The platform learns that broadcasts started and ended by calling
    :meth:`broadcasts` (on a schedule, and whenever a provider with
    :class:`StreamingEvents` says a channel changed). Methods are called from
    API processes and workers alike: whatever a provider keeps must be
    shared by them (its service, a database, a folder on one host).
    """

    name: str

    def create_channel(self, *, owner_id: str, title: str, record: bool) -> LiveChannel:
        """A new channel, ``idle``, with a fresh unguessable key.

        ``record``: keep each broadcast for :meth:`recording`.
        """
        ...

    def rotate_key(self, *, channel_ref: str) -> str:
        """A new key for the channel; the old one is refused from now on, and a
        publisher that connected with it is disconnected."""
        ...

    def channel_status(self, *, channel_ref: str) -> ChannelStatus:
        """``live`` while a publisher is on, ``idle`` between broadcasts, ``ended`` once stopped."""
        ...

    def broadcasts(self, *, channel_ref: str) -> list[Broadcast]:
        """The channel's broadcasts, oldest first (those the provider still knows of)."""
        ...

    def disconnect(self, *, channel_ref: str) -> None:
        """Drop the publisher (if any); the channel stays usable with its key."""
        ...

    def stop_channel(self, *, channel_ref: str) -> None:
        """End the channel for good: the publisher is dropped and no key works again.

        Idempotent. The broadcasts and recordings stay readable.
        """
        ...

    def recording(self, *, channel_ref: str, broadcast_ref: str) -> LiveRecording | None:
        """The recording of an ended broadcast of a recorded channel; None when there is none
        (not recorded, not ended yet, or nothing was received)."""
        ...

    def open_recording_file(self, *, channel_ref: str, recording_ref: str, path: str) -> BinaryIO:
        """One file of a recording (a path from :attr:`LiveRecording.files`), to read."""
        ...

    def delete_recording(self, *, channel_ref: str, recording_ref: str) -> None:
        """Forget a recording once the platform keeps its own copy. Idempotent."""
        ...

    def check(self) -> str:
        """One line for ``socialflow doctor``; raises if the provider cannot work."""
        ...


@runtime_checkable
class StreamingEvents(Protocol):
    """Optional: a provider that knows at once when a channel changes says so.

    ``listener(channel_ref)`` is called (from any thread) after a broadcast
    starts or ends; the platform then reads :meth:`StreamingProvider.broadcasts`.
    Without it the platform polls on a schedule.
    """

    def subscribe(self, listener: Callable[[str], None]) -> None: ...


class RecordingNotReady(Exception):  # noqa: N818 - reads as a state
    """Raised by :meth:`StreamingProvider.recording` when an ended broadcast's recording
    is still being written at the provider: the platform's recording job tries again later."""


ChatRole = Literal["viewer", "moderator"]


@dataclass(frozen=True)
class ChatToken:
    """What a viewer's chat client needs to join a stream's chat at the provider.

    ``token`` is the viewer's secret for this session (never logged, never
    stored by the platform); ``endpoint`` is where the client connects;
    ``capabilities`` are the provider's names for what the viewer may do
    (send, delete others' messages, disconnect users).
    """

    token: str
    endpoint: str
    capabilities: tuple[str, ...]
    token_expires_at: datetime
    session_expires_at: datetime


@runtime_checkable
class StreamingChat(Protocol):
    """Optional: a provider with a chat service of its own (Amazon IVS Chat).

    The platform's own chat (``/live/streams/{id}/chat``) works with every
    provider; with this one, players may instead join the provider's room for
    the channel with a token the platform asks for, with capabilities by role:
    a ``moderator`` (the stream's owner) may delete messages and disconnect
    users, a ``viewer`` may send unless ``may_send`` is false (banned, timed
    out, not a follower or subscriber when the chat asks for one).
    ``chat_enabled`` is false where the deployment leaves that chat off.
    """

    chat_enabled: bool

    def chat_token(
        self,
        *,
        channel_ref: str,
        user_id: str,
        display_name: str,
        role: ChatRole,
        may_send: bool,
    ) -> ChatToken:
        """A token for the channel's room (made on first use)."""
        ...

    def disconnect_chat_user(self, *, channel_ref: str, user_id: str, reason: str) -> None:
        """Drop every chat connection of ``user_id`` from the channel's room (no room: nothing)."""
        ...


@runtime_checkable
class HostedIngest(Protocol):
    """Optional: a provider whose ingest runs inside a socialflow process (the built-in
    ``local`` one), not at a service of its own.

    ``serve()`` starts it in the calling process (idempotent), ``shutdown()``
    stops it and the publishers it holds; ``open_playback`` reads a file of a
    channel's live HLS output (``master.m3u8``, ``<rendition>/index.m3u8``,
    segments), which the platform serves at the channel's playback URL.
    """

    def serve(self) -> None: ...

    def shutdown(self) -> None: ...

    def open_playback(self, *, channel_ref: str, path: str) -> bytes: ...


@dataclass(frozen=True)
class StreamHealthReport:
    """How a channel's newest broadcast arrives, as the provider's ingest measured it.

    ``measured`` holds the numbers (``width``, ``height``, ``bitrate_kbps``,
    ``frame_rate``, ``keyframe_interval`` in seconds, ``speed`` of the
    transcoder against real time, ``dropped_frames``, ``measured_at``);
    ``stopped_reason`` says, in words for the creator, why the ingest stopped
    the broadcast (an operator limit broken), None if it did not.
    """

    broadcast_ref: str
    live: bool
    measured: dict[str, Any]
    stopped_reason: str | None = None


@runtime_checkable
class StreamHealthSource(Protocol):
    """Optional: a provider that measures incoming streams (the built-in ``local`` one)."""

    def stream_health(self, *, channel_ref: str) -> StreamHealthReport | None:
        """The newest broadcast's health, None before the first; ``KeyError``: no channel."""
        ...


LatencyMode = Literal["standard", "low"]


@runtime_checkable
class LatencyModes(Protocol):
    """Optional: a provider that cuts a channel's HLS for ``standard`` or ``low`` latency.

    ``low`` means shorter segments (a keyframe at each), so players sit
    closer to the live edge at the cost of more requests; the mode applies
    from the channel's next broadcast.
    """

    def set_latency_mode(self, *, channel_ref: str, mode: LatencyMode) -> None:
        """Remember ``mode`` for the channel's broadcasts to come; ``KeyError``: no channel."""
        ...


@dataclass(frozen=True)
class PublishGrant:
    """A publish the provider accepted: the channel, and the name the ingest server
    publishes under from then on (never the key: it shows in process lists and paths)."""

    channel_ref: str
    stream_name: str


@runtime_checkable
class PublishCallbacks(Protocol):
    """Optional: a provider whose ingest server asks the platform over HTTP whether a
    publisher may go on (nginx-rtmp's ``on_publish``) and says when it left
    (``on_publish_done``). The live app serves both callbacks and hands them on.

    ``secret`` is what the callback URL carried: the provider compares it with
    its own, so that nobody else can start or end broadcasts. Both methods raise
    ``PermissionError`` (with a message a publisher may see) to refuse.
    """

    def authorize_publish(self, *, stream_key: str, client_id: str, secret: str) -> PublishGrant:
        """Accept the key before the stream is taken, or raise ``PermissionError``."""
        ...

    def publish_done(self, *, stream_key: str, client_id: str, secret: str) -> str | None:
        """The publisher left: end its broadcast; the channel ref, None if none was on."""
        ...


# ------------------------------------------------------------------ moderation


VerdictAction = Literal["allow", "hold", "reject"]


@dataclass(frozen=True)
class ModerationVerdict:
    """What a moderator thinks of a piece of content.

    ``allow`` publishes it; ``hold`` publishes it hidden from everyone but its
    author and puts it in the moderators' review queue; ``reject`` refuses it
    (text at submit time answers 422). ``score`` is the model's confidence in
    [0, 1] that the content breaks the rules; ``labels`` say which rules
    (``profanity``, ``nsfw``, ``word_list``...). ``model`` and ``model_version``
    name what decided; left empty, the platform fills in the moderator's
    ``name`` and ``version``, so every stored verdict says which model gave it.
    """

    action: VerdictAction
    score: float = 0.0
    labels: tuple[str, ...] = ()
    reason: str | None = None
    model: str = ""
    model_version: str = ""


class Moderator(Protocol):
    """Classifies text and images (photos, video frames, live thumbnails).

    ``name`` and ``version`` are stored with every verdict (bump ``version``
    when the model or its thresholds change). ``context`` carries what is
    being checked: ``kind`` (``post``, ``comment``, ``profile``, ``image``,
    ``video``, ``live_thumbnail``) and ``author_id``. Images arrive as the
    bytes of a JPEG or PNG: video frames are sampled during transcoding and
    never stored on their own. Calls must be deterministic, offline (no
    network) and safe from several threads.
    """

    name: str
    version: str

    def check_text(self, text: str, *, context: Mapping[str, Any]) -> ModerationVerdict: ...

    def check_image(self, image: bytes, *, context: Mapping[str, Any]) -> ModerationVerdict: ...


@dataclass(frozen=True)
class ScreenedContent:
    """A verdict about one piece of content, as ``socialflow_content_screened`` gets it.

    ``kind`` is ``post``, ``comment``, ``profile``, ``video``, ``image`` or
    ``live_thumbnail``; ``target_id`` the stored object's id (a username for a
    profile), or None for content refused before anything was stored.
    """

    kind: str
    target_id: str | None
    author_id: int
    verdict: ModerationVerdict


@runtime_checkable
class BatchModerator(Protocol):
    """Optional: check several images at once (a video's sampled frames), in order."""

    def check_images(
        self, images: Sequence[bytes], *, context: Mapping[str, Any]
    ) -> list[ModerationVerdict]: ...


# ---------------------------------------------------------------- notification


@dataclass(frozen=True)
class OutgoingMessage:
    """One message to one recipient on one channel."""

    to: str
    subject: str
    text: str
    html: str | None = None
    kind: str = "generic"
    data: Mapping[str, Any] = field(default_factory=dict)


class RecipientGone(Exception):  # noqa: N818 - what the channel learnt about the address
    """Raised by ``NotificationChannel.send`` when the address will never work again.

    A push service saying a device token is unregistered, a mailbox that does
    not exist: the caller forgets the address instead of retrying.
    """


class NotificationChannel(Protocol):
    """Delivers messages: email, push, webhook..."""

    name: str

    def send(self, message: OutgoingMessage) -> None:
        """Deliver or raise; callers retry with backoff.

        Raise :class:`RecipientGone` when ``message.to`` is permanently invalid.
        """
        ...


# ---------------------------------------------------------------------- search


@dataclass(frozen=True)
class SearchDocument:
    """A thing to make findable."""

    kind: Literal["user", "post", "video", "hashtag"]
    id: str
    text: str
    fields: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class SearchHits:
    """Ids matching a query, best first, and a cursor for the next page.

    ``highlights`` (optional) maps some of ``ids`` to a short excerpt of the
    document with the matched terms in ``<mark>...</mark>``; everything else
    in an excerpt is HTML-escaped text, so a client may show it as HTML.
    """

    ids: list[str]
    next_cursor: str | None = None
    highlights: Mapping[str, str] = field(default_factory=dict)


class SearchBackend(Protocol):
    """Full-text search over users, posts, videos and hashtags.

    A backend that can load an empty index in one go also satisfies
    :class:`BulkLoadingSearchBackend` (optional).
    """

    name: str

    def index(self, documents: Sequence[SearchDocument]) -> None: ...

    def delete(self, kind: str, ids: Sequence[str]) -> None: ...

    def query(
        self, q: str, *, kind: str, limit: int = 20, cursor: str | None = None
    ) -> SearchHits: ...


@runtime_checkable
class BulkLoadingSearchBackend(SearchBackend, Protocol):
    """A :class:`SearchBackend` that can fill an empty index straight from SQL.

    Optional. ``socialflow search reindex`` and the demo seed try it first
    (checked with ``isinstance(backend, BulkLoadingSearchBackend)``); a backend
    without it is fed document by document.
    """

    def fill_empty(self, sources: Mapping[str, Select[Any]]) -> dict[str, int] | None:
        """Given SQL selects of ``(kind, ref_id, text, prefix)`` rows by name, load them
        all when the index is empty and return how many rows of each name were
        loaded; return ``None`` (loading nothing) to be fed document by document."""
        ...
