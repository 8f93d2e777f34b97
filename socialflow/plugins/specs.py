"""The plugin contract: every hook socialflow calls, documented.

A plugin is a module (or object) with functions decorated by
``socialflow.hookimpl`` whose names match the hooks below. It is found
through the ``socialflow`` entry-point group, or named in the
``plugin_modules`` setting. Built-in providers use the very same hooks.

Hook kinds:

* **provider** hooks return ``{name: factory}``; ``factory(settings)`` builds
  the provider object. The active one is chosen by name in settings
  (``storage = "s3"``). Factories are called lazily, once per platform.
* **extend** hooks add routers, CLI commands, settings sections, migrations
  and Celery task modules.
* **event** hooks are told what happened, after the database commit.
* **filter** hooks may change or veto content before it is stored.

socialflow calls every hook the way pluggy defines: ``tryfirst``
implementations first, then the rest from the last registered to the first,
``trylast`` ones last, with wrappers (``wrapper=True`` and old-style
``hookwrapper=True``) around the call. Filters chain in that order, one
inner call inside the wrappers (:meth:`SocialflowPluginManager.apply_filters
<socialflow.plugins.manager.SocialflowPluginManager.apply_filters>`).

An implementation takes only the arguments it names (pluggy's rule), so a
hook's ``settings`` and ``platform`` arguments cost nothing to those that do
not want them. ``settings`` is the deployment's Settings; ``platform`` is the
running platform, of which plugins may rely on the
:class:`~socialflow.plugins.facade.PlatformFacade` part (their own settings
section, providers, sessions, after-commit events and tasks). A plugin manager
used without a platform (some tests) has none to give: it refuses to call a
filter, event handler or router that asks for one.

``docs/plugins.md`` has a section per hook; a test keeps the two in step.

Long because it is the one place plugin authors read every hook, documented,
side by side (as ``protocols.py`` holds every provider interface).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import pluggy

from socialflow.core.errors import Problem
from socialflow.plugins.learning import Recommender, TextEmbedder, ViralModel
from socialflow.plugins.protocols import (
    FeedCandidate,
    FeedContext,
    Moderator,
    NotificationChannel,
    PaymentProvider,
    Ranker,
    ScreenedContent,
    SearchBackend,
    StorageBackend,
    StreamingProvider,
)

if TYPE_CHECKING:
    import typer
    from fastapi import APIRouter
    from pydantic import BaseModel
    from sqlalchemy import Connection
    from sqlmodel import Session

    from socialflow.core.platform import Platform
    from socialflow.core.settings import Settings
    from socialflow.plugins.audiences import Audience
    from socialflow.plugins.facade import PlatformFacade
    from socialflow.plugins.notification_kinds import NotificationKind
    from socialflow.plugins.runtime_settings import RuntimeSetting

PROJECT_NAME = "socialflow"
ENTRY_POINT_GROUP = "socialflow"
# Apps (accounts, social, video... and third-party ones) are plugins found in
# their own group, loaded before providers, in dependency order.
APPS_ENTRY_POINT_GROUP = "socialflow.apps"

hookspec = pluggy.HookspecMarker(PROJECT_NAME)
hookimpl = pluggy.HookimplMarker(PROJECT_NAME)

ProviderFactory = Callable[["Settings"], Any]


class ContentRejected(Problem):
    """Raised by a filter hook to veto content; ``reason`` is shown to the author (422)."""

    status, slug, title = 422, "content-rejected", "Content rejected"

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Event:
    """A domain event, delivered to ``socialflow_on_event`` after commit.

    ``name`` is one of the documented event names (``user_registered``,
    ``post_created``, ``followed``, ``video_ready``, ``payment_succeeded``...);
    ``payload`` holds plain JSON-able values (ids, not ORM objects), so an
    implementation may hand it to Celery or an outgoing webhook as is.
    """

    name: str
    payload: dict[str, Any] = field(default_factory=dict)
    occurred_at: datetime = field(default_factory=lambda: datetime.now(UTC))


@dataclass(frozen=True)
class AppInfo:
    """What an app says of itself through ``socialflow_apps``.

    ``requires`` names the apps it imports or whose tables it points at; they
    load first, and switching one of them off while this app is on stops the
    start with a message naming both. Only an ``optional`` app may be switched
    off (the ``disabled_apps`` setting): then its routes, tasks, commands and
    migrations are absent.
    """

    name: str
    summary: str
    requires: tuple[str, ...] = ()
    optional: bool = False


# ------------------------------------------------------------------ providers


@hookspec
def socialflow_storage_backends(
    settings: Settings,
) -> dict[str, Callable[[Settings], StorageBackend]]:
    """Storage backends this plugin provides, by name.

    Return ``{"s3": make_s3_backend}``; ``make_s3_backend(settings)`` returns
    an object satisfying :class:`~socialflow.plugins.protocols.StorageBackend`.
    Selected by the ``storage`` setting. Create network clients lazily, not in
    the factory, so a plugin that is installed but inactive costs nothing.
    """


@hookspec
def socialflow_payment_providers(
    settings: Settings,
) -> dict[str, Callable[[Settings], PaymentProvider]]:
    """Payment providers by name (selected by ``payments``).

    See :class:`~socialflow.plugins.protocols.PaymentProvider`. Money moves in
    socialflow's ledger only after the provider confirms it.
    """


@hookspec
def socialflow_rankers(settings: Settings) -> dict[str, Callable[[Settings], Ranker]]:
    """Feed rankers by name (selected by ``ranker``).

    See :class:`~socialflow.plugins.protocols.Ranker`. Every feed (home,
    explore, hashtag) passes its candidates through the active ranker.
    """


@hookspec
def socialflow_streaming_providers(
    settings: Settings,
) -> dict[str, Callable[[Settings], StreamingProvider]]:
    """Live streaming providers by name (selected by ``streaming``).

    See :class:`~socialflow.plugins.protocols.StreamingProvider`.
    """


@hookspec
def socialflow_moderators(settings: Settings) -> dict[str, Callable[[Settings], Moderator]]:
    """Moderation models by name (selected by ``moderation``).

    See :class:`~socialflow.plugins.protocols.Moderator`.
    """


@hookspec
def socialflow_content_screened(
    session: Session, screened: ScreenedContent, settings: Settings, platform: PlatformFacade
) -> bool | None:
    """A moderation model judged content: record it, and queue what it held.

    Called by the app that owns the content inside the transaction that
    stores it (a rejected text in place of the author's transaction, rolled
    back since nothing is stored), for every verdict of a moderator other than ``none``. For a
    ``hold`` the content is already stored; the implementation hides it and
    opens a review item, answering True. The moderation app implements it;
    with that app off nobody does, and held content is published as allowed
    (a warning is logged).
    """


@hookspec
def socialflow_signup_check(
    session: Session,
    email: str | None,
    ip: str | None,
    settings: Settings,
    platform: PlatformFacade,
) -> None:
    """A new account is about to be created: raise a ``Problem`` to refuse it.

    Called by the accounts app before it writes anything, for a password
    registration and for an account an OAuth sign-in creates, with the email
    (None when an OAuth identity has none) and the client address the
    platform's trusted-proxy rule gave the request. Returning lets it go on.
    The moderation app implements it with the admins' sign-up blocks (403
    ``signup-blocked``).
    """


@hookspec
def socialflow_content_arrived(
    session: Session,
    kind: str,
    target_id: str,
    author_id: int,
    settings: Settings,
    platform: PlatformFacade,
) -> bool | None:
    """New content was stored and is about to be published: hold it for review?

    Called by the app that owns the content inside the transaction that
    publishes it (a video turning ready for the first time), unless a
    moderation model already held it. Pre-moderation: the moderation app
    implements it per its ``premoderation`` setting, hiding the content and
    opening its review item, and answers True.
    """


@hookspec
def socialflow_notification_channels(
    settings: Settings,
) -> dict[str, Callable[[Settings], NotificationChannel]]:
    """Notification channels by name (enabled by ``notification_channels``).

    See :class:`~socialflow.plugins.protocols.NotificationChannel`. Unlike the
    other providers several channels are active at once (email and push).
    """


@hookspec
def socialflow_search_backends(
    settings: Settings,
) -> dict[str, Callable[[Settings], SearchBackend]]:
    """Search backends by name (selected by ``search``).

    See :class:`~socialflow.plugins.protocols.SearchBackend`.
    """


# --------------------------------------------------------------------- extend


@hookspec
def socialflow_routers(settings: Settings, platform: PlatformFacade) -> list[APIRouter]:
    """Extra FastAPI routers, mounted under ``/api/v1`` after the built-in ones.

    Use ``socialflow.core.http.deps`` (``SessionDep``, ``CurrentUser``) in them to
    share sessions and authentication with the core API.
    """


@hookspec
def socialflow_cli(app: typer.Typer) -> None:
    """Add commands to the ``socialflow`` CLI: ``app.command()(my_command)``
    or ``app.add_typer(sub, name="mine")``."""


@hookspec
def socialflow_settings_model() -> tuple[str, type[BaseModel]]:
    """A settings section of this plugin: ``("s3", S3Settings)``.

    Values come from ``[plugin.s3]`` in ``socialflow.toml`` or from
    ``SOCIALFLOW_PLUGIN__S3__<FIELD>`` environment variables, and are
    validated when the app starts (set ``extra="forbid"`` on the model to
    reject unknown keys). Read them with ``settings.plugin_config("s3", S3Settings)``.
    Validators get ``{"environment": "development" | "test" | "production"}``
    as ``info.context``: refuse there what must not run in production.
    """


@hookspec
def socialflow_migration_dirs() -> list[str]:
    """Alembic version directories this plugin ships.

    Give revisions their own ``branch_labels`` (the plugin's name) and
    ``depends_on`` a core revision; ``socialflow migrate`` upgrades all heads.
    """


@hookspec
def socialflow_task_modules() -> list[str]:
    """Dotted module names holding Celery tasks (``@shared_task``) the worker must import."""


@hookspec
def socialflow_apps() -> list[AppInfo]:
    """The apps this plugin is: usually one :class:`AppInfo`.

    An app is a plugin loaded from the ``socialflow.apps`` entry-point group
    that owns a domain (routes, tables, tasks, commands); the built-in ones
    (accounts, graph, video, social, notifications, feeds, search) use it too.
    """


@hookspec
def socialflow_table_modules() -> list[str]:
    """Dotted module names defining SQLModel tables, imported before migrations
    compare the models with the database (``socialflow migrate --check``)."""


@hookspec
def socialflow_beat_schedule(settings: Settings) -> dict[str, dict[str, Any]]:
    """Periodic tasks for Celery beat: ``{"entry-name": {"task", "schedule", "options"}}``."""


@hookspec
def socialflow_platform_start(platform: Platform) -> None:
    """Attach what this plugin needs to a starting platform.

    Called once per :meth:`Platform.start <socialflow.core.platform.Platform.start>`,
    after the database sessions exist: register per-platform objects with
    ``platform.attach(Key, factory, close=...)`` (closed by ``Platform.stop()``),
    session listeners with ``platform.listen_sessions(...)`` and commit
    observers with ``platform.on_commit(...)``.
    """


@hookspec
def socialflow_platform_serving(platform: Platform) -> None:
    """The platform starts serving HTTP (the app's lifespan began), in this process.

    For work that belongs in API processes and not in workers or CLI commands
    (the live app's RTMP ingest): start it here, attached to the platform so
    that ``Platform.stop()`` ends it. Called after ``socialflow_platform_start``.
    """


@hookspec
def socialflow_export_account(
    session: Session, user_id: int, settings: Settings, platform: PlatformFacade
) -> dict[str, Any]:
    """This plugin's part of a user's data export (``GET /users/me/export``).

    Return ``{"section": [...]}`` with plain JSON values; the sections of every
    app are merged into one document.
    """


@hookspec
def socialflow_object_deleting(
    session: Session, kind: str, object_id: Any, settings: Settings, platform: PlatformFacade
) -> None:
    """An object (``kind`` "video", "post", ...) is being deleted in ``session``'s
    transaction: drop or detach the rows of yours that point at it, without
    committing. For work after the commit, listen to the matching event instead.
    """


@hookspec
def socialflow_audiences() -> list[Audience]:
    """Visibilities this plugin adds to posts and videos (``subscribers``).

    Each :class:`~socialflow.plugins.audiences.Audience` names the value
    stored in ``visibility`` and says which authors admit a viewer, in Python
    and in SQL; the social and video apps' visibility rule consults every
    registered audience on every route that shows posts or videos.
    """


@hookspec
def socialflow_runtime_settings() -> list[RuntimeSetting]:
    """Fields of this plugin's settings section that admins may change at run time.

    Each :class:`~socialflow.plugins.runtime_settings.RuntimeSetting` names
    the section's model and one field; ``/api/v1/admin/settings`` lists and
    changes exactly those, validated by the model. Read the section with
    :func:`~socialflow.plugins.runtime_settings.current_settings` where a
    change must apply, and name only fields read at the time of use (not,
    say, a beat interval fixed when the worker starts).
    """


@hookspec
def socialflow_notification_kinds() -> list[NotificationKind]:
    """Notification kinds this plugin adds to users' inboxes (``stream_started``).

    Each :class:`~socialflow.plugins.notification_kinds.NotificationKind`
    names the kind and turns the plugin's own events into notification
    requests, written in the events' transaction under the inbox's rules and
    delivered through each recipient's per-kind preferences.
    """


@hookspec
def socialflow_counters(session: Session, kind: str, ids: list[Any]) -> dict[Any, dict[str, int]]:
    """Counters this plugin shows on other apps' objects, for a whole page at once.

    ``kind`` is ``"user"``, ``"post"`` or ``"video"`` and ``ids`` the objects
    about to be returned; answer ``{id: {"name": value}}`` for the ones you
    count (one query per call, not per id). The values appear under the
    object's ``counters`` field. Runs on read paths: keep it to indexed
    lookups, and return ``{}`` for kinds you do not count.
    """


@hookspec
def socialflow_feed_inserts(
    feed: str,
    viewer_id: int,
    items: list[dict[str, Any]],
    language: str | None,
    settings: Settings,
    platform: PlatformFacade,
) -> list[dict[str, Any]]:
    """Items to show between the posts of a feed page (ads), for one viewer.

    ``feed`` is ``"home"``; ``items`` the page's posts as the client gets
    them; ``language`` the primary tag of the request's ``Accept-Language``.
    Return dicts with an integer ``position`` (how many of the page's posts
    come before it) and what the client needs to show it; they are merged
    into the page's ``inserts`` list, never cached with the page. Runs on
    every home page read, in a worker thread: keep it to a few indexed queries.
    """


# ---------------------------------------------------------------------- events


@hookspec
def socialflow_on_event(event: Event, settings: Settings, platform: PlatformFacade) -> None:
    """Be told about a domain event after its transaction committed.

    Runs in the process that made the change; do slow work by enqueueing a
    Celery task. Exceptions are logged and swallowed so that one plugin
    cannot break another or the request.
    """


# --------------------------------------------------------------------- filters


@hookspec(firstresult=True)
def socialflow_filter_post(
    post: dict[str, Any], settings: Settings, platform: PlatformFacade
) -> dict[str, Any] | None:
    """Change or veto a post before it is stored.

    ``post`` has ``author_id``, ``text``, ``visibility`` and ``video_id``.
    Return a changed copy, or ``None`` to leave it as it is; raise
    :class:`ContentRejected` to refuse it. Filters run one after another,
    each seeing the previous one's result.
    """


@hookspec(firstresult=True)
def socialflow_filter_comment(
    comment: dict[str, Any], settings: Settings, platform: PlatformFacade
) -> dict[str, Any] | None:
    """Like :func:`socialflow_filter_post`, for comments (``author_id``, ``post_id``, ``text``)."""


@hookspec(firstresult=True)
def socialflow_filter_profile(
    profile: dict[str, Any], settings: Settings, platform: PlatformFacade
) -> dict[str, Any] | None:
    """Like :func:`socialflow_filter_post`, for profile edits (``display_name``, ``bio``)."""


# -------------------------------------------------------------------- learning


@hookspec
def socialflow_recommenders(settings: Settings) -> dict[str, Callable[[Settings], Recommender]]:
    """Recommenders by name (the recommendations app's ``recommender`` setting).

    See :class:`~socialflow.plugins.learning.Recommender`: "for you", "who to
    follow" and "more like this". Without one the app serves its fallbacks.
    """


@hookspec
def socialflow_viral_models(settings: Settings) -> dict[str, Callable[[Settings], ViralModel]]:
    """Viral prediction models by name (see :class:`~socialflow.plugins.learning.ViralModel`)."""


@hookspec
def socialflow_text_embedders(
    settings: Settings,
) -> dict[str, Callable[[Settings], TextEmbedder]]:
    """Sentence embedders by name (selected by ``text_embedder``; unset: the only one).

    See :class:`~socialflow.plugins.learning.TextEmbedder`. Apps get the active
    one from ``platform.plugins.text_embedder()`` (``None`` when none is
    installed) and keep their exact behaviour without it: the insights app
    matches a draft's keywords to similar hashtags in use. Return ``{}`` when
    the model is not installed or switched off, rather than a factory that fails.
    """


@hookspec
def socialflow_rank_features(
    session: Session | Connection, candidates: list[FeedCandidate], context: FeedContext
) -> None:
    """Add per-viewer signals to feed candidates before the ranker sees them.

    Write into each candidate's ``features`` dict (``author_affinity``,
    ``topic_interest``...), with one batched query per call. Runs on every
    feed page built, so keep it to indexed lookups.
    """


@hookspec
def socialflow_feed_served(
    feed: str,
    viewer_id: int | None,
    ranker: str,
    post_ids: list[int],
    settings: Settings,
    platform: PlatformFacade,
) -> None:
    """A feed page was built: ``post_ids`` in the order shown, ranked by ``ranker``.

    For impression logging. Called on the request path: buffer and write in
    batches, never one write per call. Cached pages served again are not
    reported.
    """
