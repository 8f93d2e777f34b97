"""Models on disk: ``.npz`` arrays in the model folder, reloaded when a newer file appears.

The worker that trains and the web processes that serve share the folder;
each process keeps the arrays it loaded and checks the file's modification
time (one ``stat``) before using them, so a retrained model is picked up
without a restart. Arrays only, no pickles: loading runs no code.
"""

from __future__ import annotations

import os
import tempfile
import threading
from pathlib import Path
from typing import Any

import numpy as np
from socialflow.core.settings import Settings

from socialflow_ml.settings import SECTION, MlSettings


def model_dir(settings: Settings) -> Path:
    config = settings.plugin_config(SECTION, MlSettings)
    return config.model_dir or settings.state_dir / "ml"


class ModelStore:
    """Named array bundles in one folder (thread-safe)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._cache: dict[str, tuple[float, dict[str, Any]]] = {}
        self._lock = threading.Lock()

    def path(self, name: str) -> Path:
        return self.folder / f"{name}.npz"

    def save(self, name: str, arrays: dict[str, Any]) -> None:
        """Write atomically (a reader never sees half a file)."""
        self.folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.folder, suffix=".npz.tmp")
        with os.fdopen(fd, "wb") as handle:
            np.savez(handle, **arrays)
        os.replace(tmp, self.path(name))
        with self._lock:
            self._cache.pop(name, None)

    def remove(self, name: str) -> None:
        """Forget the bundle ``name`` (no error when there is none)."""
        self.path(name).unlink(missing_ok=True)
        with self._lock:
            self._cache.pop(name, None)

    def load(self, name: str) -> dict[str, Any] | None:
        """The bundle ``name``, or ``None`` before it was ever trained."""
        path = self.path(name)
        try:
            mtime = path.stat().st_mtime
        except FileNotFoundError:
            return None
        with self._lock:
            cached = self._cache.get(name)
            if cached is not None and cached[0] == mtime:
                return cached[1]
        with np.load(path, allow_pickle=False) as data:
            arrays = {key: data[key] for key in data.files}
        with self._lock:
            self._cache[name] = (mtime, arrays)
        return arrays


_STORES: dict[Path, ModelStore] = {}
_STORES_LOCK = threading.Lock()


def store_for(settings: Settings) -> ModelStore:
    """One store per folder in a process (the rankers and recommenders share it)."""
    folder = model_dir(settings).resolve()
    with _STORES_LOCK:
        if folder not in _STORES:
            _STORES[folder] = ModelStore(folder)
        return _STORES[folder]
