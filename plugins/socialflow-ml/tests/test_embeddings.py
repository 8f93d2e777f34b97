"""all-MiniLM-L6-v2 on onnxruntime against the same model run by torch and sentence-transformers.

``fixtures/minilm_reference.json`` holds torch's embeddings of 20 sentences
(made once by ``fixtures/make_minilm_reference.py`` outside the project); the
ONNX graph built here from the packaged weights must agree to cosine 0.998.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from socialflow_ml import embedder, minilm_files

REFERENCE = json.loads((Path(__file__).parent / "fixtures" / "minilm_reference.json").read_text())

needs_model = pytest.mark.skipif(
    not embedder.available(), reason=f"model not installed: {minilm_files.INSTALL_HINT}"
)


@pytest.fixture(scope="module")
def minilm(tmp_path_factory: pytest.TempPathFactory) -> embedder.Embedder:
    return embedder.Embedder(tmp_path_factory.mktemp("onnx"))


@needs_model
def test_onnx_embeddings_match_torch(minilm: embedder.Embedder) -> None:
    rows = REFERENCE["rows"]
    assert len(rows) >= 20
    got = minilm.embed([r["text"] for r in rows])
    want = np.array([r["embedding"] for r in rows], dtype=np.float64)
    want /= np.linalg.norm(want, axis=1, keepdims=True)
    cosines = np.sum(got.astype(np.float64) * want, axis=1)
    assert cosines.min() >= 0.998, dict(
        zip([r["text"][:40] for r in rows], cosines.round(5), strict=True)
    )
    assert np.allclose(np.linalg.norm(got, axis=1), 1.0, atol=1e-5)


@needs_model
def test_batching_and_order_do_not_change_an_embedding(minilm: embedder.Embedder) -> None:
    texts = [r["text"] for r in REFERENCE["rows"]]
    together = minilm.embed(texts, batch=7)
    alone = np.vstack([minilm.embed([t]) for t in reversed(texts)])[::-1]
    assert np.abs(together - alone).max() < 1e-4
    assert minilm.embed([]).shape == (0, embedder.DIMENSIONS)


@needs_model
def test_the_onnx_file_is_written_once_and_reused(tmp_path: Path) -> None:
    files = minilm_files.find()
    assert files is not None
    first = embedder.onnx_path(tmp_path, files)
    stamp = first.stat().st_mtime_ns
    assert embedder.onnx_path(tmp_path, files) == first
    assert first.stat().st_mtime_ns == stamp
    assert [p.name for p in tmp_path.iterdir()] == [first.name]
