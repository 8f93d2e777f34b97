"""The platform as a plugin sees it: a small, stable facade, and typed provider lookup.

Hooks that run while a platform is up may take an argument named
``platform`` (pluggy passes an implementation only the arguments it names):
it is the running :class:`~socialflow.core.platform.Platform`, and what a
plugin may rely on across releases is exactly :class:`PlatformFacade`, its
settings, its own settings section, the providers, sessions and the
after-commit effects. Everything else on the object may change without
notice; ``docs/plugins.md`` ("The platform a hook gets") says the same.

:class:`ProviderAccess` holds the provider accessors typed by kind once, for
the plugin manager and the platform alike: ``provider("storage")`` is a
:class:`~socialflow.plugins.protocols.StorageBackend`, and so on.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Any, Literal, TypeVar, overload

from pydantic import BaseModel

from socialflow.plugins.protocols import (
    Moderator,
    NotificationChannel,
    PaymentProvider,
    Ranker,
    SearchBackend,
    StorageBackend,
    StreamingProvider,
)

if TYPE_CHECKING:
    from sqlmodel import Session

    from socialflow.core.settings import Settings

ProviderKind = Literal[
    "storage", "payments", "ranker", "streaming", "moderation", "notification", "search"
]
ModelT = TypeVar("ModelT", bound=BaseModel)


class ProviderAccess(ABC):
    """``provider(kind, name)`` and ``providers(kind)``, typed by kind's protocol.

    A subclass answers :meth:`_provider` and :meth:`_active_names`; the
    overloads here give callers the protocol of each kind.
    """

    @overload
    def provider(self, kind: Literal["storage"], name: str | None = None) -> StorageBackend: ...
    @overload
    def provider(self, kind: Literal["payments"], name: str | None = None) -> PaymentProvider: ...
    @overload
    def provider(self, kind: Literal["ranker"], name: str | None = None) -> Ranker: ...
    @overload
    def provider(
        self, kind: Literal["streaming"], name: str | None = None
    ) -> StreamingProvider: ...
    @overload
    def provider(self, kind: Literal["moderation"], name: str | None = None) -> Moderator: ...
    @overload
    def provider(
        self, kind: Literal["notification"], name: str | None = None
    ) -> NotificationChannel: ...
    @overload
    def provider(self, kind: Literal["search"], name: str | None = None) -> SearchBackend: ...

    def provider(self, kind: ProviderKind, name: str | None = None) -> Any:
        """The provider of ``kind`` named ``name`` (default: the active one), built once.

        Raises :class:`~socialflow.plugins.manager.PluginError` naming the
        setting when none is configured or no loaded plugin provides the name.
        """
        return self._provider(kind, name)

    @overload
    def providers(self, kind: Literal["storage"]) -> list[StorageBackend]: ...
    @overload
    def providers(self, kind: Literal["payments"]) -> list[PaymentProvider]: ...
    @overload
    def providers(self, kind: Literal["ranker"]) -> list[Ranker]: ...
    @overload
    def providers(self, kind: Literal["streaming"]) -> list[StreamingProvider]: ...
    @overload
    def providers(self, kind: Literal["moderation"]) -> list[Moderator]: ...
    @overload
    def providers(self, kind: Literal["notification"]) -> list[NotificationChannel]: ...
    @overload
    def providers(self, kind: Literal["search"]) -> list[SearchBackend]: ...

    def providers(self, kind: ProviderKind) -> list[Any]:
        """Every active provider of a multi-valued kind (notification channels)."""
        return [self._provider(kind, name) for name in self._active_names(kind)]

    @abstractmethod
    def _provider(self, kind: ProviderKind, name: str | None) -> Any:
        """The provider of ``kind`` called ``name`` (the active one for None)."""

    @abstractmethod
    def _active_names(self, kind: ProviderKind) -> list[str]:
        """The names of the active providers of ``kind``."""


class PlatformFacade(ProviderAccess, ABC):
    """What a plugin may use of the platform it runs in; stable across releases.

    * ``settings``: the deployment's :class:`~socialflow.core.settings.Settings`.
    * ``plugin_settings(Model)``: the plugin's own ``[plugin.<name>]`` section,
      validated by the model it returned from ``socialflow_settings_model``.
    * ``provider(kind, name=None)`` / ``providers(kind)``: the active providers,
      typed by their protocols.
    * ``session(read_only=False)``: a database session (a context manager);
      the caller commits.
    * ``record_event(session, name, **payload)`` and
      ``enqueue_after_commit(session, task, *args, queue=, **kwargs)``: events
      and Celery tasks that go out only once ``session`` commits.
    """

    settings: Settings

    @abstractmethod
    def session(self, *, read_only: bool = False) -> AbstractContextManager[Session]:
        """A new database session; the caller commits (rolled back if the block raises)."""

    @abstractmethod
    def plugin_settings(self, model: type[ModelT]) -> ModelT:
        """The ``[plugin.<section>]`` settings of the section ``model`` was declared for."""

    @staticmethod
    def record_event(session: Session, name: str, **payload: Any) -> None:
        """Queue a domain event for ``socialflow_on_event``, delivered after the commit."""
        from socialflow.core.effects import record_event

        record_event(session, name, **payload)

    @staticmethod
    def enqueue_after_commit(
        session: Session, name: str, *args: Any, queue: str = "default", **kwargs: Any
    ) -> None:
        """Send the Celery task ``name`` once ``session`` commits (never on rollback)."""
        from socialflow.core.effects import enqueue_after_commit

        enqueue_after_commit(session, name, *args, queue=queue, **kwargs)
