"""The embedding model as onnxruntime runs it: int8 weights kept int8, cached once."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import onnx
import onnxruntime
import pytest
from onnx import numpy_helper

from fitcoach.coach.embeddings import _model_files
from fitcoach.coach.lean_onnx import lean_model, rewrite

# Pairs of paraphrases: each sentence's nearest neighbour is its partner.
SENTENCES = [
    "log three sets of ten squats at eighty kilos",
    "I did 3 sets of 10 squats with 80 kg",
    "should I take creatine before or after training?",
    "when is the best time to take creatine",
    "what's my workout today",
    "what am I training today",
    "my knee hurts when I squat",
    "I get knee pain during squats",
]
PARTNERS = [1, 0, 3, 2, 5, 4, 7, 6]


def _vectors(model: Path | bytes, texts: list[str]) -> np.ndarray:
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(_model_files()[1]))
    tokenizer.no_padding()
    session = onnxruntime.InferenceSession(
        str(model) if isinstance(model, Path) else model, providers=["CPUExecutionProvider"]
    )
    vectors = []
    for text in texts:
        ids = np.array([tokenizer.encode(text).ids], dtype=np.int64)
        feeds = {"input_ids": ids, "attention_mask": np.ones_like(ids)}
        feeds["token_type_ids"] = np.zeros_like(ids)
        pooled = session.run(None, feeds)[0][0].mean(axis=0)
        vectors.append(pooled / np.linalg.norm(pooled))
    return np.array(vectors)


@pytest.fixture(scope="module")
def lean_bytes() -> bytes:
    return rewrite(_model_files()[0])


def test_the_rewritten_model_holds_no_float_copy_of_its_weights(lean_bytes: bytes) -> None:
    source = onnx.load(str(_model_files()[0]))
    lean = onnx.load_from_string(lean_bytes)

    def float_bytes(model: onnx.ModelProto) -> int:
        return sum(
            numpy_helper.to_array(init).nbytes
            for init in model.graph.initializer
            if init.data_type == onnx.TensorProto.FLOAT
        )

    # No node left that turns a whole int8 weight into float32 at load time.
    weights = {init.name for init in lean.graph.initializer}
    assert not [n for n in lean.graph.node if n.op_type == "Cast" and n.input[0] in weights]
    assert float_bytes(lean) <= float_bytes(source) + 100_000
    assert {"DynamicQuantizeMatMul"} <= {n.op_type for n in lean.graph.node}


def test_the_rewritten_model_says_what_the_packaged_one_says(lean_bytes: bytes) -> None:
    packaged = _vectors(_model_files()[0], SENTENCES)
    lean = _vectors(lean_bytes, SENTENCES)
    assert np.all(np.sum(packaged * lean, axis=1) > 0.99)
    for vectors in (packaged, lean):
        similarity = vectors @ vectors.T
        np.fill_diagonal(similarity, -1)
        assert similarity.argmax(axis=1).tolist() == PARTNERS


def test_it_is_rewritten_once_and_then_read_from_the_cache(tmp_path: Path) -> None:
    first = lean_model(_model_files()[0], tmp_path)
    assert isinstance(first, Path) and first.parent == tmp_path
    written = first.stat().st_mtime_ns
    again = lean_model(_model_files()[0], tmp_path)
    assert again == first and again.stat().st_mtime_ns == written
    assert [p.name for p in tmp_path.iterdir()] == [first.name]  # no partial file left


def test_an_unwritable_cache_still_gives_the_model(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    blocked = tmp_path / "not-a-directory"
    blocked.write_text("")
    with caplog.at_level(logging.WARNING):
        model = lean_model(_model_files()[0], blocked / "models")
    assert isinstance(model, bytes) and model == rewrite(_model_files()[0])
    assert "cannot cache the lean embedding model" in caplog.text
