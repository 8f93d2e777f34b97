"""Settings admins change while the platform runs: the values, their cache, the changes.

Apps name the fields admins may change through ``socialflow_runtime_settings``
(:mod:`socialflow.plugins.runtime_settings`); this app keeps what admins set
in ``moderation_runtime_settings`` (a row per setting that differs from the
file) and attaches a :class:`RuntimeSettingsStore` that every app reads
through ``current_settings``.

Each process keeps the values for ``runtime_settings_refresh_seconds`` (2 s
by default) and reads them again after that: a change applies at once in the
process that made it and within that time in every other, without a query per
request. A value that no longer validates (the file's constraints changed
since it was set) is skipped with a warning and the file's value applies.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from pydantic import BaseModel, ValidationError
from sqlalchemy import delete, select
from sqlmodel import Session, col

from socialflow.accounts import audit
from socialflow.accounts.models import User
from socialflow.core.db.base import iso_or_none, utcnow
from socialflow.core.errors import ValidationProblem
from socialflow.moderation.models import RuntimeSettingValue
from socialflow.plugins.runtime_settings import RuntimeSetting, RuntimeSettingsSource

if TYPE_CHECKING:
    from socialflow.core.platform import Platform

logger = logging.getLogger(__name__)

ModelT = TypeVar("ModelT", bound=BaseModel)


class RuntimeSettingsStore(RuntimeSettingsSource):
    """The admins' values, read from the database at most once per refresh period."""

    def __init__(self, platform: Platform, refresh_seconds: float) -> None:
        super().__init__(platform)
        self._refresh_seconds = refresh_seconds
        self._lock = threading.Lock()
        self._values: dict[str, Any] | None = None
        self._loaded_at = 0.0
        self._merged: dict[type[BaseModel], BaseModel] = {}

    def declared(self) -> dict[str, RuntimeSetting]:
        """Every field admins may change, by ``"<section>.<field>"``."""
        return self._platform.plugins.runtime_settings()

    def values(self) -> dict[str, Any]:
        """What admins set, by key (read again once the refresh period is over)."""
        with self._lock:
            fresh = time.monotonic() - self._loaded_at < self._refresh_seconds
            if self._values is not None and fresh:
                return self._values
        with self._platform.session(read_only=True) as session:
            rows = session.execute(
                select(col(RuntimeSettingValue.key), col(RuntimeSettingValue.value))
            ).all()
        with self._lock:
            self._values = dict(rows)
            self._loaded_at = time.monotonic()
            self._merged.clear()
            return self._values

    def invalidate(self) -> None:
        """Forget the values: the next read loads them (after this process changed them)."""
        with self._lock:
            self._values = None
            self._merged.clear()

    def current(self, model: type[ModelT]) -> ModelT:
        values = self.values()
        with self._lock:
            found = self._merged.get(model)
        if found is None:
            base = self._platform.plugin_settings(model)
            found = self._apply(model, base, values)
            with self._lock:
                self._merged[model] = found
        return found  # type: ignore[return-value]

    def _apply(self, model: type[ModelT], base: ModelT, values: Mapping[str, Any]) -> ModelT:
        merged = base
        for key, setting in self.declared().items():
            if setting.model is not model or key not in values:
                continue
            try:
                merged = validate_section(
                    self._platform, model, merged, {setting.field: values[key]}
                )
            except ValidationError:
                logger.warning("runtime setting %s no longer validates: the file's applies", key)
        return merged


def validate_section(
    platform: Platform, model: type[ModelT], base: BaseModel, changes: Mapping[str, Any]
) -> ModelT:
    """``base`` with ``changes``, validated by ``model`` as the file's values are."""
    context = {"environment": platform.settings.environment}
    return model.model_validate({**base.model_dump(), **changes}, context=context)


def store_of(platform: Platform) -> RuntimeSettingsStore:
    """The store this app attached to ``platform``."""
    store = platform.get(RuntimeSettingsSource)
    assert isinstance(store, RuntimeSettingsStore)
    return store


