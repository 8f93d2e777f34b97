"""The project template used by ``socialflow new``.

Files under ``template/`` are copied with ``{{name}}`` placeholders filled;
path parts ``__plugin__`` and ``__plugin_module__`` are renamed.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from importlib import resources
from importlib.abc import Traversable
from pathlib import Path

_PLACEHOLDER = re.compile(r"\{\{(\w+)\}\}")


@dataclass(frozen=True)
class ProjectSpec:
    name: str
    secret_key: str

    @property
    def plugin(self) -> str:
        return f"{self.slug}-plugin"

    @property
    def plugin_module(self) -> str:
        return f"{self.slug.replace('-', '_')}_plugin"

    @property
    def slug(self) -> str:
        return re.sub(r"[^a-z0-9]+", "-", self.name.lower()).strip("-") or "site"

    def values(self) -> dict[str, str]:
        return {
            "project_name": self.name,
            "secret_key": self.secret_key,
            "plugin": self.plugin,
            "plugin_module": self.plugin_module,
            "slug": self.slug,
        }


def new_spec(name: str) -> ProjectSpec:
    return ProjectSpec(name=name, secret_key=secrets.token_urlsafe(48))


def render_project(spec: ProjectSpec, target: Path) -> list[Path]:
    """Write the template into ``target``; returns the files written."""
    values = spec.values()
    written: list[Path] = []
    template = resources.files("socialflow.scaffold").joinpath("template")

    def walk(node: Traversable, relative: Path) -> None:
        for child in sorted(node.iterdir(), key=lambda c: c.name):
            if child.name == "__pycache__":
                continue
            name = (
                child.name.replace("__plugin_module__", spec.plugin_module)
                .replace("__plugin__", spec.plugin)
                .removesuffix(".tmpl")
            )
            if child.is_dir():
                walk(child, relative / name)
                continue
            text = _PLACEHOLDER.sub(lambda m: values[m.group(1)], child.read_text())
            path = target / relative / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
            written.append(path)

    walk(template, Path())
    return written
