"""The plugin package template used by ``socialflow plugin new KIND NAME``.

Files under ``plugin_template/common/`` are written for every kind, then
those under ``plugin_template/<kind>/`` (which replace common files of the
same path). ``{{placeholders}}`` are filled from :meth:`PluginSpec.values`;
the path part ``__module__`` becomes the package's import name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources
from importlib.abc import Traversable
from pathlib import Path

from socialflow._version import __version__

_PLACEHOLDER = re.compile(r"\{\{(\w+)\}\}")
_NAME = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")


@dataclass(frozen=True)
class Kind:
    """One kind of plugin: the hook it implements, the protocol and conformance suite."""

    hook: str
    protocol: str
    suite: str
    fixture: str
    class_suffix: str
    #: The project setting that selects a provider of this kind (``storage = "acme"``).
    setting: str
    what: str


KINDS: dict[str, Kind] = {
    "storage": Kind(
        "socialflow_storage_backends",
        "StorageBackend",
        "StorageConformance",
        "backend",
        "Storage",
        'storage = "{provider}"',
        "a storage backend (where media and uploads live)",
    ),
    "payments": Kind(
        "socialflow_payment_providers",
        "PaymentProvider",
        "PaymentProviderConformance",
        "provider",
        "Payments",
        'payments = "{provider}"',
        "a payment provider (subscriptions, tips, payouts)",
    ),
    "ranker": Kind(
        "socialflow_rankers",
        "Ranker",
        "RankerConformance",
        "ranker",
        "Ranker",
        'ranker = "{provider}"',
        "a feed ranker",
    ),
    "streaming": Kind(
        "socialflow_streaming_providers",
        "StreamingProvider",
        "StreamingProviderConformance",
        "provider",
        "Streaming",
        'streaming = "{provider}"',
        "a live streaming provider",
    ),
    "moderator": Kind(
        "socialflow_moderators",
        "Moderator",
        "ModeratorConformance",
        "moderator",
        "Moderator",
        'moderation = "{provider}"',
        "a content moderator",
    ),
    "notification": Kind(
        "socialflow_notification_channels",
        "NotificationChannel",
        "NotificationChannelConformance",
        "channel",
        "Channel",
        'notification_channels = ["{provider}"]',
        "a notification channel (email, push, webhook...)",
    ),
    "search": Kind(
        "socialflow_search_backends",
        "SearchBackend",
        "SearchBackendConformance",
        "search",
        "Search",
        'search = "{provider}"',
        "a search backend",
    ),
    "plain": Kind(
        "",
        "",
        "",
        "",
        "Plugin",
        "",
        "a plugin reacting to events, filtering content and adding routes and commands",
    ),
}


class PluginNameError(ValueError):
    """The plugin name cannot become a distribution and module name."""


@dataclass(frozen=True)
class PluginSpec:
    kind: str
    name: str

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise PluginNameError(f"unknown kind {self.kind!r}; one of: {', '.join(KINDS)}")
        if not _NAME.match(self.name):
            raise PluginNameError(
                f"invalid plugin name {self.name!r}: use lower-case letters and digits, "
                "words joined by single hyphens, starting with a letter (e.g. acme-cloud)"
            )

    @property
    def distribution(self) -> str:
        return f"socialflow-{self.name}"

    @property
    def module(self) -> str:
        return f"socialflow_{self.name.replace('-', '_')}"

    @property
    def provider_name(self) -> str:
        """The provider's and the settings section's name: ``storage = "acme_cloud"``."""
        return self.name.replace("-", "_")

    @property
    def class_prefix(self) -> str:
        return "".join(part.capitalize() for part in self.name.split("-"))

    def values(self) -> dict[str, str]:
        kind = KINDS[self.kind]
        provider_class = f"{self.class_prefix}{kind.class_suffix}"
        settings_class = f"{self.class_prefix}Settings"
        return {
            "name": self.name,
            "kind": self.kind,
            "kind_what": kind.what,
            "distribution": self.distribution,
            "module": self.module,
            "provider_name": self.provider_name,
            "section_env": self.provider_name.upper(),
            "provider_class": provider_class,
            "settings_class": settings_class,
            "hook": kind.hook,
            "protocol": kind.protocol,
            "suite": kind.suite,
            "fixture": kind.fixture,
            "project_setting": kind.setting.format(provider=self.provider_name),
            "socialflow_version": __version__.split("+")[0],
            "export_names": ", ".join(sorted([provider_class, settings_class])),
            "exports": ", ".join(f'"{name}"' for name in sorted([provider_class, settings_class])),
        }


def _files(node: Traversable, relative: Path) -> dict[Path, Traversable]:
    found: dict[Path, Traversable] = {}
    for child in sorted(node.iterdir(), key=lambda c: c.name):
        if child.name == "__pycache__":
            continue
        if child.is_dir():
            found.update(_files(child, relative / child.name))
        else:
            found[relative / child.name] = child
    return found


def render_plugin(spec: PluginSpec, target: Path) -> list[Path]:
    """Write the package for ``spec`` into ``target``; returns the files written."""
    values = spec.values()
    template = resources.files("socialflow.scaffold").joinpath("plugin_template")
    files = _files(template.joinpath("common"), Path())
    files.update(_files(template.joinpath(spec.kind), Path()))
    written: list[Path] = []
    for relative, source in sorted(files.items()):
        name = str(relative).replace("__module__", spec.module).removesuffix(".tmpl")
        text = _PLACEHOLDER.sub(lambda m: values[m.group(1)], source.read_text())
        path = target / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        written.append(path)
    return written
