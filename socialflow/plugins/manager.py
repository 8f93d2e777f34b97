"""The plugin manager: loads plugins and hands out the active providers.

Loading is explicit and isolated: entry points in the ``socialflow`` group
(built-ins included), then modules named in ``plugin_modules``. A plugin that
fails to import is recorded with its error and skipped; it only stops the
platform if the provider it would have supplied is the active one, which
:meth:`SocialflowPluginManager.provider` reports by name.

Long because :class:`SocialflowPluginManager` is one piece of state (the loaded
plugins, their load errors, the hooks' call order and wrappers) that loading,
provider resolution and ``socialflow plugins list`` all read; the module-level
helpers reproduce pluggy's call order for it.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from functools import partial
from importlib import metadata
from types import ModuleType
from typing import TYPE_CHECKING, Any, Literal, cast

import pluggy
from pydantic import BaseModel

from socialflow.core.settings import Settings, SettingsError
from socialflow.plugins import specs
from socialflow.plugins.apps import LoadedApp, discover_apps
from socialflow.plugins.facade import ModelT, PlatformFacade, ProviderAccess
from socialflow.plugins.facade import ProviderKind as ProviderKind

if TYPE_CHECKING:
    from fastapi import APIRouter

    from socialflow.plugins.audiences import Audiences
    from socialflow.plugins.learning import TextEmbedder
    from socialflow.plugins.notification_kinds import NotificationKind
    from socialflow.plugins.runtime_settings import RuntimeSetting

logger = logging.getLogger(__name__)

# provider kind -> (hook name, settings attribute naming the active provider);
# the protocol each kind's providers satisfy is in the overloads of ``ProviderAccess``.
PROVIDER_HOOKS: dict[ProviderKind, tuple[str, str]] = {
    "storage": ("socialflow_storage_backends", "storage"),
    "payments": ("socialflow_payment_providers", "payments"),
    "ranker": ("socialflow_rankers", "ranker"),
    "streaming": ("socialflow_streaming_providers", "streaming"),
    "moderation": ("socialflow_moderators", "moderation"),
    "notification": ("socialflow_notification_channels", "notification_channels"),
    "search": ("socialflow_search_backends", "search"),
}


class PluginError(SettingsError):
    """A provider cannot be had: unknown name, or its plugin failed to load."""


@dataclass
class PluginInfo:
    """What ``socialflow plugins list`` shows of one plugin."""

    name: str
    module: str
    distribution: str | None = None
    version: str | None = None
    hooks: list[str] = field(default_factory=list)
    error: str | None = None
    # provider names this plugin's distribution declares it would supply, when
    # known; used to decide whether a failed import matters.
    source: Literal["app", "entry point", "settings"] = "entry point"


class SocialflowPluginManager(pluggy.PluginManager, ProviderAccess):
    """pluggy's manager plus provider lookup and filter chaining."""

    def __init__(self, settings: Settings) -> None:
        super().__init__(specs.PROJECT_NAME)
        self.settings = settings
        self.add_hookspecs(specs)
        self.infos: dict[str, PluginInfo] = {}
        self._provider_cache: dict[tuple[ProviderKind, str], Any] = {}
        self._audiences: Audiences | None = None
        self._notification_kinds: dict[str, NotificationKind] | None = None
        # The enabled apps in dependency order, and the ones switched off.
        self.apps: list[LoadedApp] = []
        self.disabled_apps: list[specs.AppInfo] = []
        # The platform this manager serves (see bind()); hooks that take
        # ``platform`` get it, or None for a manager used on its own.
        self.platform: PlatformFacade | None = None
        self._plugin_settings: dict[type[BaseModel], BaseModel] = {}
        self._text_embedder: tuple[TextEmbedder | None] | None = None

    def bind(self, platform: PlatformFacade) -> None:
        """Hand ``platform`` to every hook implementation that takes a ``platform`` argument."""
        self.platform = platform

    def hook_context(self) -> dict[str, Any]:
        """The arguments every context-taking hook gets besides its own: ``settings``
        and ``platform`` (an implementation names those it wants, as pluggy allows)."""
        return {"settings": self.settings, "platform": self.platform}

    # ------------------------------------------------------------------ loading

    def load(self) -> SocialflowPluginManager:
        """Register the apps, then entry-point plugins (restricted by ``plugins``) and
        named modules."""
        self._load_apps()
        wanted = set(self.settings.plugins) if self.settings.plugins is not None else None
        for entry_point in sorted(
            metadata.entry_points(group=specs.ENTRY_POINT_GROUP), key=lambda ep: ep.name
        ):
            if entry_point.name in self.infos:
                continue
            if wanted is not None and entry_point.name not in wanted:
                continue
            dist = getattr(entry_point, "dist", None)
            info = PluginInfo(
                name=entry_point.name,
                module=entry_point.value,
                distribution=dist.name if dist else None,
                version=dist.version if dist else None,
            )
            self._register_loaded(info, entry_point.load)
        for module_name in self.settings.plugin_modules:
            info = PluginInfo(name=module_name, module=module_name, source="settings")
            self._register_loaded(info, partial(importlib.import_module, module_name))
        return self

    def _load_apps(self) -> None:
        """Register each enabled app, the ones it requires first (see :mod:`.apps`).

        Apps are registered before providers, so a provider plugin's hook
        implementations run before theirs (pluggy calls the last registered
        first) and may wrap them.
        """
        self.apps, self.disabled_apps = discover_apps(set(self.settings.disabled_apps))
        for app in self.apps:
            info = PluginInfo(name=app.info.name, module=app.entry_point, source="app")
            self._register_loaded(info, lambda module=app.module: module)  # type: ignore[misc]
            if info.error:
                raise PluginError(f"app `{app.info.name}` could not be registered: {info.error}")

    def app_names(self) -> list[str]:
        """The enabled apps, in dependency order."""
        return [app.info.name for app in self.apps]

    def routers(
        self, apps: Collection[str] | None = None
    ) -> tuple[list[APIRouter], list[APIRouter]]:
        """The apps' routers (of ``apps`` only, if given) and the other plugins' ones.

        Apps come in dependency order (an app after the ones it builds on, so a
        literal path such as ``/users/me`` is tried before a later app's
        ``/users/{username}``); other plugins in pluggy's call order.
        """
        if apps is not None and not set(apps) <= set(self.app_names()):
            unknown = ", ".join(sorted(set(apps) - set(self.app_names())))
            raise PluginError(
                f"no enabled app is called {unknown}; enabled apps: {', '.join(self.app_names())}."
            )
        context = self.hook_context()
        hook = self.hook.socialflow_routers
        implementations = {id(impl.plugin): impl for impl in call_order(hook)}
        mounted = [
            router
            for app in self.apps
            if apps is None or app.info.name in apps
            if id(app.module) in implementations
            for router in _call_impl(implementations.pop(id(app.module)), context) or []
        ]
        app_modules = {id(app.module) for app in self.apps}
        others = [
            router
            for impl in implementations.values()
            if id(impl.plugin) not in app_modules
            for router in _call_impl(impl, context) or []
        ]
        return mounted, others

    def _register_loaded(self, info: PluginInfo, loader: Callable[[], Any]) -> None:
        self.infos[info.name] = info
        try:
            plugin = loader()
            self.register(plugin, name=info.name)
        except Exception as exc:  # a broken plugin must not take the others down
            info.error = f"{type(exc).__name__}: {exc}"
            logger.warning("plugin %s failed to load: %s", info.name, info.error)
            return
        info.hooks = sorted(
            hook.name
            for hook in self.get_hookcallers(plugin) or []
            if hook.name.startswith("socialflow_")
        )

    def register_module(self, module: ModuleType | object, name: str | None = None) -> None:
        """Register an in-process plugin (tests, embedding apps)."""
        plugin_name = str(name or getattr(module, "__name__", repr(module)))
        self.register(module, name=plugin_name)
        self.infos[plugin_name] = PluginInfo(
            name=plugin_name,
            module=plugin_name,
            source="settings",
            hooks=sorted(h.name for h in self.get_hookcallers(module) or []),
        )
        self._provider_cache.clear()
        self._plugin_settings.clear()
        self._audiences = None
        self._notification_kinds = None
        self._text_embedder = None

    def audiences(self) -> Audiences:
        """Every registered audience (``socialflow_audiences``), collected once."""
        if self._audiences is None:
            # Imported here: sqlalchemy is not for `socialflow --help`.
            from socialflow.plugins.audiences import Audiences

            found = [a for group in self.hook.socialflow_audiences() for a in group]
            self._audiences = Audiences(found)
        return self._audiences

    def notification_kinds(self) -> dict[str, NotificationKind]:
        """Every notification kind an app added (``socialflow_notification_kinds``), by name,
        collected once; two apps claiming one name is an error at the first use."""
        if self._notification_kinds is None:
            kinds: dict[str, NotificationKind] = {}
            for group in self.hook.socialflow_notification_kinds():
                for kind in group:
                    if kind.name in kinds:
                        raise ValueError(f"notification kind {kind.name!r} is added twice")
                    kinds[kind.name] = kind
            self._notification_kinds = kinds
        return self._notification_kinds

    def runtime_settings(self) -> dict[str, RuntimeSetting]:
        """The fields admins may change at run time (``socialflow_runtime_settings``), by
        ``"<section>.<field>"``; a model no plugin declares a section for is an error."""
        sections = {model: name for name, model in self.hook.socialflow_settings_model()}
        found: dict[str, RuntimeSetting] = {}
        for group in self.hook.socialflow_runtime_settings():
            for setting in group:
                if setting.model not in sections:
                    raise PluginError(
                        f"runtime setting {setting.field!r}: no settings section is declared "
                        f"for {setting.model.__name__} (socialflow_settings_model)"
                    )
                found[f"{sections[setting.model]}.{setting.field}"] = setting
        return found

    def counters(self, session: Any, kind: str, ids: Collection[Any]) -> dict[Any, dict[str, int]]:
        """Every plugin's ``socialflow_counters`` for ``ids``, merged per id."""
        merged: dict[Any, dict[str, int]] = {}
        if not ids or not self.hook.socialflow_counters.get_hookimpls():
            return merged
        for answer in self.hook.socialflow_counters(session=session, kind=kind, ids=list(ids)):
            for object_id, values in answer.items():
                merged.setdefault(object_id, {}).update(values)
        return merged

    def text_embedder(self) -> TextEmbedder | None:
        """The active sentence embedder (``socialflow_text_embedders``), built once, or ``None``.

        The one named by setting ``text_embedder``; unset, the only one
        registered, or ``None`` when none is (apps then keep their behaviour
        without embeddings) or several are (name one). A name no plugin
        registers is an error naming the setting.
        """
        if self._text_embedder is None:
            factories: dict[str, Callable[[Settings], TextEmbedder]] = {}
            for found in self.hook.socialflow_text_embedders(settings=self.settings):
                factories.update(found or {})
            wanted = self.settings.text_embedder
            if wanted is None and len(factories) != 1:
                if factories:
                    logger.warning(
                        "several text embedders are installed (%s) and setting "
                        "`text_embedder` names none: none is used",
                        ", ".join(sorted(factories)),
                    )
                self._text_embedder = (None,)
            else:
                name = wanted if wanted is not None else next(iter(factories))
                if name not in factories:
                    available = ", ".join(sorted(factories)) or "none"
                    raise PluginError(
                        f"setting `text_embedder` names `{name}`, which no loaded plugin "
                        f"provides. Available: {available}. Fix `text_embedder` in "
                        "socialflow.toml or SOCIALFLOW_TEXT_EMBEDDER, or install the plugin."
                    )
                self._text_embedder = (factories[name](self.settings),)
        return self._text_embedder[0]

    @property
    def failed(self) -> dict[str, str]:
        return {name: info.error for name, info in self.infos.items() if info.error}

    # ---------------------------------------------------------------- providers

    def provider_factories(
        self, kind: ProviderKind
    ) -> dict[str, tuple[str, Callable[[Settings], Any]]]:
        """All registered factories of one kind: name -> (plugin name, factory).

        The hook is called through pluggy, so wrappers run around it and the
        names come in pluggy's call order (``tryfirst`` first, ``trylast`` last).
        """
        hook_name, _ = PROVIDER_HOOKS[kind]
        hook = getattr(self.hook, hook_name)
        declarers = _declarers(hook, self.settings)
        factories: dict[str, tuple[str, Callable[[Settings], Any]]] = {}
        for result in hook(settings=self.settings):
            for provider_name, factory in (result or {}).items():
                owners = declarers.get(provider_name) or [_wrapper_names(hook)]
                owner = owners[min(1 if provider_name in factories else 0, len(owners) - 1)]
                if provider_name in factories:
                    raise PluginError(
                        f"{kind} provider `{provider_name}` is registered twice, by "
                        f"`{factories[provider_name][0]}` and `{owner}`; "
                        "uninstall one or restrict loading with SOCIALFLOW_PLUGINS."
                    )
                factories[provider_name] = (owner, factory)
        return factories

    def active_names(self, kind: ProviderKind) -> list[str]:
        _, attribute = PROVIDER_HOOKS[kind]
        value = getattr(self.settings, attribute)
        if value is None:
            return []
        return list(value) if isinstance(value, list) else [value]

    def _active_names(self, kind: ProviderKind) -> list[str]:
        return self.active_names(kind)

    def _provider(self, kind: ProviderKind, name: str | None) -> Any:
        """The provider of ``kind`` named ``name`` (default: the active one), built once;
        :meth:`provider` (typed by kind) calls this."""
        if name is None:
            active = self.active_names(kind)
            if not active:
                _, attribute = PROVIDER_HOOKS[kind]
                raise PluginError(
                    f"no {kind} provider is configured: install a plugin that provides one "
                    f"and name it in setting `{attribute}` (SOCIALFLOW_{attribute.upper()})."
                )
            name = active[0]
        key = (kind, name)
        if key not in self._provider_cache:
            factories = self.provider_factories(kind)
            if name not in factories:
                raise PluginError(self._unknown_provider_message(kind, name, factories))
            self._provider_cache[key] = factories[name][1](self.settings)
        return self._provider_cache[key]

    def _unknown_provider_message(
        self, kind: ProviderKind, name: str, factories: dict[str, Any]
    ) -> str:
        _, attribute = PROVIDER_HOOKS[kind]
        available = ", ".join(sorted(factories)) or "none"
        message = (
            f"setting `{attribute}` names {kind} provider `{name}`, which no loaded plugin "
            f"provides. Available: {available}. Fix `{attribute}` in socialflow.toml or "
            f"SOCIALFLOW_{attribute.upper()}, or install the plugin that provides `{name}`."
        )
        if self.failed:
            broken = "; ".join(f"{plugin}: {error}" for plugin, error in self.failed.items())
            message += f" These plugins failed to load and may be the one: {broken}."
        return message

    def check_active_providers(self) -> None:
        """Build every active provider now, so bad settings fail at start, not mid-request.

        A kind for which nothing at all is installed (say, no streaming
        provider) is skipped unless its setting was chosen explicitly: that
        feature is simply unavailable, and asking for it names the setting.
        """
        for kind, (_, attribute) in PROVIDER_HOOKS.items():
            chosen = attribute in self.settings.model_fields_set
            if not chosen and not self.provider_factories(kind):
                continue
            for name in self.active_names(kind):
                self.provider(kind, name)
        if self.settings.text_embedder is not None:  # named: built now, so a bad name fails here
            self.text_embedder()

    def validate_plugin_settings(self) -> None:
        """Validate each plugin's settings section (unknown keys, wrong types)."""
        for section, model in self.hook.socialflow_settings_model():
            self.settings.plugin_config(section, model)

    def plugin_settings(self, model: type[ModelT]) -> ModelT:
        """The validated ``[plugin.<section>]`` of the section declared with ``model``
        (through ``socialflow_settings_model``); validated once, then kept."""
        if model not in self._plugin_settings:
            sections = [s for s, m in self.hook.socialflow_settings_model() if m is model]
            if len(sections) != 1:
                found = "no plugin declares it" if not sections else f"sections {sections}"
                raise PluginError(
                    f"no single settings section for {model.__name__}: {found}; return "
                    f'("<section>", {model.__name__}) from socialflow_settings_model.'
                )
            self._plugin_settings[model] = self.settings.plugin_config(sections[0], model)
        return cast(ModelT, self._plugin_settings[model])

    # ------------------------------------------------------------------ filters

    def apply_filters(self, hook_name: str, value: dict[str, Any]) -> dict[str, Any]:
        """Run a filter hook as a chain: each implementation sees the previous result.

        The chain runs in pluggy's call order, as the one inner call inside
        the hook's wrappers (:meth:`_call_inside_wrappers`): a wrapper gets
        the value before the chain as its argument and the chain's result
        from its ``yield``, and may replace it or catch a veto.
        """
        hook = getattr(self.hook, hook_name)
        argument = hook.spec.argnames[0]  # the value; the others are the hook context
        context = self.hook_context()

        def chain(implementations: list[pluggy.HookImpl]) -> dict[str, Any]:
            current = value
            for impl in implementations:
                changed = _call_impl(impl, {argument: current, **context})
                if changed is not None:
                    current = changed
            return current

        result: dict[str, Any] | None = self._call_inside_wrappers(
            hook, {argument: value, **context}, chain
        )
        if result is None:
            # Only a wrapper can answer None (the chain always answers). Storing the
            # unfiltered value instead would let content past the filters: fail loudly.
            raise PluginError(
                f"{_wrapper_names(hook)} of `{hook_name}` returned None instead of the "
                "filtered value; a wrapper=True filter wrapper must `return (yield)` or a "
                "replacement."
            )
        return result

    def emit(self, event: specs.Event) -> None:
        """Deliver an event to every ``socialflow_on_event``; one failing plugin spares the rest.

        Implementations run in pluggy's order, inside the hook's wrappers; an
        exception from an implementation or a wrapper is logged and swallowed.
        """
        hook = self.hook.socialflow_on_event
        kwargs = {"event": event, **self.hook_context()}

        def deliver(implementations: list[pluggy.HookImpl]) -> None:
            for impl in implementations:
                try:
                    _call_impl(impl, kwargs)
                except Exception:
                    logger.exception("plugin %s failed on event %s", impl.plugin_name, event.name)

        try:
            self._call_inside_wrappers(hook, kwargs, deliver)
        except Exception:
            logger.exception("a wrapper of socialflow_on_event failed on event %s", event.name)

    def _call_inside_wrappers(
        self,
        hook: pluggy.HookCaller,
        kwargs: dict[str, Any],
        inner: Callable[[list[pluggy.HookImpl]], Any],
    ) -> Any:
        """Call ``hook`` through pluggy with ``inner`` standing in for all its plain
        implementations: ``inner`` gets them in pluggy's call order and runs them
        its own way (chained, isolated), while pluggy runs the wrappers
        (``wrapper=True`` and old-style ``hookwrapper=True``) around it.
        """
        plain = call_order(hook)
        wrappers_only = self.subset_hook_caller(
            hook.name, remove_plugins={impl.plugin for impl in plain}
        )
        return wrappers_only.call_extra([lambda: inner(plain)], kwargs)

    def register(self, plugin: object, name: str | None = None) -> str | None:
        """pluggy's ``register``, refusing what socialflow could not honour (see
        :func:`_unhonourable`): the plugin is not registered and the error names it."""
        plugin_name = super().register(plugin, name)
        problem = _unhonourable(self, plugin)
        if problem:
            self.unregister(plugin)
            raise pluggy.PluginValidationError(plugin, f"plugin {plugin_name or name!r}: {problem}")
        return plugin_name


