"""Apps: the plugins that own a domain, loaded from ``socialflow.apps`` in dependency order.

An app's entry point names a light module of hook implementations (no
routers, tables or Celery imported at module level, so ``socialflow --help``
stays fast). Each app says what it is through ``socialflow_apps``; this
module checks what the operator switched off (``disabled_apps``) against
what is optional and what the others require, and orders the apps so that
each comes after the ones it requires. A missing or cyclic requirement, or
switching off an app that is not optional, stops the start with a message
that names the apps and the setting.
"""

from __future__ import annotations

from dataclasses import dataclass
from graphlib import CycleError, TopologicalSorter
from importlib import metadata
from types import ModuleType

from socialflow.core.settings import SettingsError
from socialflow.plugins.specs import APPS_ENTRY_POINT_GROUP, AppInfo


@dataclass(frozen=True)
class LoadedApp:
    """An app's declaration and the module implementing its hooks."""

    info: AppInfo
    module: ModuleType
    entry_point: str


def app_infos(module: ModuleType) -> list[AppInfo]:
    """The apps a hook module declares (usually one)."""
    declare = getattr(module, "socialflow_apps", None)
    return list(declare()) if declare is not None else []


def discover_apps(disabled: set[str]) -> tuple[list[LoadedApp], list[AppInfo]]:
    """Import every app's hook module; answer (the enabled apps in order, the switched-off ones)."""
    found: dict[str, LoadedApp] = {}
    for entry_point in sorted(
        metadata.entry_points(group=APPS_ENTRY_POINT_GROUP), key=lambda ep: ep.name
    ):
        module = entry_point.load()
        for info in app_infos(module):
            if info.name in found:
                raise SettingsError(
                    f"app `{info.name}` is installed twice: by {found[info.name].entry_point} "
                    f"and {entry_point.value}; uninstall one."
                )
            found[info.name] = LoadedApp(info, module, entry_point.value)
    return order_apps(found, disabled)


def order_apps(
    found: dict[str, LoadedApp], disabled: set[str]
) -> tuple[list[LoadedApp], list[AppInfo]]:
    """Check ``disabled`` against the apps found and order the rest by their requirements."""
    unknown = sorted(disabled - set(found))
    if unknown:
        raise SettingsError(
            f"setting `disabled_apps` names {', '.join(unknown)}, which no installed app is. "
            f"Installed apps: {', '.join(sorted(found))}."
        )
    for name in sorted(disabled):
        if not found[name].info.optional:
            raise SettingsError(
                f"setting `disabled_apps` names `{name}`, which cannot be switched off "
                f"(other parts of socialflow are built on it). Optional apps: "
                f"{', '.join(sorted(n for n, a in found.items() if a.info.optional)) or 'none'}."
            )
    enabled = {name: app for name, app in found.items() if name not in disabled}
    for name, app in sorted(enabled.items()):
        for required in app.info.requires:
            if required in disabled:
                raise SettingsError(
                    f"app `{name}` requires app `{required}`, which setting `disabled_apps` "
                    f"switches off: switch `{name}` off too, or keep `{required}`."
                )
            if required not in enabled:
                raise SettingsError(
                    f"app `{name}` requires app `{required}`, which is not installed."
                )
    sorter = TopologicalSorter({name: app.info.requires for name, app in sorted(enabled.items())})
    try:
        order = list(sorter.static_order())
    except CycleError as exc:
        raise SettingsError(f"apps require each other in a circle: {exc.args[1]}") from exc
    return [enabled[name] for name in order], [found[name].info for name in sorted(disabled)]
