"""Settings an admin may change while the platform runs.

Settings come from ``socialflow.toml`` and the environment, are validated at
start and are then fixed. A few are decisions an operator makes day to day
rather than at deploy time (whether sign-ups are open, whether new videos
wait for a moderator): an app names those fields of its own settings section
through the ``socialflow_runtime_settings`` hook, and an admin changes them
through ``/api/v1/admin/settings`` (the moderation app keeps the values, the
audit log keeps who changed what). Only the fields named are changeable: the
allow-list is the union of these declarations.

An app reads its section with :func:`current_settings` instead of
``platform.plugin_settings`` where a changed value must apply; with no app
keeping runtime values (moderation switched off) that is the file's values.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeVar

from pydantic import BaseModel

if TYPE_CHECKING:
    from socialflow.core.platform import Platform

ModelT = TypeVar("ModelT", bound=BaseModel)


@dataclass(frozen=True)
class RuntimeSetting:
    """One field of a settings section that admins may change at run time.

    ``model`` is the section's model, as returned by the app's
    ``socialflow_settings_model``; ``field`` one of its fields. The value an
    admin sets is validated by the model, with every constraint the file's
    value has.
    """

    model: type[BaseModel]
    field: str

    def __post_init__(self) -> None:
        if self.field not in self.model.model_fields:
            raise ValueError(f"{self.model.__name__} has no field {self.field!r}")


class RuntimeSettingsSource:
    """Where the values admins set are kept: this base keeps none (the file's values).

    The moderation app attaches a subclass to the platform under this class,
    so that an app below the one that keeps the values reads them without
    importing it.
    """

    def __init__(self, platform: Platform) -> None:
        self._platform = platform

    def current(self, model: type[ModelT]) -> ModelT:
        """``model``'s section: the file's values with the admins' changes applied."""
        return self._platform.plugin_settings(model)


def current_settings(platform: Platform, model: type[ModelT]) -> ModelT:
    """The section ``model`` as it stands now, admins' runtime changes included."""
    try:
        source = platform.get(RuntimeSettingsSource)
    except LookupError:
        return platform.plugin_settings(model)
    return source.current(model)