# Hooks socialflow calls implementation by implementation (chained filters,
# isolated event handlers) inside the hook's wrappers.
CHAINED_HOOKS = (
    "socialflow_filter_post",
    "socialflow_filter_comment",
    "socialflow_filter_profile",
    "socialflow_on_event",
)


def _is_wrapper(impl: pluggy.HookImpl) -> bool:
    return bool(impl.wrapper or impl.hookwrapper)


def call_order(hook: pluggy.HookCaller) -> list[pluggy.HookImpl]:
    """The hook's plain (non-wrapper) implementations in the order pluggy calls them:
    ``tryfirst`` ones, then the others from the last registered to the first,
    then ``trylast`` ones (pluggy keeps them in reverse call order)."""
    return [impl for impl in reversed(hook.get_hookimpls()) if not _is_wrapper(impl)]


def _call_impl(impl: pluggy.HookImpl, kwargs: dict[str, Any]) -> Any:
    """Call one implementation as pluggy does: only the arguments it declares.

    One that takes ``platform`` when the manager serves none (used on its own,
    as some tests do) is refused by name rather than handed ``None``.
    """
    if "platform" in impl.argnames and kwargs.get("platform") is None:
        raise PluginError(
            f"plugin {impl.plugin_name}: {impl.function.__name__} takes `platform`, but this "
            "plugin manager runs without one; use a started Platform's `plugins`."
        )
    return impl.function(*(kwargs[name] for name in impl.argnames))


