"""Sentence embeddings with all-MiniLM-L6-v2 on onnxruntime: no torch, no download.

The ONNX model is written once from the packaged safetensors weights
(:mod:`socialflow_ml.minilm_graph`) into the model folder, named after the
package version and graph version so an upgrade writes a new one; every
process then loads that file. Text is tokenized with the ``tokenizers``
library from the package's ``tokenizer.json`` (WordPiece, lowercased,
truncated to the model's 256 tokens), in batches sorted by length so little
padding is computed.
"""

from __future__ import annotations

import os
import tempfile
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from socialflow_ml import minilm_files
from socialflow_ml.minilm_graph import GRAPH_VERSION

NAME = "minilm"
DIMENSIONS = 384
BATCH = 32


def libraries_missing() -> str | None:
    """The first library the embedder needs that is not installed, or ``None``."""
    import importlib.util

    for name in ("onnxruntime", "onnx", "tokenizers", "safetensors"):
        if importlib.util.find_spec(name) is None:
            return name
    return None


def available() -> bool:
    """True when the model package and the libraries are installed."""
    return libraries_missing() is None and minilm_files.find() is not None


def onnx_path(folder: Path, files: minilm_files.MiniLMFiles) -> Path:
    """The ONNX model in ``folder``, written from the weights on first use (atomically)."""
    path = folder / f"all-MiniLM-L6-v2-{files.version}-g{GRAPH_VERSION}.onnx"
    if path.is_file():
        return path
    from safetensors.numpy import load

    from socialflow_ml.minilm_graph import build

    data = build(load(files.read("model.safetensors")), files.config())
    folder.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=folder, suffix=".onnx.tmp")
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    os.replace(tmp, path)
    return path


class Embedder:
    """Turns texts into unit-length 384-float vectors (thread-safe; onnxruntime sessions are)."""

    def __init__(self, folder: Path, *, threads: int = 1) -> None:
        import onnxruntime
        from tokenizers import Tokenizer

        files = minilm_files.find()
        if files is None:
            raise RuntimeError(f"all-MiniLM-L6-v2 is not installed: {minilm_files.INSTALL_HINT}")
        self.max_tokens = files.max_seq_length()
        tokenizer = Tokenizer.from_str(files.read("tokenizer.json").decode("utf-8"))
        tokenizer.no_padding()
        tokenizer.enable_truncation(max_length=self.max_tokens)
        self.tokenizer = tokenizer
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.log_severity_level = 3
        self.session = onnxruntime.InferenceSession(
            str(onnx_path(folder, files)), options, providers=["CPUExecutionProvider"]
        )

    def embed(self, texts: Sequence[str], *, batch: int = BATCH) -> np.ndarray:
        """One row per text, in order (``len(texts)`` x 384, float32, unit length)."""
        out = np.zeros((len(texts), DIMENSIONS), dtype=np.float32)
        if not texts:
            return out
        encoded = self.tokenizer.encode_batch(list(texts))
        order = sorted(range(len(texts)), key=lambda i: len(encoded[i].ids))
        for start in range(0, len(order), batch):
            chunk = order[start : start + batch]
            width = max(len(encoded[i].ids) for i in chunk)
            ids = np.zeros((len(chunk), width), dtype=np.int64)
            mask = np.zeros((len(chunk), width), dtype=np.int64)
            for row, i in enumerate(chunk):
                tokens = encoded[i].ids
                ids[row, : len(tokens)] = tokens
                mask[row, : len(tokens)] = 1
            (vectors,) = self.session.run(["embedding"], {"input_ids": ids, "attention_mask": mask})
            out[chunk] = vectors
        return out


_EMBEDDERS: dict[Path, Embedder] = {}
_LOCK = threading.Lock()


def embedder_for(folder: Path) -> Embedder | None:
    """One embedder per model folder in a process; ``None`` when the model is not installed."""
    if not available():
        return None
    key = folder.resolve()
    with _LOCK:
        if key not in _EMBEDDERS:
            _EMBEDDERS[key] = Embedder(key)
        return _EMBEDDERS[key]


class MiniLMTextEmbedder:
    """The plugin contract's ``TextEmbedder`` (``socialflow_text_embedders``) over
    :class:`Embedder`: plain float lists, and the ``tag_similarity`` of ``[plugin.ml]``."""

    name = NAME
    dimensions = DIMENSIONS

    def __init__(self, embedder: Embedder, version: str, tag_similarity: float) -> None:
        self.embedder = embedder
        self.version = f"all-MiniLM-L6-v2-{version}-g{GRAPH_VERSION}"
        self.tag_similarity = tag_similarity

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        return as_list(self.embedder.embed(list(texts)))


def as_list(vectors: np.ndarray) -> list[list[float]]:
    """Plain floats (for JSON fixtures and debugging)."""
    rows: list[Any] = vectors.astype(float).tolist()
    return rows
