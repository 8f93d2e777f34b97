"""The building blocks of the settings: names, the error, list values, the TOML file.

Shared by the model (:mod:`.model`), its checks and the loader: the
``SOCIALFLOW_`` prefix and ``socialflow.toml`` name every message points at,
:class:`SettingsError` (which names the setting and the fix), the
``a,b``-or-JSON list type and the source that reads the project's TOML file.
"""

from __future__ import annotations

import json
import os
import tomllib
from pathlib import Path
from typing import Annotated, Any

from pydantic import BeforeValidator, ValidationError
from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings, NoDecode, PydanticBaseSettingsSource

SETTINGS_FILE = "socialflow.toml"
ENV_PREFIX = "SOCIALFLOW_"


class SettingsError(Exception):
    """Settings are invalid; the message names the setting and the fix."""


def _split_list(value: Any) -> Any:
    """A list setting from the environment: ``a``, ``a,b`` or a JSON list ``["a", "b"]``.

    People type ``SOCIALFLOW_CORS_ORIGINS=https://app.example``; only a value
    that looks like JSON (starts with ``[``) is read as JSON.
    """
    if not isinstance(value, str):
        return value
    if value.lstrip().startswith("["):
        try:
            return json.loads(value)
        except json.JSONDecodeError as exc:
            raise ValueError(
                f"not a valid JSON list ({exc.msg}); write a,b or a JSON list of strings"
            ) from exc
    return [part.strip() for part in value.split(",") if part.strip()]


# A list of strings that environment variables give as "a,b" or a JSON list.
# NoDecode: pydantic-settings would otherwise insist on JSON and fail on "a".
CommaList = Annotated[list[str], NoDecode, BeforeValidator(_split_list)]


def _project_dir_from(init_kwargs: dict[str, Any]) -> Path:
    raw = init_kwargs.get("project_dir") or os.environ.get(f"{ENV_PREFIX}PROJECT_DIR") or "."
    return Path(raw).expanduser().resolve()


class ProjectTomlSource(PydanticBaseSettingsSource):
    """Reads ``socialflow.toml`` from the project directory, if there is one."""

    def __init__(self, settings_cls: type[BaseSettings], init_kwargs: dict[str, Any]) -> None:
        super().__init__(settings_cls)
        self.path = _project_dir_from(init_kwargs) / SETTINGS_FILE

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        # Unused: __call__ returns the whole file at once.
        return None, field_name, False

    def __call__(self) -> dict[str, Any]:
        if not self.path.is_file():
            return {}
        try:
            with self.path.open("rb") as fh:
                data = tomllib.load(fh)
        except tomllib.TOMLDecodeError as exc:
            raise SettingsError(
                f"{self.path} is not valid TOML: {exc}. Fix the file, or move it away "
                "to run on the defaults."
            ) from exc
        # [socialflow] table or top-level keys are both accepted.
        return dict(data.get("socialflow", data))


def explain(exc: ValidationError, *, prefix: str = "", env: str = "") -> str:
    """A validation error as one line per setting, each naming the TOML key and variable."""
    lines = []
    for error in exc.errors():
        message = error["msg"].removeprefix("Value error, ")
        if not error["loc"]:
            lines.append(message)
            continue
        name = ".".join(str(part) for part in error["loc"])
        env_name = f"{ENV_PREFIX}{env}{name.upper().replace('.', '__')}"
        lines.append(
            f"setting `{prefix}{name}`: {message}. "
            f"Fix `{prefix}{name}` in {SETTINGS_FILE} or the {env_name} environment variable."
        )
    return "Invalid settings:\n  " + "\n  ".join(lines)