def _unhonourable(manager: pluggy.PluginManager, plugin: object) -> str | None:
    """Why ``plugin``'s implementations cannot be called as pluggy defines, if they cannot.

    A chained hook's wrappers run around the whole chain, so a plugin that both
    wraps such a hook and implements it (through ``specname``) cannot have its
    wrapper around its own implementation.
    """
    for hook in manager.get_hookcallers(plugin) or []:
        if hook.name not in CHAINED_HOOKS:
            continue
        own = [impl for impl in hook.get_hookimpls() if impl.plugin is plugin]
        if any(_is_wrapper(impl) for impl in own) and not all(_is_wrapper(impl) for impl in own):
            return (
                f"it both implements and wraps `{hook.name}`; socialflow runs a wrapper "
                "around the whole chain of that hook, so put the wrapper in a plugin of its own"
            )
    return None


def _declarers(hook: pluggy.HookCaller, settings: Settings) -> dict[str, list[str]]:
    """Provider name -> the plugins declaring it, in pluggy's call order (for messages
    and ``socialflow plugins list``; provider hooks only return a dict, so asking again
    is cheap)."""
    declarers: dict[str, list[str]] = {}
    for impl in call_order(hook):
        for provider_name in _call_impl(impl, {"settings": settings}) or {}:
            declarers.setdefault(provider_name, []).append(impl.plugin_name)
    return declarers


def _wrapper_names(hook: pluggy.HookCaller) -> str:
    """Who else may have added a provider name: the hook's wrappers."""
    names = [impl.plugin_name for impl in hook.get_hookimpls() if _is_wrapper(impl)]
    return "a wrapper in " + ", ".join(names) if names else "a wrapper"


def get_plugin_manager(settings: Settings) -> SocialflowPluginManager:
    """Build and load a plugin manager for ``settings`` (no global state)."""
    return SocialflowPluginManager(settings).load()
