"""Settings: ``SOCIALFLOW_*`` environment variables over ``socialflow.toml``.

Precedence, highest first: keyword arguments, environment variables,
``<project_dir>/socialflow.toml``, defaults. The project directory is the
``project_dir`` argument, else ``SOCIALFLOW_PROJECT_DIR``, else the current
directory; embedded defaults (SQLite database, media folder, broker file) live
inside it so a project is one folder.

Import from here; the package is split by job: :mod:`.base` (names, the
error, list values, the TOML source), :mod:`.sections` (nested tables),
:mod:`.model` (the :class:`Settings` model), :mod:`.checks` (what the model
checks on itself) and :mod:`.loading` (:func:`load_settings`, unknown
variables, plugin sections).
"""

from __future__ import annotations

from socialflow.core.settings.base import (
    ENV_PREFIX,
    SETTINGS_FILE,
    CommaList,
    ProjectTomlSource,
    SettingsError,
)
from socialflow.core.settings.checks import (
    MIN_SECRET_LENGTH,
    SECRET_HOWTO,
    WEAK_SECRETS,
    weak_secret_problem,
)
from socialflow.core.settings.loading import (
    NON_SETTING_ENV_PREFIXES,
    NON_SETTING_ENV_VARS,
    load_settings,
    require_plugin_settings,
    unknown_env_vars,
)
from socialflow.core.settings.model import ModelT, Settings
from socialflow.core.settings.sections import OAuthProviderSettings, RateLimitSettings

__all__ = [
    "ENV_PREFIX",
    "MIN_SECRET_LENGTH",
    "NON_SETTING_ENV_PREFIXES",
    "NON_SETTING_ENV_VARS",
    "SECRET_HOWTO",
    "SETTINGS_FILE",
    "WEAK_SECRETS",
    "CommaList",
    "ModelT",
    "OAuthProviderSettings",
    "ProjectTomlSource",
    "RateLimitSettings",
    "Settings",
    "SettingsError",
    "load_settings",
    "require_plugin_settings",
    "unknown_env_vars",
    "weak_secret_problem",
]
