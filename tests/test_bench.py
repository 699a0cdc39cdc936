"""The benchmarks still run (figures are not asserted: they live in the printed results)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
# The benchmarks are the package `bench` of the repository, run as `python -m bench.<name>`.
BENCH_ENV = {**os.environ, "PYTHONPATH": str(REPO)}


def test_chaos_script_reports_nothing_lost_in_a_short_run(postgres_url: str) -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench.chaos",
            "--trials",
            "3",
            "--outage-s",
            "2",
            "--fresh-rounds",
            "2",
            "--load-processes",
            "2",
            "--load-sessions",
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
    assert (
        figures["fresh_confirmed"] == figures["fresh_starts"] > 0 and figures["fresh_refused"] == 0
    )
    assert figures["load_confirmed"] > 0 and figures["load_refused"] == figures["load_died"] == 0


def test_intent_engine_benchmark_quick_run_writes_its_figures(tmp_path: Path) -> None:
    out = tmp_path / "intent.json"
    subprocess.run(
        [sys.executable, "-m", "bench.intent_engine", "--quick", "--out", str(out)],
        check=True,
        capture_output=True,
        timeout=300,
        env=BENCH_ENV,
    )
    figures = json.loads(out.read_text())
    assert figures["n"] > 0 and figures["quick"] is True
    assert {"median", "p95", "p99"} <= set(figures["latency_ms"])
    assert 0 < figures["intent_accuracy"] <= 1


def test_benchmark_harness_quick_run_writes_every_figure(postgres_url: str, tmp_path: Path) -> None:

    from tests.conftest import postgres_admin_url

    out = tmp_path / "latest.json"
    result = subprocess.run(
        [sys.executable, "-m", "bench.run", "--quick", "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=600,
        env={**BENCH_ENV, "FITCOACH_BENCH_POSTGRES_URL": postgres_admin_url()},
    )
    assert result.returncode == 0, result.stderr[-2000:]
    figures = json.loads(out.read_text())
    assert figures["problems"] == {}, figures["problems"]
    for section, key, stat in [
        ("e2e", "tuned", "p50"),
        ("e2e", "tuned", "p95"),
        ("e2e", "default", "p50"),
        ("e2e", "default", "p95"),
        ("mouth_to_ear", "tuned", "p50"),
        ("mouth_to_ear", "tuned", "p95"),
        ("mouth_to_ear", "default", "p50"),
    ]:
        assert figures[section][key][stat] > 0, (section, key, stat)
    assert figures["e2e"]["ratio_p50"] > 0
    for section, key in [
        ("tools", "quick_p99_ms"),
        ("tools", "log_p99_ms"),
        ("tools", "specialist_local_p95_ms"),
        ("logbook", "sqlite_sets_per_s"),
        ("logbook", "postgres_sets_per_s"),
        ("logbook", "visible_p99_s"),
        ("context", "postgres_p95_ms"),
        ("memory", "job_rss_mb"),
    ]:
        assert figures[section][key] > 0, (section, key)
    levels = {(level["kind"], level["sessions"]) for level in figures["scale"]}
    assert {("text", 1), ("text", 2), ("audio", 1), ("audio", 2)} <= levels
    assert all(level["turns_per_s"] > 0 for level in figures["scale"])
    for key in ("ask_s", "talk_text_ready_s", "worker_job_ready_s"):
        assert figures["startup"][key]["cold"]["median"] > 0, key
        assert figures["startup"][key]["warm"]["median"] > 0, key
    assert figures["commit"] and figures["machine"]["cpus"]
