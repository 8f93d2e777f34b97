"""Deprecated: import from :mod:`socialflow.core.settings` (this alias goes in the next release)."""

from __future__ import annotations

import warnings

from socialflow.core.settings import *  # noqa: F403
from socialflow.core.settings import (  # noqa: F401 - the names this module offered
    CommaList,
    Settings,
    SettingsError,
    load_settings,
    require_plugin_settings,
)

warnings.warn(
    "socialflow.settings moved to socialflow.core.settings; the old name goes in the next release",
    DeprecationWarning,
    stacklevel=2,
)
