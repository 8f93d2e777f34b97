"""The plugin manager: loads plugins and hands out the active providers.

Loading is explicit and isolated: entry points in the ``socialflow`` group
(built-ins included), then modules named in ``plugin_modules``. A plugin that
fails to import is recorded with its error and skipped; it only stops the
platform if the provider it would have supplied is the active one, which
:meth:`SocialflowPluginManager.provider` reports by name.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import metadata
from types import ModuleType
from typing import Any, Literal

import pluggy

from socialflow.plugins import specs
from socialflow.settings import Settings, SettingsError

logger = logging.getLogger(__name__)

ProviderKind = Literal[
    "storage", "payments", "ranker", "streaming", "moderation", "notification", "search"
]

# provider kind -> (hook name, settings attribute naming the active provider)
PROVIDER_HOOKS: dict[str, tuple[str, str]] = {
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
    source: Literal["entry point", "settings"] = "entry point"


class SocialflowPluginManager(pluggy.PluginManager):
    """pluggy's manager plus provider lookup and filter chaining."""

    def __init__(self, settings: Settings) -> None:
        super().__init__(specs.PROJECT_NAME)
        self.settings = settings
        self.add_hookspecs(specs)
        self.infos: dict[str, PluginInfo] = {}
        self._provider_cache: dict[tuple[str, str], Any] = {}

    # ------------------------------------------------------------------ loading

    def load(self) -> SocialflowPluginManager:
        """Register entry-point plugins (restricted by ``plugins``) and named modules."""
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
            self._register_loaded(info, lambda name=module_name: importlib.import_module(name))
        return self

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
        plugin_name = name or getattr(module, "__name__", repr(module))
        self.register(module, name=plugin_name)
        self.infos[plugin_name] = PluginInfo(
            name=plugin_name,
            module=plugin_name,
            source="settings",
            hooks=sorted(h.name for h in self.get_hookcallers(module) or []),
        )
        self._provider_cache.clear()

    @property
    def failed(self) -> dict[str, str]:
        return {name: info.error for name, info in self.infos.items() if info.error}

    # ---------------------------------------------------------------- providers

    def provider_factories(self, kind: str) -> dict[str, tuple[str, Callable[[Settings], Any]]]:
        """All registered factories of one kind: name -> (plugin name, factory)."""
        hook_name, _ = PROVIDER_HOOKS[kind]
        hook = getattr(self.hook, hook_name)
        factories: dict[str, tuple[str, Callable[[Settings], Any]]] = {}
        for impl in reversed(hook.get_hookimpls()):  # registration order
            result = impl.function()
            for provider_name, factory in (result or {}).items():
                if provider_name in factories and factories[provider_name][0] != impl.plugin_name:
                    raise PluginError(
                        f"{kind} provider `{provider_name}` is registered twice, by "
                        f"`{factories[provider_name][0]}` and `{impl.plugin_name}`; "
                        "uninstall one or restrict loading with SOCIALFLOW_PLUGINS."
                    )
                factories[provider_name] = (impl.plugin_name, factory)
        return factories

    def active_names(self, kind: str) -> list[str]:
        _, attribute = PROVIDER_HOOKS[kind]
        value = getattr(self.settings, attribute)
        return list(value) if isinstance(value, list) else [value]

    def provider(self, kind: str, name: str | None = None) -> Any:
        """The provider of ``kind`` named ``name`` (default: the active one), built once."""
        name = name or self.active_names(kind)[0]
        key = (kind, name)
        if key not in self._provider_cache:
            factories = self.provider_factories(kind)
            if name not in factories:
                raise PluginError(self._unknown_provider_message(kind, name, factories))
            self._provider_cache[key] = factories[name][1](self.settings)
        return self._provider_cache[key]

    def providers(self, kind: str) -> list[Any]:
        """Every active provider of a multi-valued kind (notification channels)."""
        return [self.provider(kind, name) for name in self.active_names(kind)]

    def _unknown_provider_message(self, kind: str, name: str, factories: dict[str, Any]) -> str:
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

    def validate_plugin_settings(self) -> None:
        """Validate each plugin's settings section (unknown keys, wrong types)."""
        for section, model in self.hook.socialflow_settings_model():
            self.settings.plugin_config(section, model)

    # ------------------------------------------------------------------ filters

    def apply_filters(self, hook_name: str, value: dict[str, Any]) -> dict[str, Any]:
        """Run a filter hook as a chain: each implementation sees the previous result."""
        for impl in reversed(getattr(self.hook, hook_name).get_hookimpls()):
            changed = impl.function(value)
            if changed is not None:
                value = changed
        return value

    def emit(self, event: specs.Event) -> None:
        """Deliver an event to every ``socialflow_on_event``; one failing plugin spares the rest."""
        for impl in reversed(self.hook.socialflow_on_event.get_hookimpls()):
            try:
                impl.function(event)
            except Exception:
                logger.exception("plugin %s failed on event %s", impl.plugin_name, event.name)


def get_plugin_manager(settings: Settings) -> SocialflowPluginManager:
    """Build and load a plugin manager for ``settings`` (no global state)."""
    return SocialflowPluginManager(settings).load()