def describe(session: Session, platform: Platform) -> list[dict[str, Any]]:
    """Every setting admins may change: its value now, the file's, and who changed it."""
    store = store_of(platform)
    rows = {row.key: row for row in session.execute(select(RuntimeSettingValue)).scalars()}
    described = []
    for key, setting in sorted(store.declared().items()):
        model = setting.model
        now = store.current(model)
        info = model.model_fields[setting.field]
        schema = model.model_json_schema()["properties"].get(setting.field, {})
        row = rows.get(key)
        described.append(
            {
                "key": key,
                "description": info.description or "",
                "value": now.model_dump(mode="json")[setting.field],
                "file_value": platform.plugin_settings(model).model_dump(mode="json")[
                    setting.field
                ],
                "changed": row is not None,
                "updated_at": iso_or_none(row.updated_at) if row else None,
                "updated_by": row.updated_by if row else None,
                "schema": {k: v for k, v in schema.items() if k not in ("description", "title")},
            }
        )
    return described


def _unknown(keys: Iterable[str], allowed: Iterable[str]) -> ValidationProblem:
    listed = ", ".join(sorted(allowed))
    return ValidationProblem(
        f"Only these settings can be changed at run time: {listed}.",
        errors=[
            {"field": key, "message": "not a setting admins may change", "code": "unknown"}
            for key in sorted(keys)
        ],
    )


def change(
    session: Session,
    platform: Platform,
    *,
    admin: User,
    values: Mapping[str, Any],
    reset: Iterable[str],
    reason: str,
) -> None:
    """Set ``values`` and return ``reset`` to the file's values, all or nothing.

    Each section is validated as a whole with the changes applied (422 naming
    the keys that fail, nothing written); every change is audited
    (``platform_setting_changed``: key, old and new value, reason). The
    caller commits, then calls ``store_of(platform).invalidate()``.
    """
    store = store_of(platform)
    declared = store.declared()
    reset = list(dict.fromkeys(reset))
    unknown = [key for key in [*values, *reset] if key not in declared]
    if unknown:
        raise _unknown(unknown, declared)
    both = sorted(set(values) & set(reset))
    if both:
        raise ValidationProblem(
            "A setting cannot be set and reset at once.",
            errors=[
                {"field": key, "message": "both set and reset", "code": "conflict"} for key in both
            ],
        )
    by_model: dict[type[BaseModel], dict[str, Any]] = defaultdict(dict)
    for key, value in values.items():
        by_model[declared[key].model][key] = value
    validated: dict[str, Any] = {}
    for model, changes in by_model.items():
        fields = {declared[key].field: value for key, value in changes.items()}
        try:
            section = validate_section(platform, model, store.current(model), fields)
        except ValidationError as exc:
            raise _invalid(exc, changes) from exc
        dumped = section.model_dump(mode="json")
        validated.update({key: dumped[declared[key].field] for key in changes})
    before = {key: _dump(store, declared[key]) for key in [*validated, *reset]}
    now = utcnow()
    for key, value in validated.items():
        row = session.get(RuntimeSettingValue, key)
        if row is None:
            row = RuntimeSettingValue(key=key, value=value)
        row.value, row.updated_by, row.updated_at = value, admin.id, now
        session.add(row)
    if reset:
        session.execute(delete(RuntimeSettingValue).where(col(RuntimeSettingValue.key).in_(reset)))
    for key in [*validated, *reset]:
        new = validated[key] if key in validated else _file_value(platform, declared[key])
        audit.record(
            session,
            "platform_setting_changed",
            subject_user_id=None,
            actor_id=admin.id,
            key=key,
            old=before[key],
            new=new,
            reset=key in reset,
            reason=reason,
        )
    session.flush()


def _dump(store: RuntimeSettingsStore, setting: RuntimeSetting) -> Any:
    return store.current(setting.model).model_dump(mode="json")[setting.field]


def _file_value(platform: Platform, setting: RuntimeSetting) -> Any:
    return platform.plugin_settings(setting.model).model_dump(mode="json")[setting.field]


def _invalid(exc: ValidationError, changes: Mapping[str, Any]) -> ValidationProblem:
    """The model's errors, named by the keys the admin sent."""
    section_keys = {key.rpartition(".")[2]: key for key in changes}
    errors = []
    for error in exc.errors():
        field = str(error["loc"][0]) if error["loc"] else ""
        errors.append(
            {
                "field": section_keys.get(field, field),
                "message": error["msg"],
                "code": error["type"],
            }
        )
    return ValidationProblem("Some settings were not valid; nothing was changed.", errors=errors)
