"""What is installed, as ``socialflow plugins list`` shows it: one report per plugin.

Each loaded plugin (apps included) with its distribution and version, the
hooks it implements, the providers it registers by kind (and which are
active), its settings section with secrets masked, and the health of its
active providers that can check themselves (storage backends' ``check()``).
The CLI renders these as a table or JSON; nothing here prints.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from importlib import metadata
from typing import TYPE_CHECKING, Any, cast

from pydantic import BaseModel, SecretBytes, SecretStr
from pydantic_core import to_jsonable_python

from socialflow.plugins.manager import PROVIDER_HOOKS, PluginInfo, call_order

if TYPE_CHECKING:
    from socialflow.plugins.manager import SocialflowPluginManager

MASK = "********"
# Setting names whose values are secrets even when the model types them as plain str.
SECRET_NAME = re.compile(r"key|secret|token|password|passwd|credential", re.IGNORECASE)


@dataclass
class ProviderEntry:
    kind: str
    name: str
    active: bool


@dataclass
class Health:
    """One active provider's own check: ``ok`` and what it said (or why it failed)."""

    kind: str
    name: str
    ok: bool
    detail: str


@dataclass
class PluginReport:
    name: str
    module: str
    source: str
    distribution: str | None
    version: str | None
    hooks: list[str]
    providers: list[ProviderEntry] = field(default_factory=list)
    settings_section: str | None = None
    settings: dict[str, Any] | None = None
    settings_error: str | None = None
    health: list[Health] = field(default_factory=list)
    error: str | None = None

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


def mask(value: Any, name: str = "") -> Any:
    """``value`` as plain JSON values, with secrets replaced by :data:`MASK`.

    A secret is a ``SecretStr``/``SecretBytes``, or any non-empty value under a
    name like ``*key*``, ``*secret*``, ``*token*`` or ``*password*``; nested
    models, mappings and lists are masked the same way.
    """
    if isinstance(value, SecretStr | SecretBytes):
        return MASK if value.get_secret_value() else ""
    if isinstance(value, BaseModel):
        return {key: mask(getattr(value, key), key) for key in type(value).model_fields}
    if isinstance(value, Mapping):
        return {str(key): mask(item, str(key)) for key, item in value.items()}
    if name and SECRET_NAME.search(name) and value not in (None, "", [], {}):
        return MASK
    if isinstance(value, list | tuple | set | frozenset):
        return [mask(item, name) for item in value]
    return to_jsonable_python(value, fallback=str)


def collect(manager: SocialflowPluginManager, *, health: bool = True) -> list[PluginReport]:
    """A report per plugin the manager loaded (or failed to), by name."""
    reports = {name: _report(info) for name, info in sorted(manager.infos.items())}
    _add_providers(manager, reports, health=health)
    _add_settings(manager, reports)
    return list(reports.values())


def _report(info: PluginInfo) -> PluginReport:
    distribution, version = info.distribution, info.version
    if distribution is None:
        distribution, version = _distribution_of(info.module)
    return PluginReport(
        name=info.name,
        module=info.module,
        source=info.source,
        distribution=distribution,
        version=version,
        hooks=list(info.hooks),
        error=info.error,
    )


def _distribution_of(module: str) -> tuple[str | None, str | None]:
    """The installed distribution that ships ``module`` (apps, ``plugin_modules``), if any."""
    top = module.split(":", 1)[0].split(".", 1)[0]
    # The same distribution may be seen twice (an editable install run from its checkout).
    names = sorted(set(metadata.packages_distributions().get(top) or []))
    if len(names) != 1:
        return None, None
    try:
        return names[0], metadata.version(names[0])
    except metadata.PackageNotFoundError:
        return names[0], None


def _add_providers(
    manager: SocialflowPluginManager, reports: dict[str, PluginReport], *, health: bool
) -> None:
    for kind in PROVIDER_HOOKS:
        active = manager.active_names(kind)
        for name, (owner, _factory) in manager.provider_factories(kind).items():
            report = reports.get(owner)
            if report is None:  # a name added by a wrapper: no single plugin owns it
                continue
            report.providers.append(ProviderEntry(kind, name, name in active))
            if health and name in active:
                checked = _check(manager, kind, name)
                if checked is not None:
                    report.health.append(checked)


def _check(manager: SocialflowPluginManager, kind: Any, name: str) -> Health | None:
    """Build the provider and run its ``check()``, if it has one; failures are reported."""
    try:
        provider = manager.provider(kind, name)
        probe = getattr(provider, "check", None)
        if not callable(probe):
            return None
        return Health(kind, name, True, str(probe() or "ok"))
    except Exception as exc:
        return Health(kind, name, False, f"{type(exc).__name__}: {exc}")


def _add_settings(manager: SocialflowPluginManager, reports: dict[str, PluginReport]) -> None:
    """Each plugin's ``socialflow_settings_model`` section, validated and masked."""
    for impl in call_order(manager.hook.socialflow_settings_model):
        report = reports.get(impl.plugin_name)
        if report is None:
            continue
        try:
            section, model = cast(tuple[str, type[BaseModel]], impl.function())
            report.settings_section = section
            report.settings = mask(manager.settings.plugin_config(section, model))
        except Exception as exc:
            report.settings_error = f"{type(exc).__name__}: {exc}"
