"""The embedding model rewritten so that its int8 weights stay int8 in memory.

The packaged MiniLM stores each weight as int8 and dequantizes it inside the graph (Cast, then
Mul by a per-row or per-column scale). onnxruntime folds those constants at load time, so a
23 MB model becomes a float32 copy of every weight: about 160 MB resident in every job process.
The rewrite keeps the weights int8:

- the word-embedding table is gathered first and only the gathered rows are dequantized
  (the same arithmetic, row by row);
- each weight MatMul becomes onnxruntime's DynamicQuantizeMatMul, which multiplies the int8
  weights directly and quantizes the activations per call, that is per batch (vectors keep a
  cosine above 0.99 with the folded model's; bench.intent_engine measures the accuracy).

The rewritten model is written once to the user's cache directory, named by the source
model's hash, so job processes load it without importing `onnx`.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import os
import tempfile
from pathlib import Path
from typing import Any

import platformdirs

logger = logging.getLogger(__name__)

# Part of the cached file's name: a change to the rewrite must not load an older rewrite.
_REWRITE_VERSION = 1


@functools.lru_cache(maxsize=4)
def model_digest(source: Path) -> str:
    """The source model's hash together with the rewrite's version: what the vectors the
    lean model computes depend on (read once per process)."""
    digest = hashlib.sha256(source.read_bytes()).hexdigest()[:16]
    return f"{digest}-lean{_REWRITE_VERSION}"


def lean_model(source: Path, cache_dir: Path | None = None) -> Path | bytes:
    """The rewritten model's file, built on first use; its bytes when nothing can be cached."""
    cache_dir = cache_dir or platformdirs.user_cache_path("fitcoach", appauthor=False) / "models"
    digest = model_digest(source).split("-", 1)[0]
    target = cache_dir / f"{source.stem}-lean{_REWRITE_VERSION}-{digest}.onnx"
    if target.is_file():
        return target
    data = rewrite(source)
    partial: str | None = None
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        # Job processes may build it at the same moment: each writes its own file, and the
        # rename makes whichever lands last the one everybody reads, never a half-written one.
        handle, partial = tempfile.mkstemp(dir=cache_dir, suffix=".partial")
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.replace(partial, target)
    except OSError as exc:
        if partial is not None:
            Path(partial).unlink(missing_ok=True)
        logger.warning("cannot cache the lean embedding model (%s); using it from memory", exc)
        return data
    return target


def rewrite(source: Path) -> bytes:
    import onnx
    from onnx import helper, numpy_helper

    model = onnx.load(str(source))
    graph = model.graph
    initializers = {init.name: init for init in graph.initializer}
    producer = {output: node for node in graph.node for output in node.output}
    consumers: dict[str, int] = {}
    for node in graph.node:
        for name in node.input:
            consumers[name] = consumers.get(name, 0) + 1

    def dequantized(name: str) -> tuple[Any, Any, str, Any] | None:
        """(mul, cast, int8 weight, scale) when `name` is only Mul(Cast(int8), scale)."""
        mul = producer.get(name)
        if mul is None or mul.op_type != "Mul" or consumers.get(name) != 1:
            return None
        cast = producer.get(mul.input[0])
        if (
            cast is None
            or cast.op_type != "Cast"
            or consumers.get(cast.output[0]) != 1
            or cast.input[0] not in initializers
            or mul.input[1] not in initializers
            or initializers[cast.input[0]].data_type != onnx.TensorProto.INT8
        ):
            return None
        return mul, cast, cast.input[0], numpy_helper.to_array(initializers[mul.input[1]])

    replaced: set[int] = set()
    nodes = []
    for node in graph.node:
        if node.op_type == "Gather" and (found := dequantized(node.input[0])) is not None:
            mul, cast, weight, scale = found
            if scale.size != 1 and scale.shape != (scale.shape[0], 1):
                nodes.append(node)
                continue
            out, ids = node.output[0], node.input[1]
            rows_scale = out + "/scale"
            nodes += [
                helper.make_node("Gather", [weight, ids], [out + "/q"], axis=0),
                helper.make_node("Cast", [out + "/q"], [out + "/f"], to=onnx.TensorProto.FLOAT),
                helper.make_node("Gather", [mul.input[1], ids], [rows_scale], axis=0)
                if scale.size != 1
                else helper.make_node("Identity", [mul.input[1]], [rows_scale]),
                helper.make_node("Mul", [out + "/f", rows_scale], [out]),
            ]
            replaced |= {id(mul), id(cast)}
        elif node.op_type == "MatMul" and (found := dequantized(node.input[1])) is not None:
            mul, cast, weight, scale = found
            columns = initializers[weight].dims[-1]
            per_column = scale.size == 1 or (scale.size == columns and scale.shape[-1] == columns)
            if len(initializers[weight].dims) != 2 or not per_column:
                nodes.append(node)
                continue
            scale_name = node.output[0] + "/scale"
            graph.initializer.append(numpy_helper.from_array(scale.reshape(-1), scale_name))
            nodes.append(
                helper.make_node(
                    "DynamicQuantizeMatMul",
                    [node.input[0], weight, scale_name],
                    list(node.output),
                    domain="com.microsoft",
                )
            )
            replaced |= {id(mul), id(cast)}
        else:
            nodes.append(node)
    kept = [node for node in nodes if id(node) not in replaced]
    del graph.node[:]
    graph.node.extend(kept)
    used = {name for node in kept for name in node.input}
    unused = [init for init in graph.initializer if init.name not in used]
    for init in unused:
        graph.initializer.remove(init)
    if not any(opset.domain == "com.microsoft" for opset in model.opset_import):
        model.opset_import.append(helper.make_opsetid("com.microsoft", 1))
    data: bytes = model.SerializeToString()
    return data
