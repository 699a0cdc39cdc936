"""Embedded phrase sets kept on disk, so a process that starts does not embed them again.

The intent prototypes and the knowledge base's questions are fixed text (1,031 phrases),
and embedding them one by one took about 2 to 5 s of every `fitcoach ask` and of every
worker process's start. A set's vectors are stored as a .npy file named by the model they
came from (its hash, the rewrite's version, the tokenizer's hash) and by a hash of the
phrases themselves, so a new model or any change to a phrase is a different file and the
old one is never read for it.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
from pathlib import Path
from typing import Protocol

import numpy as np
import platformdirs

from fitcoach.coach.embeddings import Vectors

logger = logging.getLogger(__name__)

# Part of every file name: a change to how the file is laid out must not read an old one.
_FORMAT = 1


class Embedder(Protocol):
    model_id: str
    dimensions: int

    def embed(self, texts: list[str]) -> Vectors: ...


def default_cache_dir() -> Path:
    return platformdirs.user_cache_path("fitcoach", appauthor=False) / "vectors"


def cache_path(embedder: Embedder, texts: list[str], kind: str, folder: Path) -> Path:
    phrases = hashlib.sha256("\x1f".join(texts).encode("utf-8")).hexdigest()[:16]
    model = hashlib.sha256(embedder.model_id.encode()).hexdigest()[:16]
    return folder / f"{kind}-v{_FORMAT}-{model}-{phrases}.npy"


def embedded(
    embedder: Embedder, texts: list[str], *, kind: str, folder: Path | None = None
) -> Vectors:
    """The vectors of `texts`, from the cache when this model has embedded this exact set
    before; otherwise embedded now and stored for the next process."""
    model_id = getattr(embedder, "model_id", None)
    if not isinstance(model_id, str):
        return embedder.embed(texts)  # an embedder that cannot say what it is: never cache
    path = cache_path(embedder, texts, kind, folder or default_cache_dir())
    try:
        vectors: Vectors = np.load(path, allow_pickle=False)
        if vectors.shape == (len(texts), embedder.dimensions) and vectors.dtype == np.float32:
            return vectors
        logger.warning("cached %s vectors have the wrong shape; embedding again", kind)
    except FileNotFoundError:
        pass
    except (OSError, ValueError) as exc:
        logger.warning("cached %s vectors unreadable (%s); embedding again", kind, exc)
    vectors = embedder.embed(texts)
    _store(path, vectors)
    return vectors


def _store(path: Path, vectors: Vectors) -> None:
    partial: str | None = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        # Several processes may embed the same set at once: each writes its own file and
        # the rename lands whole, so no reader ever sees half a file.
        handle, partial = tempfile.mkstemp(dir=path.parent, suffix=".partial")
        with os.fdopen(handle, "wb") as out:
            np.save(out, vectors, allow_pickle=False)
        os.replace(partial, path)
    except OSError as exc:
        if partial is not None:
            Path(partial).unlink(missing_ok=True)
        logger.warning("cannot cache embedded phrases (%s); they are embedded again next time", exc)
