"""A plugin with secrets in its settings and a storage whose check fails
(used by tests/test_plugins_cli.py to see what ``socialflow plugins list`` shows)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, SecretStr

from socialflow import hookimpl
from socialflow.core.settings import Settings
from socialflow.plugins.protocols import StorageError


class VaultSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")
    region: str = "eu-west-1"
    api_key: SecretStr | None = None
    access_token: str | None = None  # a plain str, masked for its name
    db_password: str = ""
    nested: dict[str, str] = {}


class GoneStorage:
    """Only what ``plugins list`` touches: a name and a failing check."""

    name = "vault"

    def check(self) -> str:
        raise StorageError("vault storage: bucket `media` does not exist")


@hookimpl
def socialflow_settings_model() -> tuple[str, type[BaseModel]]:
    return ("vault", VaultSettings)


@hookimpl
def socialflow_storage_backends() -> dict[str, Any]:
    return {"vault": lambda settings: GoneStorage()}


@hookimpl
def socialflow_rankers(settings: Settings) -> dict[str, Any]:
    return {"vault-ranker": lambda _: None}
