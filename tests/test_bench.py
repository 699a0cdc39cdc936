"""The benchmarks still run (figures are not asserted: they live in the printed results)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def test_chaos_script_reports_nothing_lost_in_a_short_run(postgres_url: str) -> None:
    result = subprocess.run(
        [
            sys.executable,
            str(REPO / "bench" / "chaos.py"),
            "--trials",
            "3",
            "--outage-s",
            "2",
            "--database-url",
            postgres_url,
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    figures = json.loads(result.stdout.strip().splitlines()[-1])
    assert figures["trials"] == 3 and figures["confirmed"] > 0
    assert figures["lost"] == figures["duplicated"] == 0
    assert figures["outage_confirmed"] > 0 and figures["outage_lost"] == 0


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
