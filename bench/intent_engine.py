"""Benchmark: the offline intent engine's per-query latency, and its accuracy.

    python bench/intent_engine.py [--quick] [--out PATH]

Runs every labelled utterance in tests/data through `IntentEngine.classify` (after a warm-up)
and prints load time, median / p95 / p99 latency per query and accuracy; writes the figures
as JSON (default bench/results/intent_engine.json). Target on a 2-core machine: p99 <= 20 ms.
It measures and reports; it asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from rich.console import Console
from rich.table import Table

REPO = Path(__file__).resolve().parents[1]
DATA = REPO / "tests" / "data"


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one pass over 60 utterances")
    parser.add_argument(
        "--out", type=Path, default=REPO / "bench" / "results" / "intent_engine.json"
    )
    args = parser.parse_args()

    started = time.perf_counter()
    from fitcoach.coach import IntentEngine

    engine = IntentEngine()
    load_s = time.perf_counter() - started

    rows = []
    for name in ("intent_utterances.jsonl", "intent_utterances_holdout.jsonl"):
        rows += [
            json.loads(line) for line in (DATA / name).read_text().splitlines() if line.strip()
        ]
    if args.quick:
        rows = rows[::12]
    passes = 1 if args.quick else 3

    latencies_ms: list[float] = []
    correct = 0
    for repetition in range(passes):
        for row in rows:
            begin = time.perf_counter()
            result = engine.classify(row["text"])
            latencies_ms.append((time.perf_counter() - begin) * 1000)
            if repetition == 0:
                correct += result.intent == row["intent"]

    latency = {
        "median": round(statistics.median(latencies_ms), 2),
        "p95": round(percentile(latencies_ms, 95), 2),
        "p99": round(percentile(latencies_ms, 99), 2),
        "max": round(max(latencies_ms), 2),
    }
    accuracy = correct / len(rows)
    figures = {
        "benchmark": "intent_engine",
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
        },
        "quick": args.quick,
        "load_s": round(load_s, 3),
        "n": len(latencies_ms),
        "latency_ms": latency,
        "intent_accuracy": round(accuracy, 4),
    }
    table = Table(title="offline intent engine")
    for column in ("queries", "load s", "median ms", "p95 ms", "p99 ms", "accuracy"):
        table.add_column(column, justify="right")
    table.add_row(
        str(len(latencies_ms)),
        f"{load_s:.2f}",
        f"{latency['median']:.1f}",
        f"{latency['p95']:.1f}",
        f"{latency['p99']:.1f}",
        f"{accuracy:.1%}",
    )
    Console().print(table)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(figures, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
