"""The ONNX graph of all-MiniLM-L6-v2, written from its safetensors weights.

A BERT encoder (6 layers, 384 wide, 12 heads, exact GELU, LayerNorm) then
mean pooling over the attention mask and L2 normalisation: exactly what
sentence-transformers computes, as one ONNX model that onnxruntime runs
without torch. The graph is built once from the weights with the ``onnx``
helper API and kept on disk by :mod:`socialflow_ml.embedder`.

Inputs are ``input_ids`` and ``attention_mask`` (int64, batch x tokens);
token type ids are always 0 for a single sentence, so that embedding row is
folded into a constant. The output ``embedding`` is batch x 384, unit length.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

OPSET = 18
GRAPH_VERSION = "1"


class _Builder:
    """Collects nodes and initializers under unique names."""

    def __init__(self, weights: Mapping[str, np.ndarray]) -> None:
        from onnx import numpy_helper

        self.weights = weights
        self.nodes: list[Any] = []
        self.inits: list[Any] = []
        self._helper = numpy_helper
        self._n = 0

    def const(self, name: str, value: np.ndarray) -> str:
        self.inits.append(self._helper.from_array(np.ascontiguousarray(value), name))
        return name

    def weight(self, key: str, *, transpose: bool = False) -> str:
        value = np.asarray(self.weights[key], dtype=np.float32)
        return self.const(key, value.T if transpose else value)

    def op(self, kind: str, *inputs: str, **attrs: Any) -> str:
        from onnx import helper

        self._n += 1
        out = f"{kind.lower()}_{self._n}"
        self.nodes.append(helper.make_node(kind, list(inputs), [out], **attrs))
        return out

    def linear(self, x: str, prefix: str) -> str:
        product = self.op("MatMul", x, self.weight(f"{prefix}.weight", transpose=True))
        return self.op("Add", product, self.weight(f"{prefix}.bias"))

    def layer_norm(self, x: str, prefix: str, eps: float) -> str:
        return self.op(
            "LayerNormalization",
            x,
            self.weight(f"{prefix}.weight"),
            self.weight(f"{prefix}.bias"),
            axis=-1,
            epsilon=eps,
        )


def build(weights: Mapping[str, np.ndarray], config: Mapping[str, Any]) -> bytes:
    """The serialized ONNX model for these BERT weights (``config``: the model's config.json)."""
    from onnx import TensorProto, checker, helper

    hidden = int(config["hidden_size"])
    heads = int(config["num_attention_heads"])
    layers = int(config["num_hidden_layers"])
    eps = float(config["layer_norm_eps"])
    head = hidden // heads
    b = _Builder(weights)

    ids, mask = "input_ids", "attention_mask"
    # Embeddings: word + position (0..S-1) + token type 0, then LayerNorm.
    words = b.op("Gather", b.weight("embeddings.word_embeddings.weight"), ids)
    seq = b.op("Shape", ids, start=1, end=2)  # [S]
    pos = b.op(
        "Slice",
        b.weight("embeddings.position_embeddings.weight"),
        b.const("zero_1d", np.array([0], dtype=np.int64)),
        seq,
        b.const("axis_0", np.array([0], dtype=np.int64)),
    )
    token_type = np.asarray(weights["embeddings.token_type_embeddings.weight"], np.float32)[0]
    x = b.op("Add", b.op("Add", words, pos), b.const("token_type_0", token_type))
    x = b.layer_norm(x, "embeddings.LayerNorm", eps)

    # Additive attention mask: 0 where attended, a large negative where padded.
    mask_f = b.op("Cast", mask, to=TensorProto.FLOAT)
    bias = b.op(
        "Mul",
        b.op("Sub", b.const("one_f", np.array(1.0, np.float32)), mask_f),
        b.const("mask_fill", np.array(np.finfo(np.float32).min, np.float32)),
    )
    bias = b.op("Unsqueeze", bias, b.const("axes_1_2", np.array([1, 2], dtype=np.int64)))

    split = b.const("split_heads", np.array([0, 0, heads, head], dtype=np.int64))
    merge = b.const("merge_heads", np.array([0, 0, hidden], dtype=np.int64))
    scale = b.const("attn_scale", np.array(1.0 / math.sqrt(head), np.float32))
    sqrt2 = b.const("sqrt2", np.array(math.sqrt(2.0), np.float32))
    half = b.const("half", np.array(0.5, np.float32))
    one = "one_f"

    for n in range(layers):
        p = f"encoder.layer.{n}"

        def heads_of(name: str, perm: list[int], src: str = x, p: str = p) -> str:
            projected = b.linear(src, f"{p}.attention.self.{name}")
            return b.op("Transpose", b.op("Reshape", projected, split), perm=perm)

        q = heads_of("query", [0, 2, 1, 3])
        k = heads_of("key", [0, 2, 3, 1])
        v = heads_of("value", [0, 2, 1, 3])
        scores = b.op("Add", b.op("Mul", b.op("MatMul", q, k), scale), bias)
        probs = b.op("Softmax", scores, axis=-1)
        context = b.op("Transpose", b.op("MatMul", probs, v), perm=[0, 2, 1, 3])
        context = b.op("Reshape", context, merge)
        attended = b.linear(context, f"{p}.attention.output.dense")
        x = b.layer_norm(b.op("Add", attended, x), f"{p}.attention.output.LayerNorm", eps)
        inner = b.linear(x, f"{p}.intermediate.dense")
        # Exact GELU: 0.5 * x * (1 + erf(x / sqrt(2))).
        gelu = b.op(
            "Mul",
            b.op("Mul", inner, half),
            b.op("Add", b.op("Erf", b.op("Div", inner, sqrt2)), one),
        )
        out = b.linear(gelu, f"{p}.output.dense")
        x = b.layer_norm(b.op("Add", out, x), f"{p}.output.LayerNorm", eps)

    # Mean pooling over real tokens, then unit length.
    weights_f = b.op("Unsqueeze", mask_f, b.const("axis_2", np.array([2], dtype=np.int64)))
    axis1 = b.const("axis_1", np.array([1], dtype=np.int64))
    summed = b.op("ReduceSum", b.op("Mul", x, weights_f), axis1, keepdims=0)
    count = b.op(
        "Max",
        b.op("ReduceSum", weights_f, axis1, keepdims=0),
        b.const("tiny", np.array(1e-9, np.float32)),
    )
    mean = b.op("Div", summed, count)
    norm = b.op(
        "Max",
        b.op("ReduceL2", mean, b.const("axis_last", np.array([-1], dtype=np.int64)), keepdims=1),
        b.const("norm_floor", np.array(1e-12, np.float32)),
    )
    b.nodes.append(helper.make_node("Div", [mean, norm], ["embedding"]))

    graph = helper.make_graph(
        b.nodes,
        "all-MiniLM-L6-v2",
        [
            helper.make_tensor_value_info(ids, TensorProto.INT64, ["batch", "tokens"]),
            helper.make_tensor_value_info(mask, TensorProto.INT64, ["batch", "tokens"]),
        ],
        [helper.make_tensor_value_info("embedding", TensorProto.FLOAT, ["batch", hidden])],
        b.inits,
    )
    model = helper.make_model(
        graph, opset_imports=[helper.make_opsetid("", OPSET)], producer_name="socialflow-ml"
    )
    model.ir_version = 8
    checker.check_model(model)
    data: bytes = model.SerializeToString()
    return data
