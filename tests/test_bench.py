"""The benchmarks still run (figures are not asserted: they live in the printed results)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def test_intent_engine_benchmark_quick_run_writes_its_figures(tmp_path: Path) -> None:
    out = tmp_path / "intent.json"
    subprocess.run(
        [sys.executable, str(REPO / "bench" / "intent_engine.py"), "--quick", "--out", str(out)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    figures = json.loads(out.read_text())
    assert figures["n"] > 0 and figures["quick"] is True
    assert {"median", "p95", "p99"} <= set(figures["latency_ms"])
    assert 0 < figures["intent_accuracy"] <= 1
