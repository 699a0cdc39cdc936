"""Embedded phrase sets are cached on disk by model and by phrase set."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from fitcoach.coach.embeddings import Vectors, shared_embedder
from fitcoach.coach.intents import IntentEngine
from fitcoach.coach.prototype_cache import cache_path, embedded


class CountingEmbedder:
    """The real model, counting how many texts it is asked to embed."""

    def __init__(self, model_id: str | None = None) -> None:
        self._real = shared_embedder()
        self.model_id = model_id or self._real.model_id
        self.dimensions = self._real.dimensions
        self.embedded = 0

    def embed(self, texts: list[str]) -> Vectors:
        self.embedded += len(texts)
        return self._real.embed(texts)

    def embed_one(self, text: str) -> Vectors:
        return self._real.embed_one(text)


PHRASES = ["what's my workout today", "log three sets of squats", "is creatine safe"]


def test_a_phrase_set_is_embedded_once_then_read_back(tmp_path: Path) -> None:
    first = CountingEmbedder()
    vectors = embedded(first, PHRASES, kind="intents", folder=tmp_path)
    assert first.embedded == 3 and cache_path(first, PHRASES, "intents", tmp_path).is_file()
    second = CountingEmbedder()
    again = embedded(second, PHRASES, kind="intents", folder=tmp_path)
    assert second.embedded == 0
    np.testing.assert_array_equal(vectors, again)
    np.testing.assert_allclose(vectors, shared_embedder().embed(PHRASES), atol=1e-6)


def test_any_change_to_the_phrases_or_the_model_is_a_new_entry(tmp_path: Path) -> None:
    embedded(CountingEmbedder(), PHRASES, kind="intents", folder=tmp_path)
    changed = CountingEmbedder()
    embedded(changed, [*PHRASES[:2], "is creatine safe?"], kind="intents", folder=tmp_path)
    assert changed.embedded == 3
    other_model = CountingEmbedder(model_id="another-model")
    embedded(other_model, PHRASES, kind="intents", folder=tmp_path)
    assert other_model.embedded == 3
    assert len(list(tmp_path.glob("intents-*.npy"))) == 3


def test_a_damaged_entry_is_embedded_again_and_replaced(tmp_path: Path) -> None:
    embedder = CountingEmbedder()
    path = cache_path(embedder, PHRASES, "knowledge", tmp_path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"not an array")
    vectors = embedded(embedder, PHRASES, kind="knowledge", folder=tmp_path)
    assert embedder.embedded == 3 and vectors.shape == (3, 384)
    np.save(path, np.zeros((2, 384), dtype=np.float32))  # the wrong shape is not trusted
    embedded(embedder, PHRASES, kind="knowledge", folder=tmp_path)
    assert embedder.embedded == 6
    np.testing.assert_array_equal(np.load(path), vectors)


def test_the_intent_engine_reads_its_prototypes_from_the_cache() -> None:
    fresh = IntentEngine(embedder=CountingEmbedder())  # builds the shared entry, or reads it
    counting = CountingEmbedder()
    cached = IntentEngine(embedder=counting)
    assert counting.embedded == 0
    for text in ("what's my workout today", "how much protein do I need", "benched 100 for 5"):
        assert fresh.classify(text).intent == cached.classify(text).intent
