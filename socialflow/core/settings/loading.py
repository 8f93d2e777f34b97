"""Loading the settings: :func:`load_settings`, unknown variables, plugin sections.

Precedence, highest first: keyword arguments, environment variables,
``<project_dir>/socialflow.toml``, defaults. Validation errors become one
:class:`SettingsError` naming each setting and the fix; a ``SOCIALFLOW_*``
variable that names no setting is warned about (once a process), since it
would otherwise be ignored silently.
"""

from __future__ import annotations

import difflib
import logging
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, get_args, get_origin

from pydantic import BaseModel, ValidationError
from pydantic_settings import SettingsError as SourceError

from socialflow.core.settings.base import ENV_PREFIX, SETTINGS_FILE, SettingsError, explain
from socialflow.core.settings.model import Settings


def require_plugin_settings(
    config: BaseModel, *, section: str, names: tuple[str, ...], provider: str
) -> None:
    """Fail naming each missing key of a plugin section that its active provider needs.

    A plugin's settings model keeps such keys optional, so that merely
    installing the plugin never breaks a project that does not use it; the
    provider calls this when it is built (at start, for active providers).
    """
    missing = [name for name in names if getattr(config, name, None) is None]
    if missing:
        raise SettingsError(
            "; ".join(
                f"setting `plugin.{section}.{name}` is required when {provider}. Set `{name}` "
                f"under [plugin.{section}] in {SETTINGS_FILE} or the "
                f"{ENV_PREFIX}PLUGIN__{section.upper()}__{name.upper()} environment variable"
                for name in missing
            )
        )


# ``SOCIALFLOW_*`` variables that are not settings: the test kit's knobs
# (socialflow.testing), the CLI's own. Plugins may add theirs here.
NON_SETTING_ENV_PREFIXES: set[str] = {f"{ENV_PREFIX}TEST_", f"{ENV_PREFIX}CONFORMANCE_"}
NON_SETTING_ENV_VARS: set[str] = {f"{ENV_PREFIX}NEW_USER_PASSWORD"}
_settings_logger = logging.getLogger("socialflow.core.settings")
_warned_env_vars: set[str] = set()


def _known_path(model: type[BaseModel], parts: list[str]) -> tuple[bool, str | None]:
    """Whether ``parts`` (lower-case, split on ``__``) name a setting of ``model``; if not,
    the closest valid name as a dotted path (None if nothing is close)."""
    head, rest = parts[0], parts[1:]
    fields = model.model_fields
    if head not in fields:
        matches = difflib.get_close_matches(head, list(fields), n=1)
        return False, matches[0] if matches else None
    path = [head]
    annotation: Any = fields[head].annotation
    while rest and annotation is not Any:
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            known, close = _known_path(annotation, rest)
            return known, ".".join([*path, close]) if close else None
        if get_origin(annotation) is not dict:
            return False, ".".join(path)  # a plain value has no parts
        path.append(rest[0])  # a dict's keys are free (``oauth.<provider>``)
        annotation, rest = get_args(annotation)[1], rest[1:]
    return True, None


def unknown_env_vars(environ: Mapping[str, str]) -> list[tuple[str, str | None]]:
    """``SOCIALFLOW_*`` variables that name no setting, each with the closest setting's
    variable (or None). Nested settings use ``__``: ``SOCIALFLOW_RATE_LIMITS__ENABLED``."""
    found = []
    for name in environ:
        upper = name.upper()  # pydantic-settings reads them case-insensitively
        if not upper.startswith(ENV_PREFIX) or upper in NON_SETTING_ENV_VARS:
            continue
        if any(upper.startswith(prefix) for prefix in NON_SETTING_ENV_PREFIXES):
            continue
        parts = upper.removeprefix(ENV_PREFIX).lower().split("__")
        known, close = _known_path(Settings, parts)
        if not known:
            suggestion = ENV_PREFIX + close.upper().replace(".", "__") if close else None
            found.append((name, suggestion))
    return found


def _warn_about_unknown_env_vars() -> None:
    """A misspelled variable is otherwise silently ignored (a misspelled TOML key fails)."""
    for name, suggestion in unknown_env_vars(os.environ):
        if name in _warned_env_vars:
            continue
        _warned_env_vars.add(name)
        hint = f"; did you mean {suggestion}?" if suggestion else ""
        _settings_logger.warning(
            "Ignoring environment variable %s: no socialflow setting has that name%s",
            name,
            hint,
        )


def load_settings(project_dir: str | Path | None = None, **overrides: Any) -> Settings:
    """Build :class:`Settings`, turning validation errors into :class:`SettingsError`.

    Warns (once per process, on the ``socialflow.core.settings`` logger) about each
    ``SOCIALFLOW_*`` environment variable that names no setting.
    """
    if project_dir is not None:
        overrides["project_dir"] = Path(project_dir)
    _warn_about_unknown_env_vars()
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        raise SettingsError(explain(exc)) from exc
    except SourceError as exc:  # a value pydantic-settings could not even decode
        raise SettingsError(
            f"Invalid settings: {exc}. Fix it in {SETTINGS_FILE} or the environment."
        ) from exc
